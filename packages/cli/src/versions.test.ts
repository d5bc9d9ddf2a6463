import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, test } from "vitest";
import { artefactHash, dataLosses, listVersions, recordVersion } from "./versions.js";

const step = (op: string, type: string, name: string) =>
  ({
    resourcePreEvent: { metadata: { op, type, urn: `urn:pulumi:dev::p::strata:core:Database$${type}::${name}`, provider: "" } },
  }) as unknown as EngineEvent;

describe("versions", () => {
  test("data-bearing resources a preview would replace or delete are named; others are not", () => {
    expect(
      dataLosses([
        step("delete", "strata:local:PostgresDatabase", "extra-database"),
        step("replace", "strata:local:PostgresDataDirectory", "shop-server-data"),
        step("create-replacement", "strata:local:PostgresDataDirectory", "shop-server-data"),
        step("delete", "strata:local:File", "analytics-config-node"),
        step("update", "strata:local:PostgresDatabase", "shop-database"),
        step("delete", "aws:rds/instance:Instance", "warehouse-server"),
      ]),
    ).toEqual([
      'aws:rds/instance:Instance "warehouse-server" (delete)',
      'strata:local:PostgresDataDirectory "shop-server-data" (replace)',
      'strata:local:PostgresDatabase "extra-database" (delete)',
    ]);
  });

  test("each version copies the template folder (not its packages) and numbers itself; the hash follows the content", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "strata-versions-"));
    const work = path.join(root, "work");
    fs.mkdirSync(path.join(work, "migrations"), { recursive: true });
    fs.mkdirSync(path.join(work, "node_modules", "x"), { recursive: true });
    fs.writeFileSync(path.join(work, "Pulumi.yaml"), "name: p\nruntime: nodejs\n");
    fs.writeFileSync(path.join(work, "program.js"), "export default () => ({});\n");
    fs.writeFileSync(path.join(work, "migrations", "001.sql"), "SELECT 1;\n");
    fs.writeFileSync(path.join(work, "node_modules", "x", "index.js"), "");
    const target = { workDir: work, stackName: "dev", home: path.join(root, "home") };
    const first = recordVersion(target, work, {
      time: "2026-12-01T00:00:00Z",
      operation: "up",
      result: "succeeded",
      changes: { create: 3 },
    });
    fs.writeFileSync(path.join(work, "migrations", "002.sql"), "SELECT 2;\n");
    const second = recordVersion(target, work, { time: "2026-12-01T00:01:00Z", operation: "up", result: "failed", changes: {} });
    expect([first.version, second.version]).toEqual([1, 2]);
    expect(first.artefactHash).not.toBe(second.artefactHash);
    const artefact = path.join(root, "home", "versions", "p", "dev", "1", "artefact");
    expect((fs.readdirSync(artefact, { recursive: true }) as string[]).sort()).toEqual([
      "Pulumi.yaml",
      "migrations",
      "migrations/001.sql",
      "program.js",
    ]);
    expect(artefactHash(artefact)).toBe(first.artefactHash);
    expect(listVersions(target).map((v) => [v.version, v.result])).toEqual([
      [1, "succeeded"],
      [2, "failed"],
    ]);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
