// Versions and rollback on the real engine: every up records its artefact;
// rolling back re-applies an earlier one (its program and config), never its
// data; a rollback that would drop a data-bearing resource stops first; and
// `up --rollback-on-failure` ends on the last good version.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type StackTarget, listVersions, loadTemplate, rollback, runOperation, upAndRecord } from "@strata/cli";
import { type Connection, connectionFromResult, sessionAs } from "../support/logins.js";

const repo = path.resolve(import.meta.dirname, "..", "..");
const bin = path.join(repo, "packages", "cli", "dist", "bin.js");
// Inside the repository, so the program resolves the Strata packages like a user's project does.
fs.mkdirSync(path.join(repo, "test", ".work"), { recursive: true });
const work = fs.mkdtempSync(path.join(repo, "test", ".work", "rollback-"));
const home = fs.mkdtempSync(path.join(os.tmpdir(), "strata-it-rollback-"));
fs.chmodSync(home, 0o711);
const PASSWORD = "pw-Rb73nQs1-plaintext";

const SEED = `CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, region text NOT NULL);
INSERT INTO customers VALUES (1, 'Ada', 'EU'), (2, 'Bo', 'US'), (3, 'Cy', 'EU')`;
const REFUNDS = `CREATE TABLE refunds (id integer PRIMARY KEY, amount integer NOT NULL);
INSERT INTO refunds VALUES (1, 100), (2, 250)`;

interface Variant {
  region: string;
  tpch?: boolean;
  refunds?: boolean;
  extraDatabase?: boolean;
  failingContract?: boolean;
}

/** Writes the program of one version of the platform. */
function writeProgram(v: Variant): void {
  const migrations = [{ id: "001_customers", sql: SEED }, ...(v.refunds ? [{ id: "002_refunds", sql: REFUNDS }] : [])];
  fs.writeFileSync(
    path.join(work, "program.js"),
    `import * as pulumi from "@pulumi/pulumi";
import { Cluster, Compute, Contract, Database, Depot, Policy, Secret, strataProgram } from "@strata/user-kernel";
export default strataProgram(() => {
  const password = new Secret("shop-password", { value: new pulumi.Config().requireSecret("password") });
  const shop = new Database("shop", { password, migrations: ${JSON.stringify(migrations)} });
  ${v.extraDatabase ? `new Database("extra", { password, server: shop.native.server });` : ""}
  const depots = [shop.depot${v.tpch ? `, new Depot("tpch", { source: { kind: "tpch" } })` : ""}];
  const cluster = new Cluster("analytics", {
    compute: new Compute("analytics-compute", { memoryMb: 1024 }),
    depots,
    groups: { analysts: ["analyst"] },
    policies: [
      new Policy("readers", {
        access: [{ users: ["admin"], serviceAccounts: ["contract-gate"], depot: "shop", access: "all" }, { groups: ["analysts"], depot: "shop", access: "read" }],
        filters: [{ groups: ["analysts"], depot: "shop", schema: "public", table: "customers", where: "region = '${v.region}'" }],
      }),
    ],
  });
  ${
    v.failingContract
      ? `new Contract("gate", { depot: shop.depot, cluster, schema: "public", document: { apiVersion: "v3.1.0", kind: "DataContract", id: "urn:t", version: "1", status: "active",
           schema: [{ name: "customers", quality: [{ metric: "rowCount", mustBe: 999 }] }] } });`
      : ""
  }
  return { endpoint: cluster.endpoint, caFile: cluster.caFile, logins: cluster.loginFiles() };
});
`,
  );
}

fs.writeFileSync(path.join(work, "Pulumi.yaml"), "name: strata-it-rollback\nruntime: nodejs\n");
fs.writeFileSync(path.join(work, "Pulumi.dev.yaml"), "config: {}\n");

let connection: Connection = { endpoint: "" };
const config = { password: { value: PASSWORD, secret: true } };

async function deploy(v: Variant): Promise<void> {
  writeProgram(v);
  const template = await loadTemplate(work);
  const result = await upAndRecord({ ...template, stackName: "dev", home, config });
  connection = connectionFromResult(result.outputs);
}

const target = async (): Promise<StackTarget> => ({ ...(await loadTemplate(work)), stackName: "dev", home });
const rows = async (user: string, sql: string) => (await sessionAs(connection, user).query(sql)).rows;

beforeAll(async () => {
  await deploy({ region: "EU" }); // 1
  await deploy({ region: "US" }); // 2: a policy changed
  await deploy({ region: "US", tpch: true }); // 3: a depot added
  await deploy({ region: "US", tpch: true, refunds: true }); // 4: a migration
}, 900_000);

afterAll(async () => {
  await runOperation("destroy", await target()).catch(() => undefined);
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
}, 300_000);

describe("versions and rollback", () => {
  test("rollback --to 1 re-applies version 1 (its policy, its depots); the migration's rows stay; five versions", async () => {
    expect(await rows("analyst", "SELECT name FROM shop.public.customers ORDER BY id")).toEqual([["Bo"]]);
    const { version } = await rollback(await target(), 1);
    expect(version).toMatchObject({ version: 5, operation: "rollback", rolledBackTo: 1, result: "succeeded" });
    // Version 1's answer: EU rows for the analyst; no TPC-H catalog any more.
    expect(await rows("analyst", "SELECT name FROM shop.public.customers ORDER BY id")).toEqual([["Ada"], ["Cy"]]);
    await expect(rows("admin", "SELECT count(*) FROM tpch.tiny.nation")).rejects.toThrow(/tpch/);
    // Data is never rolled back: the refunds migration's table and rows are still there.
    expect(await rows("admin", "SELECT id, amount FROM shop.public.refunds ORDER BY id")).toEqual([
      [1, 100],
      [2, 250],
    ]);
    const versions = listVersions(await target());
    expect(versions.map((v) => [v.version, v.operation, v.result])).toEqual([
      [1, "up", "succeeded"],
      [2, "up", "succeeded"],
      [3, "up", "succeeded"],
      [4, "up", "succeeded"],
      [5, "rollback", "succeeded"],
    ]);
    // The rollback's artefact is version 1's.
    expect(versions[4]!.artefactHash).toBe(versions[0]!.artefactHash);
    expect(versions[1]!.artefactHash).not.toBe(versions[0]!.artefactHash);
  });

  test("a rollback that would delete a database stops and names it; --allow-replace goes on", async () => {
    await deploy({ region: "EU", extraDatabase: true }); // 6
    await expect(rollback(await target(), 5)).rejects.toThrow(
      /rolling back to version 5 would replace or delete resources holding data: strata:local:PostgresDatabase "extra-database" \(delete\).*Fix: .*--allow-replace/,
    );
    expect(listVersions(await target())).toHaveLength(6);
    const { version } = await rollback(await target(), 5, { allowReplace: true });
    expect(version.version).toBe(7);
  });

  test("up --rollback-on-failure: a blocking contract fails the update, the last good version is deployed again, exit 1", () => {
    writeProgram({ region: "US", failingContract: true });
    const result = spawnSync(process.execPath, [bin, "up", "--template", work, "--stack", "dev", "--home", home, "--rollback-on-failure"], {
      encoding: "utf8",
      env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Contract "gate": 1 blocking rule\(s\) failed/);
    expect(result.stderr).toMatch(/deploying version 7 again \(the last good one\)/);
    const history = spawnSync(process.execPath, [bin, "history", "--template", work, "--stack", "dev", "--home", home], {
      encoding: "utf8",
      env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
    });
    const lines = history.stdout
      .trim()
      .split("\n")
      .map((l) => l.split("\t"));
    expect(lines.slice(-2).map((l) => [l[0], l[2], l[3]])).toEqual([
      ["8", "up", "failed"],
      ["9", "rollback-to-7", "succeeded"],
    ]);
  });
});
