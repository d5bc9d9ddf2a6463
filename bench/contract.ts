// Benchmark: a Contract's checks on a table of 1,000,000 rows. Prints figures; asserts nothing.
//
//   bash scripts/setup.sh && node bench/contract.ts
//
// A contract of 30 expectations (count-style metrics on five columns, the
// row count, the latency, one duplicate key set of two columns and one SQL
// rule), run three ways on the same Trino, median of BENCH_RUNS (5) each:
//   1. as Strata compiles it: one aggregate query + one per key set + one
//      per SQL rule (+ the metadata query of the columns);
//   2. one query per expectation, the way a naive checker runs them;
//   3. one hand-written query computing the same 30 numbers.
// Goal: (1) at most 1.2 x (3).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { runOperation } from "@strata/cli";
import {
  Cluster,
  Compute,
  Database,
  type OdcsDocument,
  type OdcsQuality,
  Policy,
  Secret,
  TrinoSession,
  passwordFromFile,
  compileContract,
  runQualityPlan,
  strataProgram,
} from "@strata/user-kernel";

const PASSWORD = "bench-contract-0123456789";
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const USER = "contract-bench";

const SEED = `
CREATE TABLE events (
  id         bigint PRIMARY KEY,
  tenant     integer NOT NULL,
  code       text,
  amount     numeric(12, 2),
  status     text NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO events
SELECT g, g % 97, CASE WHEN g % 50 = 0 THEN NULL ELSE substr(md5(g::text), 1, 6) END, (g % 1000) * 1.5,
       (ARRAY['placed', 'shipped', 'delivered', 'cancelled'])[1 + g % 4], now() - make_interval(secs => g)
FROM generate_series(1, ${ROWS}) AS g;
ANALYZE events;
`;

const program = strataProgram(() => {
  const password = new Secret("bench-password", { value: new pulumi.Config().requireSecret("password") });
  const db = new Database("bench", { password, migrations: [{ id: "001_events", sql: SEED }] });
  const cluster = new Cluster("bench", {
    compute: new Compute("bench-compute", { memoryMb: 2048 }),
    depots: [db.depot],
    policies: [new Policy("bench", { access: [{ users: [USER], depot: "bench", access: "read" }] })],
  });
  return { endpoint: cluster.endpoint, caFile: cluster.caFile, logins: cluster.loginFiles() };
});

/** 30 expectations: nulls (rows and percent), duplicates, required and key rules, valid values and patterns, a SQL rule, row counts, a key set and the latency. */
function contract(): OdcsDocument {
  const library = (extra: OdcsQuality[] = []): OdcsQuality[] => [
    { metric: "nullValues", mustBeLessOrEqualTo: ROWS },
    { metric: "nullValues", unit: "percent", mustBeLessThan: 100 },
    { metric: "duplicateValues", mustBeGreaterOrEqualTo: 0 },
    ...extra,
  ];
  return {
    apiVersion: "v3.1.0",
    kind: "DataContract",
    id: "urn:bench:events",
    version: "1.0.0",
    status: "active",
    schema: [
      {
        name: "events",
        properties: [
          { name: "id", logicalType: "integer", primaryKey: true, quality: library() },
          {
            name: "tenant",
            logicalType: "integer",
            quality: library([{ metric: "invalidValues", arguments: { pattern: "^[0-9]+$" }, mustBe: 0 }]),
          },
          {
            name: "code",
            logicalType: "string",
            quality: library([
              { metric: "missingValues", arguments: { missingValues: [null, ""] }, mustBeGreaterOrEqualTo: 0 },
              { metric: "invalidValues", arguments: { pattern: "^[0-9a-f]{6}$" }, mustBe: 0 },
            ]),
          },
          {
            name: "amount",
            logicalType: "number",
            quality: library([{ type: "sql", query: "SELECT count(*) FROM {object} WHERE {property} < 0", mustBe: 0 }]),
          },
          {
            name: "status",
            logicalType: "string",
            required: true,
            quality: library([
              { metric: "invalidValues", arguments: { validValues: ["placed", "shipped", "delivered", "cancelled"] }, mustBe: 0 },
            ]),
          },
          {
            name: "created_at",
            logicalType: "timestamp",
            required: true,
            quality: [{ metric: "nullValues", unit: "percent", mustBeLessThan: 1 }],
          },
        ],
        quality: [
          { metric: "rowCount", mustBe: ROWS },
          { metric: "rowCount", mustBeBetween: [1, ROWS] },
          { metric: "rowCount", mustBeGreaterThan: 0 },
          { metric: "duplicateValues", arguments: { properties: ["tenant", "code"] }, mustBeGreaterOrEqualTo: 0 },
        ],
      },
    ],
    slaProperties: [{ property: "latency", value: 1, unit: "d", element: "events.created_at" }],
  };
}

/** The same 30 numbers, written by hand as one statement. */
const HAND_WRITTEN = `
SELECT * FROM (
  SELECT count(*), count_if(id IS NULL), count(id) - count(DISTINCT id),
         count_if(tenant IS NULL), count(tenant) - count(DISTINCT tenant),
         count_if(tenant IS NOT NULL AND NOT regexp_like(CAST(tenant AS varchar), '^[0-9]+$')),
         count_if(code IS NULL), count(code) - count(DISTINCT code), count_if(code IS NULL OR code = ''),
         count_if(code IS NOT NULL AND NOT regexp_like(code, '^[0-9a-f]{6}$')),
         count_if(amount IS NULL), count(amount) - count(DISTINCT amount), count_if(amount < 0),
         count_if(status IS NULL), count(status) - count(DISTINCT status),
         count_if(status IS NOT NULL AND status NOT IN ('placed', 'shipped', 'delivered', 'cancelled')),
         count_if(created_at IS NULL), date_diff('second', max(created_at), current_timestamp)
  FROM bench.public.events
) CROSS JOIN (
  SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM bench.public.events GROUP BY tenant, code HAVING count(*) > 1)
)`;

const root = fs.mkdtempSync(path.join(os.tmpdir(), "strata-bench-contract-"));
fs.chmodSync(root, 0o711);
const workDir = path.join(root, "work");
fs.mkdirSync(workDir);
fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: strata-bench-contract\nruntime: nodejs\n");
const target = { workDir, program, stackName: "dev", home: path.join(root, "home") };
const quiet = { onOutput: () => undefined };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  const seeded = performance.now();
  const up = await runOperation("up", { ...target, config: { password: { value: PASSWORD, secret: true } } }, quiet);
  process.stdout.write(`deployed with ${ROWS} rows in ${((performance.now() - seeded) / 1000).toFixed(1)} s\n`);
  const endpoint = up.outputs.endpoint!.value as string;
  const session = new TrinoSession({
    endpoint,
    user: USER,
    source: "strata-bench",
    password: passwordFromFile((up.outputs.logins!.value as Record<string, string>)[USER]!),
    ca: fs.readFileSync(up.outputs.caFile!.value as string, "utf8"),
  });
  const { plan, problems } = compileContract("bench", contract(), { catalog: "bench", schema: "public", enforcement: "block" });
  if (problems.length > 0) throw new Error(JSON.stringify(problems));
  const expectations = plan.expectations.length;

  // One query per expectation: each aggregate value alone, key sets and SQL rules as they are.
  const aggregateSql = plan.queries.find((q) => q.purpose === "aggregate")!.sql;
  const expressions = /^SELECT (.*) FROM (\S+)$/.exec(aggregateSql)!;
  const columns = expressions[1]!.split(/ AS m\d+(?:, |$)/).filter(Boolean);
  const perExpectation = plan.expectations.map((e) => {
    const q = plan.queries[e.value.query]!;
    return q.purpose === "aggregate" ? `SELECT ${columns[e.value.column]} FROM ${expressions[2]}` : q.sql;
  });

  const timed = async (run: () => Promise<unknown>) => {
    const times: number[] = [];
    await run(); // warm-up: metadata and statistics cached by Trino
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await run();
      times.push(performance.now() - started);
    }
    return median(times);
  };
  let issued = 0;
  const strata = await timed(async () => {
    const report = await runQualityPlan(plan, async (sql) => (await session.query(sql)).rows);
    issued = report.queries + 1;
    if (report.results.filter((r) => r.metric !== "logicalType").length !== expectations) throw new Error("missing results");
    if (!report.passed) throw new Error("the contract failed: the figures would not compare like with like");
  });
  const naive = await timed(async () => {
    for (const sql of perExpectation) await session.query(sql);
  });
  const hand = await timed(() => session.query(HAND_WRITTEN));

  process.stdout.write(`contract of ${expectations} expectations on ${ROWS} rows (median of ${RUNS}):\n`);
  process.stdout.write(`  strata plan           ${issued} queries (incl. 1 metadata)  ${(strata / 1000).toFixed(2)} s\n`);
  process.stdout.write(`  one per expectation   ${perExpectation.length} queries                 ${(naive / 1000).toFixed(2)} s\n`);
  process.stdout.write(`  hand-written          1 query                   ${(hand / 1000).toFixed(2)} s\n`);
  process.stdout.write(
    `  strata / hand-written ${(strata / hand).toFixed(2)} x (goal <= 1.2 x); strata / one-per-expectation ${(strata / naive).toFixed(2)} x\n`,
  );
} finally {
  await runOperation("destroy", target, quiet).catch((error: unknown) => process.stderr.write(`destroy failed: ${String(error)}\n`));
  fs.rmSync(root, { recursive: true, force: true });
}
