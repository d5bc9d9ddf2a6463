// The repository's top-level Pulumi project (Pulumi.yaml at the root): the
// demo as a user with the official Pulumi CLI runs it. Its program entry is
// the template's own, and the engine finds Strata's provider plugin through
// the project's `plugins.providers` path alone (a Pulumi home without it).
// The engine runs the entry's program inline: no Node.js language host can
// be had on this machine (docs/architecture.md).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { loadToolchain } from "@strata/cli";

const repo = path.resolve(import.meta.dirname, "..", "..");
const project = parse(fs.readFileSync(path.join(repo, "Pulumi.yaml"), "utf8")) as {
  name: string;
  main: string;
  plugins: { providers: { name: string; path: string }[] };
};
const stackName = `test-root-${process.pid}`;
const root = fs.mkdtempSync(path.join(os.tmpdir(), "strata-root-"));
fs.chmodSync(root, 0o711);

afterAll(() => {
  fs.rmSync(path.join(repo, `Pulumi.${stackName}.yaml`), { force: true });
  fs.rmSync(root, { recursive: true, force: true });
});

describe("the top-level Pulumi project", () => {
  test("names the demo's entry and the plugin folder of this checkout", () => {
    expect(project.name).toBe("strata-local");
    expect(fs.readFileSync(path.join(repo, project.main), "utf8")).toContain('export { default } from "./program.js"');
    const plugin = project.plugins.providers.find((p) => p.name === "strata")!;
    expect(fs.statSync(path.join(repo, plugin.path, "pulumi-resource-strata")).mode & 0o111).not.toBe(0);
  });

  test("previews the whole demo from the root, the engine loading Strata's plugin from that path", async () => {
    const toolchain = loadToolchain();
    const entry = (await import(pathToFileURL(path.join(repo, project.main)).href)) as { default: pulumi.automation.PulumiFn };
    const pulumiHome = path.join(root, "pulumi-home");
    fs.mkdirSync(pulumiHome);
    fs.mkdirSync(path.join(root, "state"));
    const stack = await pulumi.automation.LocalWorkspace.createOrSelectStack(
      { stackName, projectName: project.name, program: entry.default },
      {
        workDir: repo,
        pulumiCommand: await pulumi.automation.PulumiCommand.get({ root: toolchain.pulumiRoot }),
        envVars: {
          PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`,
          PULUMI_CONFIG_PASSPHRASE: "root-project-test",
          PULUMI_HOME: pulumiHome,
          PULUMI_SKIP_UPDATE_CHECK: "true",
          // The plugin script runs the first `node` on PATH: Node 22.
          PATH: [path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter),
        },
      },
    );
    // What a user sets once with `pulumi config set` (README, "With the Pulumi CLI").
    await stack.setAllConfig({
      warehousePassword: { value: "root-project-password-1", secret: true },
      "strata:dataDir": { value: path.join(root, "data") },
      "strata:trinoHome": { value: toolchain.trinoHome },
      "strata:javaHome": { value: toolchain.javaHome },
      "strata:supervisorHome": { value: toolchain.supervisorHome },
      "strata:postgresBin": { value: toolchain.postgresBin },
    });
    let output = "";
    const preview = await stack.preview({ onOutput: (text) => (output += text), color: "never" });
    expect(output).not.toMatch(/error:/);
    expect(preview.changeSummary.create).toBeGreaterThan(50);
    expect(output).toContain("strata:local:Process");
    expect(output).toContain("strata:core:Cluster");
    // Nothing was installed into the Pulumi home: the engine ran the plugin from the project's path.
    const installed = fs.existsSync(path.join(pulumiHome, "plugins")) ? fs.readdirSync(path.join(pulumiHome, "plugins")) : [];
    expect(installed.filter((p) => p.includes("strata"))).toEqual([]);
  });
});
