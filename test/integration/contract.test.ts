import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  Cluster,
  Compute,
  Contract,
  Database,
  type OdcsDocument,
  type OdcsQuality,
  Policy,
  type QualityReport,
  Secret,
  compileContract,
  runQualityPlan,
  strataProgram,
} from "@strata/user-kernel";
import { TestStack } from "../support/engine.js";
import { type Connection, clusterConnection, connectionFromResult, restGet, sessionAs } from "../support/logins.js";

const PASSWORD = "pw-Ct51rQz8-plaintext";

// Ten rows with known values; every expected number below is counted by hand from them.
const SEED = `
CREATE TABLE measures (
  id         integer PRIMARY KEY,
  tenant     integer NOT NULL,
  code       text,
  amount     numeric(10, 2),
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO measures (id, tenant, code, amount) VALUES
  (1, 1, 'a', 10), (2, 1, 'b', 20), (3, 1, 'c', 30), (4, 2, 'a', 40), (5, 2, '', 50),
  (6, 2, 'N/A', 60), (7, 3, NULL, -5), (8, 3, NULL, 70), (9, 3, 'zz', 80), (10, 3, 'a', NULL);
`;

const header = { apiVersion: "v3.1.0", kind: "DataContract", version: "1.0.0", status: "active" } as const;

/** Passes on the seed; fails once a row with a negative amount is added (one is allowed). */
const gate: OdcsDocument = {
  ...header,
  id: "urn:test:gate",
  schema: [
    {
      name: "measures",
      properties: [
        { name: "id", logicalType: "integer", primaryKey: true },
        {
          name: "amount",
          logicalType: "number",
          quality: [{ type: "sql", query: "SELECT count(*) FROM {object} WHERE {property} < 0", mustBeLessOrEqualTo: 1 }],
        },
      ],
      quality: [{ metric: "rowCount", mustBeGreaterOrEqualTo: 10 }],
    },
  ],
};

/** Fails on the seed (2 NULL codes), under warn. */
const warned: OdcsDocument = {
  ...header,
  id: "urn:test:warned",
  schema: [{ name: "measures", properties: [{ name: "code", logicalType: "string", quality: [{ metric: "nullValues", mustBe: 0 }] }] }],
};

const program = strataProgram(() => {
  const config = new pulumi.Config();
  const password = new Secret("shop-password", { value: config.requireSecret("shopPassword") });
  const shop = new Database("shop", { password, migrations: [{ id: "001_measures", sql: SEED }] });
  const server = shop.native.kind === "local" ? shop.native.server : undefined;
  const history = new Database("quality", { password, server });
  const cluster = new Cluster("analytics", {
    compute: new Compute("analytics-compute", { memoryMb: 1024 }),
    depots: [shop.depot],
    policies: [
      new Policy("admins", { access: [{ users: ["admin"], depot: "shop", access: "all" }] }),
      new Policy("checks", {
        access: [
          { serviceAccounts: ["contract-gate", "contract-warned"], depot: "shop", access: "read" },
          // A person who runs probe contracts by hand.
          { users: ["contract-probe"], depot: "shop", access: "read" },
        ],
      }),
    ],
  });
  const checked: Contract = new Contract("gate", { document: gate, depot: shop.depot, cluster, schema: "public", history });
  new Contract("warned", { document: warned, depot: shop.depot, cluster, schema: "public", enforcement: "warn", history });
  // Created only after the gate passed.
  if (config.getBoolean("downstream")) new Secret("after-gate", { value: "created" }, { dependsOn: [checked] });
  return { ...clusterConnection(cluster), historyPort: history.port, gate: checked.report };
});

const stack = new TestStack("strata-it-contract", program);
let connection: Connection = { endpoint: "" };
let historyPort = 0;
let gateReport: QualityReport | undefined;
const config = (extra: Record<string, { value: string }> = {}) => ({ shopPassword: { value: PASSWORD, secret: true }, ...extra });
const admin = () => sessionAs(connection, "admin");

async function historyRows(sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({
    host: "127.0.0.1",
    port: historyPort,
    user: "quality_owner",
    password: PASSWORD,
    database: "quality",
    // The local server takes TCP connections over TLS only.
    ssl: { ca: fs.readFileSync(path.join(stack.dataDir, "tls", "ca.pem"), "utf8") },
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  const result = await stack.run("up", config());
  connection = connectionFromResult(result.outputs);
  historyPort = result.outputs.historyPort!.value as number;
  gateReport = result.outputs.gate!.value as QualityReport;
}, 600_000);

afterAll(async () => {
  await stack.run("destroy").catch(() => undefined);
  stack.remove();
}, 300_000);

/** A probe contract of `rules` on `measures`, run once as contract-probe; the report and the queries Trino saw. */
async function probe(quality: OdcsQuality[], properties: NonNullable<OdcsDocument["schema"]>[number]["properties"] = []) {
  const document: OdcsDocument = { ...header, id: "urn:test:probe", schema: [{ name: "measures", properties, quality }] };
  const { plan, problems } = compileContract("probe", document, { catalog: "shop", schema: "public", enforcement: "block" });
  expect(problems).toEqual([]);
  // A client name of its own, so Trino's query list tells this run's queries apart.
  const source = `strata-check-${Date.now()}`;
  const session = sessionAs(connection, "contract-probe", { source });
  const report = await runQualityPlan(plan, async (sql) => (await session.query(sql)).rows);
  return { report, plan, source };
}

/** Queries `user` sent from client `source`, from Trino's own query list (which a user may read for itself). */
async function queriesSeen(user: string, source: string): Promise<string[]> {
  const list = (await restGet(connection, user, "/v1/query")).body as { query: string; session: { user: string; source?: string } }[];
  return list.filter((q) => q.session.user === user && q.session.source === source).map((q) => q.query);
}

const rule = (report: QualityReport, index: number) => report.results.filter((r) => r.rule.startsWith("schema[0].quality"))[index]!;

describe("a Contract on a real table", () => {
  test("the gate passes at up: its report is a stack output and a row per rule in the history database", async () => {
    expect(gateReport?.passed).toBe(true);
    expect(gateReport?.results.map((r) => [r.rule, r.metric, r.expected, r.observed, r.status])).toEqual([
      ["schema[0].properties[0].logicalType", "logicalType", "integer", "integer", "passed"],
      ["schema[0].properties[1].logicalType", "logicalType", "number", "decimal(10,2)", "passed"],
      ["schema[0].properties[0].primaryKey", "nullValues(id)", "= 0 rows", 0, "passed"],
      ["schema[0].properties[0].primaryKey", "duplicateValues(id)", "= 0 rows", 0, "passed"],
      ["schema[0].properties[1].quality[0]", "sql(amount)", "<= 1", 1, "passed"],
      ["schema[0].quality[0]", "rowCount", ">= 10 rows", 10, "passed"],
    ]);
    const rows = await historyRows(
      "SELECT contract, rule, status, observed FROM strata_quality.results WHERE contract = 'gate' ORDER BY rule",
    );
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.every((r) => r.status === "passed")).toBe(true);
    expect(rows.find((r) => r.rule === "schema[0].quality[0]")?.observed).toBe("10");
  });

  test("an up with nothing new changes nothing (the checks ran, no rule's status changed)", async () => {
    const again = await stack.run("up", config());
    expect(again.changes).toEqual({ same: again.changes.same });
    const rows = await historyRows("SELECT count(DISTINCT checked_at) AS n FROM strata_quality.results WHERE contract = 'gate'");
    expect(Number(rows[0]!.n)).toBe(1);
  });

  test("warn: a failing rule is reported as a warning and the deployment went on", async () => {
    const rows = await historyRows(
      "SELECT rule, status, observed FROM strata_quality.results WHERE contract = 'warned' AND metric = 'nullValues(code)'",
    );
    expect(rows[0]).toMatchObject({ status: "warning", observed: "2" });
  });

  test("every metric against the hand-counted seed", async () => {
    const { report } = await probe(
      [
        { metric: "rowCount", mustBe: 10 },
        { metric: "duplicateValues", arguments: { properties: ["tenant", "code"] }, mustBe: 1 },
        { type: "sql", query: "SELECT count(*) FROM {object} WHERE amount < 0", mustBe: 1 },
      ],
      [
        {
          name: "code",
          logicalType: "string",
          quality: [
            { metric: "nullValues", mustBe: 2 },
            { metric: "nullValues", unit: "percent", mustBe: 20 },
            { metric: "missingValues", mustBe: 3 },
            { metric: "missingValues", arguments: { missingValues: [null, "", "N/A"] }, unit: "percent", mustBe: 40 },
            { metric: "invalidValues", arguments: { validValues: ["a", "b", "c"] }, mustBe: 3 },
            { metric: "invalidValues", arguments: { pattern: "^[a-z]$" }, mustBe: 3 },
            { metric: "duplicateValues", mustBe: 2 },
          ],
        },
        { name: "tenant", logicalType: "integer", quality: [{ metric: "duplicateValues", mustBe: 7 }] },
        { name: "amount", logicalType: "number", quality: [{ metric: "nullValues", mustBe: 1 }] },
      ],
    );
    const observed = Object.fromEntries(
      report.results.filter((r) => r.metric !== "logicalType").map((r) => [`${r.rule} ${r.metric}`, r.observed]),
    );
    expect(observed).toEqual({
      "schema[0].properties[0].quality[0] nullValues(code)": 2,
      "schema[0].properties[0].quality[1] nullValues(code)": 20,
      "schema[0].properties[0].quality[2] missingValues(code)": 3,
      "schema[0].properties[0].quality[3] missingValues(code)": 40,
      "schema[0].properties[0].quality[4] invalidValues(code)": 3,
      "schema[0].properties[0].quality[5] invalidValues(code)": 3,
      "schema[0].properties[0].quality[6] duplicateValues(code)": 2,
      "schema[0].properties[1].quality[0] duplicateValues(tenant)": 7,
      "schema[0].properties[2].quality[0] nullValues(amount)": 1,
      "schema[0].quality[0] rowCount": 10,
      "schema[0].quality[1] duplicateValues(tenant, code)": 1,
      "schema[0].quality[2] sql": 1,
    });
    expect(report.results.every((r) => r.status === "passed")).toBe(true);
    expect(report.passed).toBe(true);
  });

  test("every operator on the row count (10), between bounds inclusive", async () => {
    const cases: [OdcsQuality, boolean][] = [
      [{ metric: "rowCount", mustBe: 10 }, true],
      [{ metric: "rowCount", mustBe: 9 }, false],
      [{ metric: "rowCount", mustNotBe: 10 }, false],
      [{ metric: "rowCount", mustNotBe: 9 }, true],
      [{ metric: "rowCount", mustBeGreaterThan: 10 }, false],
      [{ metric: "rowCount", mustBeGreaterThan: 9 }, true],
      [{ metric: "rowCount", mustBeGreaterOrEqualTo: 10 }, true],
      [{ metric: "rowCount", mustBeGreaterOrEqualTo: 11 }, false],
      [{ metric: "rowCount", mustBeLessThan: 10 }, false],
      [{ metric: "rowCount", mustBeLessThan: 11 }, true],
      [{ metric: "rowCount", mustBeLessOrEqualTo: 10 }, true],
      [{ metric: "rowCount", mustBeLessOrEqualTo: 9 }, false],
      [{ metric: "rowCount", mustBeBetween: [10, 12] }, true],
      [{ metric: "rowCount", mustBeBetween: [8, 10] }, true],
      [{ metric: "rowCount", mustBeBetween: [11, 12] }, false],
      [{ metric: "rowCount", mustNotBeBetween: [10, 12] }, false],
      [{ metric: "rowCount", mustNotBeBetween: [8, 10] }, false],
      [{ metric: "rowCount", mustNotBeBetween: [11, 12] }, true],
    ];
    const { report } = await probe(cases.map(([q]) => q));
    cases.forEach(([q, passes], i) => expect([q, rule(report, i).status]).toEqual([q, passes ? "passed" : "failed"]));
    expect(report.passed).toBe(false);
  });

  test("thirty expectations on one table issue 1 + duplicate key sets + sql rules queries, as Trino's own query list shows", async () => {
    const properties = ["id", "tenant", "code", "amount"].map((name) => ({ name, quality: [] as OdcsQuality[] }));
    const quality: OdcsQuality[] = [];
    for (const p of properties)
      p.quality.push({ metric: "nullValues", mustBeGreaterOrEqualTo: 0 }, { metric: "duplicateValues", mustBeGreaterOrEqualTo: 0 });
    properties[2]!.quality.push(
      { metric: "missingValues", mustBeGreaterOrEqualTo: 0 },
      { metric: "invalidValues", arguments: { pattern: "^.*$" }, mustBeGreaterOrEqualTo: 0 },
      { metric: "invalidValues", arguments: { validValues: ["a"] }, mustBeGreaterOrEqualTo: 0 },
    );
    for (let i = 0; i < 17; i++) quality.push({ metric: "rowCount", mustBeLessThan: 11 + i });
    quality.push({ metric: "duplicateValues", arguments: { properties: ["tenant", "code"] }, mustBeGreaterOrEqualTo: 0 });
    quality.push({ type: "sql", query: "SELECT max(amount) FROM {object}", mustBe: 80 });
    const { report, plan, source } = await probe(quality, properties);
    expect(plan.expectations).toHaveLength(30);
    expect(report.results.filter((r) => r.status === "passed")).toHaveLength(30);
    const seen = await queriesSeen("contract-probe", source);
    const onTable = seen.filter((q) => !q.includes("information_schema"));
    // One aggregate, one duplicate key set, one sql rule; plus the one metadata query of the columns.
    expect(onTable).toHaveLength(3);
    expect(seen).toHaveLength(4);
    expect(report.queries).toBe(3);
  });

  test("schema: a missing column and a type that does not fit its logical type fail", async () => {
    const { report } = await probe(
      [],
      [
        { name: "code", logicalType: "integer" },
        { name: "nope", logicalType: "string" },
        { name: "created_at", logicalType: "timestamp" },
      ],
    );
    const columns = report.results.map((r) => [r.property, r.metric, r.status, r.observed]);
    expect(columns).toEqual([
      ["code", "logicalType", "failed", "varchar"],
      ["nope", "column", "failed", null],
      ["created_at", "logicalType", "passed", "timestamp(6) with time zone"],
    ]);
  });

  test("block: after bad rows the next up fails with the report, and nothing else changes", async () => {
    await admin().query("INSERT INTO shop.public.measures (id, tenant, code, amount) VALUES (11, 4, 'a', -1)");
    const before = await stack.resourceTypes();
    const failed = await stack.run("up", config({ downstream: { value: "true" } })).then(
      () => "",
      (error: Error) => error.message,
    );
    expect(failed).toMatch(/Contract "gate": 1 blocking rule\(s\) failed/);
    expect(failed).toMatch(/schema\[0\]\.properties\[1\]\.quality\[0\].*<= 1.*\b2\b.*failed/);
    // The Secret that depends on the contract was not created; nothing else changed.
    expect(await stack.resourceTypes()).toEqual(before);
    const failedRuns = await historyRows("SELECT count(*) AS n FROM strata_quality.results WHERE contract = 'gate' AND status = 'failed'");
    expect(Number(failedRuns[0]!.n)).toBe(0);
    // Repaired, the same up goes through and creates what depends on the contract.
    await admin().query("DELETE FROM shop.public.measures WHERE id = 11");
    await stack.run("up", config({ downstream: { value: "true" } }));
    // One Secret more than before: the one after the gate (the others are the database's and the Cluster's logins).
    const secrets = (types: string[]) => types.filter((t) => t === "strata:core:Secret").length;
    expect(secrets(await stack.resourceTypes())).toBe(secrets(before) + 1);
  });
});
