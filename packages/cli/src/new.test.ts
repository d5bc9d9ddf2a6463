import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  TYPESCRIPT_VERSION,
  TYPES_NODE_VERSION,
  bundledStacksDir,
  bundledTemplates,
  isTemplateSource,
  loadTemplate,
  newProject,
  runningVersions,
  templateSources,
} from "@strata/cli";

const repo = path.resolve(import.meta.dirname, "..", "..", "..");
const VERSIONS = { strata: "0.1.0", pulumi: "3.270.0", typescript: "5.9.3", typesNode: "22.20.5" };
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "strata-new-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A template folder written from a map of relative paths to contents. */
function template(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(scratch, "template-"));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const MACHINE_STACK_FILE = "encryptionsalt: v1:abc\nconfig:\n  strata:dataDir: /home/me/.strata/data\n";

describe("which template files are sources", () => {
  const siblings = new Set(["program.ts", "index.ts", "helper.js", "Pulumi.yaml"]);
  test.each([
    ["program.ts", "", true],
    ["program.js", "", false],
    ["program.d.ts", "", false],
    ["program.js.map", "", false],
    ["program.d.ts.map", "", false],
    ["helper.js", "", true],
    ["types.d.ts", "", true],
    ["program.test.ts", "", false],
    ["tsconfig.tsbuildinfo", "", false],
    ["Pulumi.yaml", "name: x\n", true],
    ["Pulumi.dev.yaml", MACHINE_STACK_FILE, false],
    ["Pulumi.dev.yaml", "config:\n  x:y:\n    secure: v1:abc\n", false],
    ["Pulumi.prod.yaml", "# Production\nconfig:\n  strata:target: aws\n", true],
    ["Pulumi.dev.yaml.orphaned-1700000000000", "config: {}\n", false],
    ["platform.strata.yaml", "kind: Depot\n", true],
  ])("%s (%j) -> %s", (file, text, expected) => {
    expect(isTemplateSource(file, siblings, () => text)).toBe(expected);
  });
});

describe("strata new", () => {
  test("the starter template: its sources, a package.json on this command's versions, a tsconfig", () => {
    const dir = path.join(scratch, "My Platform");
    const created = newProject("starter", dir, VERSIONS);
    expect(created).toEqual({
      dir,
      kind: "typescript",
      files: [".gitignore", "Pulumi.yaml", "index.ts", "migrations/001_customers.sql", "package.json", "program.ts", "tsconfig.json"],
    });
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(pkg).toMatchObject({
      name: "my-platform",
      private: true,
      type: "module",
      dependencies: { "@pulumi/pulumi": "^3.270.0", "@strata/cli": "0.1.0", "@strata/user-kernel": "0.1.0" },
      devDependencies: { "@types/node": "22.20.5", typescript: "5.9.3" },
    });
    const tsconfig = JSON.parse(fs.readFileSync(path.join(dir, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
    expect(tsconfig.compilerOptions).toMatchObject({ module: "NodeNext", strict: true });
    expect(fs.readFileSync(path.join(dir, "program.ts"), "utf8")).toBe(
      fs.readFileSync(path.join(bundledStacksDir(), "starter", "program.ts"), "utf8"),
    );
  });

  test("the local demo: its migrations and contracts come along (the program reads them next to itself); built files and machine stack files do not", () => {
    const sources = templateSources(path.join(bundledStacksDir(), "local"));
    expect(sources).toEqual(
      expect.arrayContaining([
        "Pulumi.yaml",
        "contracts/daily-revenue.odcs.yaml",
        "contracts/orders.odcs.yaml",
        "index.ts",
        "migrations/001_customers.sql",
        "migrations/002_orders.sql",
        "migrations/003_order_status.sql",
        "program.ts",
      ]),
    );
    expect(sources.filter((f) => /\.js$|\.d\.ts$|Pulumi\.[^.]+\.yaml$|tsbuildinfo$/.test(f))).toEqual([]);
  });

  test("a template folder given by path; a YAML template gets no tsconfig; machine files are skipped", () => {
    const source = template({
      "Pulumi.yaml": "name: manifests\nruntime: yaml\n",
      "Pulumi.dev.yaml": MACHINE_STACK_FILE,
      "platform.strata.yaml": "kind: Depot\n",
      "node_modules/x/index.js": "",
      ".strata/passphrase": "secret",
    });
    const dir = path.join(scratch, "yaml-project");
    const created = newProject(source, dir, VERSIONS);
    expect(created.kind).toBe("yaml");
    expect(created.files).toEqual([".gitignore", "Pulumi.yaml", "package.json", "platform.strata.yaml"]);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
    expect(pkg.devDependencies).toBeUndefined();
  });

  test("refuses a folder that is not empty, naming what it holds and the fix; writes nothing", () => {
    const dir = path.join(scratch, "taken");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "notes.txt"), "mine");
    expect(() => newProject("starter", dir, VERSIONS)).toThrow(
      `${dir} is not empty (it holds notes.txt); strata new never overwrites files. Fix: give a new or empty folder, e.g. strata new starter taken-2`,
    );
    expect(fs.readdirSync(dir)).toEqual(["notes.txt"]);
  });

  test("an unknown template names the bundled ones", () => {
    expect(() => newProject("no-such-template", path.join(scratch, "none"), VERSIONS)).toThrow(
      /template "no-such-template" not found: .* has no Pulumi\.yaml\. Fix: name a bundled template \(.*starter.*\)/,
    );
    expect(bundledTemplates()).toEqual(expect.arrayContaining(["local", "starter"]));
  });

  test("the versions written are this command's: its own, the @pulumi/pulumi it loads, the compiler Strata is built with", () => {
    const root = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    const cli = JSON.parse(fs.readFileSync(path.join(repo, "packages", "cli", "package.json"), "utf8")) as { version: string };
    const pulumi = JSON.parse(fs.readFileSync(path.join(repo, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")) as {
      version: string;
    };
    expect(runningVersions()).toEqual({
      strata: cli.version,
      pulumi: pulumi.version,
      typescript: TYPESCRIPT_VERSION,
      typesNode: TYPES_NODE_VERSION,
    });
    expect([TYPESCRIPT_VERSION, TYPES_NODE_VERSION]).toEqual([root.devDependencies.typescript, root.devDependencies["@types/node"]]);
  });

  test("a new starter project compiles with its own tsconfig and loads as a template", async () => {
    // Inside the repository, so its packages resolve as they would from the project's node_modules.
    fs.mkdirSync(path.join(repo, "test", ".work"), { recursive: true });
    const dir = fs.mkdtempSync(path.join(repo, "test", ".work", "new-starter-"));
    try {
      fs.rmdirSync(dir);
      newProject("starter", dir, VERSIONS);
      const tsc = spawnSync(process.execPath, [path.join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", dir], {
        encoding: "utf8",
      });
      expect(tsc.stdout + tsc.stderr).toBe("");
      expect(tsc.status).toBe(0);
      const loaded = await loadTemplate(dir);
      expect(typeof loaded.program).toBe("function");
      expect(loaded.demo?.users.map((u) => u.user)).toEqual(["admin", "analyst", "guest"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
