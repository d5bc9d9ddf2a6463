import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";

const repo = path.resolve(import.meta.dirname, "..", "..");

describe("scripts/setup.sh", () => {
  test("a missing prerequisite stops it with one line naming it and how to get it", () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "strata-setup-"));
    // A PATH without Go (it lives in /usr/local/go/bin here).
    const result = spawnSync("bash", [path.join(repo, "scripts", "setup.sh")], {
      encoding: "utf8",
      env: { HOME: process.env.HOME, PATH: "/usr/bin:/bin", STRATA_CACHE: cache },
    });
    fs.rmSync(cache, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "setup: go not found: install Go >= 1.24 and put it on PATH (the Pulumi CLI is built from the Go module proxy)\n",
    );
  });

  test("a warm run is idempotent: every step cached, versions printed; the toolchain keeps what a wider run built", () => {
    const setup = (...args: string[]) =>
      spawnSync("bash", [path.join(repo, "scripts", "setup.sh"), ...args], { encoding: "utf8", env: process.env });
    const tests = setup("--tests");
    expect(tests.status).toBe(0);
    expect(tests.stdout).toMatch(/\[setup 3\/15\] Pulumi CLI v3\.274\.1 \.\.\. cached/);
    expect(tests.stdout).toMatch(/\[setup 5\/15\] Trino 476 \.\.\. cached/);
    expect(tests.stdout).toMatch(/\[setup 6\/15\] Trino start-up cache \(JDK ahead-of-time cache\) \.\.\. cached/);
    expect(tests.stdout).toMatch(/\[setup 8\/15\] ODCS v3\.1 JSON Schema \.\.\. cached/);
    expect(tests.stdout).toMatch(/\[setup 9\/15\] Supervisor 4\.3\.0 \.\.\. cached/);
    expect(tests.stdout).toMatch(/\[setup 10\/15\] Kubernetes v1\.37\.2, etcd v3\.7\.3, Kubernetes provider v4\.24\.1 \.\.\. cached/);
    expect(tests.stdout).toMatch(
      /\[setup 11\/15\] Argo Workflows v4\.0\.5 and cert-manager v1\.21\.2 CRDs, OpenLineage 2-0-2 schemas \.\.\. cached/,
    );
    expect(tests.stdout).toMatch(/\[setup 12\/15\] Keycloak 26\.7\.3 \(the identity tests' OpenID Connect provider\) \.\.\. cached/);
    expect(tests.stdout).toMatch(/\[setup 13\/15\] Chromium \(the console's browser tests\) \.\.\. present/);
    expect(tests.stdout).toMatch(
      /versions: Node 22\.\d+\.\d+, Pulumi CLI 3\.274\.1, @pulumi\/pulumi 3\.270\.0, Java \d+ .*Trino 476, PostgreSQL 15\.\d+/,
    );
    // What the demo needs only: no Kubernetes step, and the toolchain still records the tools built before.
    const demo = setup();
    expect(demo.status).toBe(0);
    expect(demo.stdout).toMatch(/\[setup 10\/11\] toolchain\.json/);
    expect(demo.stdout).not.toContain("Kubernetes");
    const toolchain = JSON.parse(
      fs.readFileSync(path.join(process.env.STRATA_CACHE ?? path.join(os.homedir(), ".cache", "strata"), "toolchain.json"), "utf8"),
    ) as Record<string, string>;
    expect(Object.keys(toolchain)).toEqual(
      expect.arrayContaining([
        "kubernetesPluginDir",
        "argoCrdDir",
        "certManagerCrdDir",
        "openLineageSchemaDir",
        "keycloakHome",
        "trinoHome",
        "supervisorHome",
      ]),
    );
    expect(setup("--wide").stderr).toBe("setup: unknown argument --wide (use --kubernetes or --tests)\n");
  });
});
