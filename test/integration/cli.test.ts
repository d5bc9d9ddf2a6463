import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";

const repo = path.resolve(import.meta.dirname, "..", "..");
const bin = path.join(repo, "packages", "cli", "dist", "bin.js");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "strata-cli-"));
// Traversable, like a user's home: PostgreSQL runs as its own system user below it when we are root.
fs.chmodSync(home, 0o711);
const stackName = `test-cli-${process.pid}`;
const stackFile = path.join(repo, "stacks", "local", `Pulumi.${stackName}.yaml`);

function strata(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args, "--stack", stackName, "--home", home], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

afterAll(() => {
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(stackFile, { force: true });
});

describe("the strata command", () => {
  test("demo deploys stacks/local and shows the query as admin, analyst and guest", () => {
    const { code, out, err } = strata("demo");
    expect(err).toBe("");
    expect(code).toBe(0);
    const section = (user: string) => out.slice(out.indexOf(`-- as ${user}`), out.indexOf("\n-- as", out.indexOf(`-- as ${user}`) + 1));
    expect(section("admin")).toContain("emily.carter@example.com");
    expect(section("admin")).toContain("8 rows");
    expect(section("analyst")).toContain("***@example.fr");
    expect(section("analyst")).not.toContain("chloe.martin@");
    expect(section("analyst")).toContain("4 rows");
    expect(out.slice(out.indexOf("-- as guest"))).toContain("PERMISSION_DENIED: Access Denied: Cannot access catalog warehouse");
    const file = path.join(home, "data", "strata-local", stackName, "secrets", "warehouse-password");
    expect(out).toContain(`Secret "warehouse-password" is stored in ${file} with mode 0600`);
    expect(out).toContain("address: strata:secret/warehouse-password");
    const value = fs.readFileSync(file, "utf8");
    expect(value.length).toBeGreaterThanOrEqual(20);
    expect(out).not.toContain(value);
  });

  test("a second demo changes nothing", () => {
    const { code, out } = strata("demo");
    expect(code).toBe(0);
    expect(out).toMatch(/Resources:\s+\d+ unchanged/);
    expect(out).not.toMatch(/[+~-] +\d+ (created|updated|deleted)/);
  });

  test("history lists the deployments, numbered", () => {
    const { code, out } = strata("history");
    expect(code).toBe(0);
    expect(out.trim().split("\n").map((line) => line.split("\t").slice(0, 1).concat(line.split("\t").slice(2, 4)))).toEqual([
      ["1", "update", "succeeded"],
      ["2", "update", "succeeded"],
    ]);
  });

  test("an unknown target is refused at preview with the fix", () => {
    fs.appendFileSync(stackFile, "  strata:target: mainframe\n");
    const { code, err, out } = strata("preview");
    expect(code).toBe(1);
    expect(out + err).toContain('strata:target="mainframe" is not a target this version can deploy to');
    fs.writeFileSync(stackFile, fs.readFileSync(stackFile, "utf8").replace("  strata:target: mainframe\n", ""));
  });

  test("destroy removes everything", () => {
    const pid = Number(/trinoPid: (\d+)/.exec(strata("outputs").out)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const { code } = strata("destroy");
    expect(code).toBe(0);
    expect(fs.existsSync(`/proc/${pid}/cmdline`) && fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("TrinoServer")).toBe(false);
    expect(fs.existsSync(path.join(home, "data", "strata-local", stackName, "secrets", "warehouse-password"))).toBe(false);
  });
});
