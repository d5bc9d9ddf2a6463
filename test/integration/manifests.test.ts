// YAML manifests on the real engine: stacks/local-yaml (copied elsewhere, as
// `strata new` would) previews exactly the resources of the TypeScript demo
// (stacks/local/program.ts); bad manifests exit 2 before any engine
// operation; a version recorded by `strata apply` is deployed again by
// `strata rollback`.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { afterAll, describe, expect, test } from "vitest";
import { type StackTarget, loadManifestStack, loadTemplate, runOperation } from "@strata/cli";

const repo = path.resolve(import.meta.dirname, "..", "..");
const bin = path.join(repo, "packages", "cli", "dist", "bin.js");
const root = fs.mkdtempSync(path.join(os.tmpdir(), "strata-manifests-"));
// Traversable, like a user's home: PostgreSQL runs as its own system user below it when we are root.
fs.chmodSync(root, 0o711);
const home = path.join(root, "home");

afterAll(() => {
  if (fs.existsSync(path.join(root, "small"))) strata("destroy", "-f", path.join(root, "small"), "--stack", "dev-small");
  fs.rmSync(root, { recursive: true, force: true });
});

function strata(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args, "--home", home], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** What a preview would create: per resource its URN, type and inputs, with the project and stack folders made neutral. */
async function previewed(target: StackTarget, folders: string[]): Promise<Map<string, { type: string; inputs: unknown }>> {
  const events: EngineEvent[] = [];
  await runOperation("preview", target, { onEvent: (e) => events.push(e) });
  const neutral = (text: string) => {
    let out = text.replaceAll("strata-local-yaml", "PROJECT").replaceAll("strata-local", "PROJECT");
    for (const folder of folders) out = out.replaceAll(folder, "STACK_FOLDER");
    return out;
  };
  const resources = new Map<string, { type: string; inputs: unknown }>();
  for (const event of events) {
    const m = event.resourcePreEvent?.metadata;
    if (!m || m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) continue;
    resources.set(neutral(m.urn), { type: m.type, inputs: JSON.parse(neutral(JSON.stringify(m.new?.inputs ?? {}))) as unknown });
  }
  return resources;
}

describe("stacks/local-yaml", () => {
  test("previews the same resources, with the same inputs, as the TypeScript demo (stacks/local/program.ts)", async () => {
    // The template copied out of the repository, as `strata new local-yaml` does: it must not depend on where it lives.
    const copied = path.join(root, "local-yaml");
    fs.cpSync(path.join(repo, "stacks", "local-yaml"), copied, { recursive: true });
    const manifests = loadManifestStack(copied);
    // The TypeScript demo, with a work folder of its own (its stack config is not written into the repository).
    const typescript = await loadTemplate("local");
    const tsWork = path.join(root, "local-ts");
    fs.mkdirSync(tsWork);
    // Its Pulumi.yaml, but `main` (the entry for the pulumi CLI; the program runs inline here).
    const project = fs.readFileSync(path.join(typescript.workDir, "Pulumi.yaml"), "utf8").replace(/^main: .*\n/m, "");
    fs.writeFileSync(path.join(tsWork, "Pulumi.yaml"), project);
    // One data folder and password for both, so paths and secrets compare equal.
    const dataDir = path.join(root, "data");
    const config = (project: string) => ({
      "strata:dataDir": { value: dataDir },
      [`${project}:warehousePassword`]: { value: "same-password-for-both", secret: true },
    });
    const yaml = await previewed(
      { workDir: copied, stackName: "yaml", program: manifests.program, home, config: config("strata-local-yaml") },
      [copied],
    );
    const ts = await previewed(
      { workDir: tsWork, stackName: "yaml", program: typescript.program, home: path.join(root, "home-ts"), config: config("strata-local") },
      [typescript.workDir],
    );
    expect(ts.size).toBeGreaterThan(40);
    // Not vacuous: the engine reported the resources' inputs (on a fresh stack, those depending on a port
    // yet to be picked are unknown; test/unit/manifests-demo.test.ts compares every input under mocks).
    expect([...ts.values()].filter((r) => Object.keys(r.inputs as object).length > 0).length).toBeGreaterThan(20);
    expect(JSON.stringify([...ts.values()])).toContain("CREATE TABLE");
    expect([...yaml.keys()].sort()).toEqual([...ts.keys()].sort());
    for (const [urn, resource] of ts) expect({ urn, ...yaml.get(urn) }).toEqual({ urn, ...resource });
  });
});

describe("bad manifests: located errors, exit code 2, nothing deployed", () => {
  const password = "kind: Secret\nname: pw\nspec:\n  value: { config: pw }\n";
  const cases: [string, string, RegExp][] = [
    [
      "an unknown kind",
      "kind: Databse\nname: db\nspec: {}\n",
      /a\.yaml:1:1 Manifest "db": kind="Databse" is not one of the accepted values\. Fix: use one of: .*"Database"/,
    ],
    [
      "a wrong type",
      "kind: Compute\nname: c\nspec:\n  memoryMb: lots\n",
      /a\.yaml:4:3 Compute "c": spec\.memoryMb="lots" is not a whole number\. Fix: give a whole number/,
    ],
    [
      "a missing field",
      `${password}---\nkind: Database\nname: db\nspec: {}\n`,
      /a\.yaml:8:1 Database "db": spec\.password is missing\. Fix: add password: a name/,
    ],
    [
      "an unknown reference",
      `${password}---\nkind: Database\nname: db\nspec:\n  password: pwd\n`,
      /a\.yaml:9:3 Database "db": spec\.password="pwd" names no Secret manifest\. Fix: name one of: pw/,
    ],
    [
      "a cycle",
      `${password}---\nkind: Database\nname: a\nspec: { password: pw, server: b }\n---\nkind: Database\nname: b\nspec: { password: pw, server: a }\n`,
      /a\.yaml:\d+:\d+ Database "\w": spec\.server="\w" makes a cycle: Database\/(a|b) -> Database\/(a|b) -> Database\/(a|b)\. Fix: remove one of these references/,
    ],
  ];
  test.each(cases)("%s", (_name, text, expected) => {
    const folder = path.join(root, `bad-${_name.replace(/\W+/g, "-")}`);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, "Pulumi.yaml"), "name: bad-manifests\nruntime: nodejs\n");
    fs.writeFileSync(path.join(folder, "a.yaml"), text);
    const { code, err } = strata("apply", "-f", folder, "--stack", "bad");
    expect(err).toMatch(expected);
    expect(err).toContain("nothing was deployed");
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
    expect(code).toBe(2);
    // No engine operation ran: the stack was not even created.
    expect(fs.existsSync(path.join(home, "state", ".pulumi", "stacks", "bad-manifests"))).toBe(false);
  });
});

describe("a primitive's own check", () => {
  test("is located at the field of the manifest it names, at preview: exit 1, nothing deployed", () => {
    const folder = path.join(root, "policy");
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, "Pulumi.yaml"), "name: policy-manifests\nruntime: nodejs\n");
    fs.writeFileSync(
      path.join(folder, "a.yaml"),
      "kind: Depot\nname: tpch\nspec: { source: { kind: tpch } }\n---\nkind: Policy\nname: readers\nspec:\n  access:\n    - { users: [ann], depot: sales, access: read }\n---\nkind: Cluster\nname: analytics\nspec: { depots: [tpch], policies: [readers] }\n",
    );
    const { code, err, out } = strata("apply", "-f", folder, "--stack", "dev");
    const line = `${path.join(folder, "a.yaml")}:9:23 Policy "readers": spec.access[0].depot="sales" names no Depot of this Cluster (Cluster "analytics"). Fix: use one of: "tpch"`;
    expect(err).toBe(`strata: ${line}\n`);
    expect(out).not.toMatch(/\n\s+at /); // the engine shows the line, not a stack trace
    expect(code).toBe(1);
    const state = JSON.parse(fs.readFileSync(path.join(home, "state", ".pulumi", "stacks", "policy-manifests", "dev.json"), "utf8")) as {
      checkpoint: { latest?: { resources?: unknown[] } };
    };
    expect(state.checkpoint.latest?.resources ?? []).toEqual([]);
  });
});

describe("strata apply and rollback", () => {
  test("a version recorded by apply is deployed again by rollback --to", () => {
    const folder = path.join(root, "small");
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, "Pulumi.yaml"), "name: small-manifests\nruntime: nodejs\n");
    const write = (team: string) =>
      fs.writeFileSync(path.join(folder, "teams.yaml"), `kind: Workspace\nname: ${team}\nspec:\n  owner: ${team}\n`);
    write("marketing");
    const first = strata("apply", "-f", folder, "--stack", "dev-small");
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/workspaces:\n\s+marketing:\n\s+location: .*workspaces\/marketing/);
    write("finance");
    const second = strata("apply", "-f", folder, "--stack", "dev-small");
    expect(second.err).toBe("");
    expect(second.code).toBe(0);
    const outputs = () => strata("outputs", "-f", folder, "--stack", "dev-small").out;
    expect(outputs()).toMatch(/workspaces:\n\s+finance:\n/);
    expect(outputs()).not.toMatch(/marketing/);
    // The folder's manifests are broken now: a rollback uses the recorded ones, not these.
    fs.writeFileSync(path.join(folder, "teams.yaml"), "kind: Workspace\nname: Broken Name\nspec: {}\n");
    // Going back deletes the folder of Workspace "finance": refused, as for any version, unless accepted.
    const refused = strata("rollback", "--to", "1", "-f", folder, "--stack", "dev-small");
    expect(refused.err).toContain('would replace or delete resources holding data: strata:local:Directory "finance-directory" (delete)');
    expect(refused.code).toBe(1);
    const back = strata("rollback", "--to", "1", "--allow-replace", "-f", folder, "--stack", "dev-small");
    expect(back.err).toBe("");
    expect(back.code).toBe(0);
    expect(back.out).toContain("Rolled back to version 1, recorded as version 3.");
    expect(outputs()).toMatch(/workspaces:\n\s+marketing:\n/);
    expect(outputs()).not.toMatch(/finance/);
    const history = strata("history", "-f", folder, "--stack", "dev-small");
    expect(
      history.out
        .trim()
        .split("\n")
        .map((l) => l.split("\t")[2]),
    ).toEqual(["up", "up", "rollback-to-1"]);
    const version = JSON.parse(
      fs.readFileSync(path.join(home, "versions", "small-manifests", "dev-small", "3", "version.json"), "utf8"),
    ) as { manifests?: string[] };
    expect(version.manifests).toEqual(["teams.yaml"]);
  });
});
