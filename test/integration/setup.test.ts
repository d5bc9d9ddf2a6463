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

  test("a warm run is idempotent: every step cached, versions printed", () => {
    const result = spawnSync("bash", [path.join(repo, "scripts", "setup.sh")], { encoding: "utf8", env: process.env });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/\[setup 3\/10\] Pulumi CLI v3\.274\.1 \.\.\. cached/);
    expect(result.stdout).toMatch(/\[setup 5\/10\] Trino 476 \.\.\. cached/);
    expect(result.stdout).toMatch(/\[setup 7\/10\] Kubernetes v1\.37\.2, etcd v3\.7\.3, Kubernetes provider v4\.24\.1 \.\.\. cached/);
    expect(result.stdout).toMatch(/\[setup 8\/10\] Argo Workflows v4\.0\.5 CRDs, OpenLineage 2-0-2 schemas \.\.\. cached/);
    expect(result.stdout).toMatch(
      /versions: Node 22\.\d+\.\d+, Pulumi CLI 3\.274\.1, @pulumi\/pulumi 3\.270\.0, Java \d+ .*Trino 476, PostgreSQL 15\.\d+/,
    );
  });
});
