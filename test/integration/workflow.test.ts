import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type Clock,
  Cluster,
  Compute,
  Contract,
  Database,
  Depot,
  LocalObjectStore,
  type OdcsQuality,
  Policy,
  RunStore,
  Scheduler,
  Secret,
  Workflow,
  type WorkflowStep,
  compileWorkflow,
  localRunExecutor,
  strataProgram,
} from "@strata/user-kernel";
import type { Migration } from "@strata/core-kernel";
import { type RunDetail, listRuns, localWorkflows, runLogs, startRun, waitForRun } from "@strata/cli";
import type { RunEvent, SchedulerConfig } from "@strata/user-kernel";
import { TestStack } from "../support/engine.js";
import { type Connection, clusterConnection, connectionFromResult, sessionAs } from "../support/logins.js";
import { openLineageValidator } from "../support/openlineage.js";

const PASSWORD = "pw-Wf83kLq2-plaintext";
const repo = path.resolve(import.meta.dirname, "..", "..");
const seed: Migration[] = fs
  .readdirSync(path.join(repo, "stacks", "local", "migrations"))
  .sort()
  .map((f) => ({ id: f.replace(/\.sql$/, ""), sql: fs.readFileSync(path.join(repo, "stacks", "local", "migrations", f), "utf8") }));

/** Revenue per order day, region and nation, written by hand here (not the workflow's SQL): what daily-revenue must hold. */
const REVENUE = `
SELECT day, region, nation, CAST(count(*) AS bigint), CAST(sum(amount) AS bigint)
FROM (
  SELECT o.ordered_on AS day, o.amount, c.region, (SELECT n.name FROM tpch.tiny.nation n WHERE n.nationkey = c.nation_key) AS nation
  FROM warehouse.public.customers c, warehouse.public.orders o
  WHERE o.customer_id = c.id
)
GROUP BY day, region, nation`;

// The demo's own workflow steps: the test checks what the demo builds.
const { DAILY_REVENUE_STEPS } = (await import("../../stacks/local/program.js")) as { DAILY_REVENUE_STEPS: WorkflowStep[] };

const command = (name: string, argv: string[], extra: Partial<WorkflowStep> = {}): WorkflowStep =>
  ({ name, kind: "command", command: argv, ...extra }) as WorkflowStep;

let runsPort: pulumi.Output<number> | undefined;
const program = strataProgram(() => {
  const password = new Secret("warehouse-password", { value: new pulumi.Config().requireSecret("warehousePassword") });
  const warehouse = new Database("warehouse", { password, migrations: seed });
  const server = warehouse.native.kind === "local" ? warehouse.native.server : undefined;
  const metastore = new Database("lake-catalog", { password, server });
  const runs = new Database("runs", { password, server });
  runsPort = runs.port;
  const lake = new Depot("lake", { source: { kind: "lakehouse", metastore, storage: new LocalObjectStore("lake-files") } });
  const tpch = new Depot("tpch", { source: { kind: "tpch" } });
  const cluster = new Cluster("analytics", {
    compute: new Compute("analytics-compute", { memoryMb: 1536 }),
    depots: [warehouse.depot, tpch, lake],
    groups: { analysts: ["analyst"] },
    policies: [
      new Policy("admins", {
        access: [
          { users: ["admin"], depot: "warehouse", access: "read" },
          { users: ["admin"], depot: "tpch", access: "read" },
          { users: ["admin"], depot: "lake", access: "all" },
        ],
      }),
      new Policy("analysts", {
        access: [{ groups: ["analysts"], depot: "lake", access: "read" }],
        filters: [{ groups: ["analysts"], depot: "lake", schema: "sales", table: "daily_revenue", where: "region = 'EU'" }],
      }),
      new Policy("pipelines", {
        access: [
          { serviceAccounts: ["workflow-daily-revenue"], depot: "warehouse", access: "read" },
          { serviceAccounts: ["workflow-daily-revenue"], depot: "tpch", access: "read" },
          { serviceAccounts: ["workflow-daily-revenue"], depot: "lake", access: "all" },
          { serviceAccounts: ["contract-revenue", "contract-impossible"], depot: "lake", access: "read" },
          // A workflow that may read the lakehouse but not the table its step reads.
          { serviceAccounts: ["workflow-denied"], depot: "lake", schema: "sales", table: "daily_revenue", access: "none" },
          { serviceAccounts: ["workflow-denied"], depot: "lake", access: "read" },
        ],
      }),
    ],
  });
  const revenueTable = (quality: OdcsQuality[]) => ({
    apiVersion: "v3.1.0",
    kind: "DataContract" as const,
    id: "urn:test:revenue",
    version: "1.0.0",
    status: "active",
    schema: [
      {
        name: "daily_revenue",
        physicalName: "sales.daily_revenue",
        properties: [{ name: "day", logicalType: "date" as const, required: true }],
        quality,
      },
    ],
  });
  const revenue = new Contract("revenue", {
    document: revenueTable([{ metric: "rowCount", mustBeGreaterThan: 0 }]),
    depot: lake,
    cluster,
    checkOnDeploy: false,
    history: runs,
  });
  const impossible = new Contract("impossible", {
    document: revenueTable([{ metric: "rowCount", mustBe: 0 }]),
    depot: lake,
    cluster,
    checkOnDeploy: false,
  });
  const daily = new Workflow("daily-revenue", {
    cluster,
    runs,
    steps: [...DAILY_REVENUE_STEPS, { name: "check", kind: "check", contract: revenue, dependencies: ["build"] }],
    schedules: ["0 2 * * *"],
    timezone: "Europe/Paris",
  });
  new Workflow("flaky", {
    runs,
    steps: [
      command("fail", ["sh", "-c", "echo trying; exit 3"], { retry: { limit: 2, backoff: { duration: "1s", factor: 2 } } }),
      command("after-fail", ["true"], { dependencies: ["fail"] }),
      command("independent", ["sh", "-c", "echo fine in $(pwd)"], { workingDir: "/tmp" }),
      command("after-independent", ["true"], { dependencies: ["independent"] }),
    ],
  });
  const pair = [command("left", ["sleep", "1"]), command("right", ["sleep", "1"])];
  new Workflow("overlap", { runs, steps: pair });
  new Workflow("serial", { runs, steps: pair, parallelism: 1 });
  new Workflow("downstream", { runs, after: [daily], steps: [command("notify", ["true"])] });
  new Workflow("denied", { cluster, runs, steps: [{ name: "read", kind: "sql", sql: "SELECT count(*) FROM lake.sales.daily_revenue" }] });
  new Workflow("gated", {
    runs,
    steps: [{ name: "check", kind: "check", contract: impossible }, command("publish", ["true"], { dependencies: ["check"] })],
  });
  return { ...clusterConnection(cluster), runsPort: runs.port };
});

const stack = new TestStack("strata-it-workflow", program);
let connection: Connection = { endpoint: "" };
let workflows = new Map<string, string>();

const admin = () => sessionAs(connection, "admin");
async function rows(user: string, sql: string): Promise<unknown[][]> {
  return (await sessionAs(connection, user).query(sql)).rows;
}
async function run(workflow: string): Promise<RunDetail> {
  const started = await startRun(workflows, workflow);
  return waitForRun(workflows, started.id, 200);
}
const ms = (iso?: string) => Date.parse(iso ?? "");
/** The stack authority's certificate: the local PostgreSQL takes TCP connections over TLS only. */
const ca = () => fs.readFileSync(path.join(stack.dataDir, "tls", "ca.pem"), "utf8");

beforeAll(async () => {
  const result = await stack.run("up", { warehousePassword: { value: PASSWORD, secret: true } });
  connection = connectionFromResult(result.outputs);
  workflows = localWorkflows(stack.dataDir);
}, 600_000);

afterAll(async () => {
  await stack.run("destroy").catch(() => undefined);
  stack.remove();
}, 300_000);

describe("a check step", () => {
  test("a failed blocking rule fails the step with the report in its log and skips what follows; the report is kept", async () => {
    await run("daily-revenue");
    const gated = await run("gated");
    expect(gated.status).toBe("Failed");
    expect(gated.steps).toEqual({ check: "Failed", publish: "Omitted" });
    expect(gated.attempts[0]!.error).toBe("contract impossible: 1 blocking rule(s) failed");
    const log = await runLogs(workflows, gated.id, "check");
    expect(log).toMatch(/Contract "impossible": 1 blocking rule\(s\) failed/);
    expect(log).toMatch(/schema\[0\]\.quality\[0\].*rowCount.*= 0 rows/);
    // Kept in the runs Database, tagged with the run.
    const port = await new Promise<number>((resolve) => runsPort!.apply(resolve));
    const client = new pg.Client({ host: "127.0.0.1", port, database: "runs", user: "runs_owner", password: PASSWORD, ssl: { ca: ca() } });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT metric, status, observed FROM strata_quality.results WHERE origin = $1 AND metric = 'rowCount'",
        [`workflow:gated:${gated.id}`],
      );
      expect(rows).toEqual([{ metric: "rowCount", status: "failed", observed: expect.stringMatching(/^[1-9]\d*$/) }]);
    } finally {
      await client.end();
    }
  });
});

describe("a lakehouse built by a Workflow", () => {
  test("a run creates the Iceberg table with the rows of the hand-written query; a second run replaces them", async () => {
    expect([...workflows.keys()]).toEqual(["daily-revenue", "denied", "downstream", "flaky", "gated", "overlap", "serial"]);
    const first = await run("daily-revenue");
    expect(first.status).toBe("Succeeded");
    expect(first.steps).toEqual({ schema: "Succeeded", build: "Succeeded", check: "Succeeded" });
    const expected = (await admin().query(`${REVENUE} ORDER BY 1, 2, 3`)).rows;
    const table = "SELECT day, region, nation, orders, revenue_cents FROM lake.sales.daily_revenue ORDER BY 1, 2, 3";
    expect((await admin().query(table)).rows).toEqual(expected);
    expect(expected.length).toBeGreaterThan(5);
    // Rows written as Trino reports them: the INSERT's count.
    expect(first.attempts.find((a) => a.step === "build")?.rowsWritten).toBe(expected.length);
    const data = fs.readdirSync(path.join(stack.dataDir, "objects", "lake-files", "sales"));
    expect(data.some((d) => d.startsWith("daily_revenue-"))).toBe(true);

    const second = await run("daily-revenue");
    expect(second.status).toBe("Succeeded");
    expect((await admin().query(table)).rows).toEqual(expected);
  });

  test("its steps run as the workflow's own service account: a Policy denying that identity fails the step with Access Denied", async () => {
    const denied = await run("denied");
    expect(denied.status).toBe("Failed");
    expect(denied.steps).toEqual({ read: "Failed" });
    expect(denied.attempts[0]!.error).toMatch(/^PERMISSION_DENIED: Access Denied: Cannot select from table lake\.sales\.daily_revenue/);
    // The deny names that workflow's identity alone: the table is there, and admin reads it.
    expect((await rows("admin", "SELECT count(*) FROM lake.sales.daily_revenue"))[0]![0]).toBeGreaterThan(0n);
  });

  test("the analyst's EU-only rule applies to the new table", async () => {
    const regions = await rows("analyst", "SELECT DISTINCT region FROM lake.sales.daily_revenue");
    expect(regions).toEqual([["EU"]]);
    const all = await rows("admin", "SELECT DISTINCT region FROM lake.sales.daily_revenue ORDER BY 1");
    expect(all).toEqual([["APAC"], ["EU"], ["US"]]);
  });

  test("a successful run of daily-revenue starts downstream", async () => {
    const upstream = await run("daily-revenue");
    const triggered = async () =>
      (await listRuns(workflows, "downstream")).find(
        (r) => ms(r.requestedAt) >= ms(upstream.finishedAt) && r.trigger === "after:daily-revenue",
      );
    const deadline = Date.now() + 30_000;
    let found = await triggered();
    while (found === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      found = await triggered();
    }
    expect(found).toBeDefined();
    expect((await waitForRun(workflows, found!.id, 200)).status).toBe("Succeeded");
  });

  test("lineage: every event validates against OpenLineage 2-0-2 and names the run's inputs and outputs", async () => {
    const validate = openLineageValidator();
    const events = fs
      .readFileSync(path.join(stack.dataDir, "lineage", "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as RunEvent);
    expect(events.length).toBeGreaterThan(6);
    for (const event of events) expect(validate(event)).toEqual([]);
    const complete = events.find((e) => e.eventType === "COMPLETE" && e.job.name === "daily-revenue.build")!;
    expect(complete.inputs.map((d) => `${d.namespace}/${d.name}`).sort()).toEqual([
      "strata://lake/sales.daily_revenue",
      "strata://tpch/tiny.nation",
      "strata://warehouse/public.customers",
      "strata://warehouse/public.orders",
    ]);
    expect(complete.outputs).toHaveLength(1);
    const output = complete.outputs[0]!;
    const schemaFacet = output.facets!.schema as { fields: { name: string }[] };
    expect(output.name).toBe("sales.daily_revenue");
    expect(schemaFacet.fields.map((f) => f.name)).toEqual(["day", "region", "nation", "orders", "revenue_cents"]);
    expect((complete.run.facets!.parent as { job: { name: string } }).job.name).toBe("daily-revenue");
    // The check step names the table it checked, with one assertion per rule.
    const checked = events.find((e) => e.eventType === "COMPLETE" && e.job.name === "daily-revenue.check")!;
    expect(checked.inputs.map((d) => [d.name, d.inputFacets?.dataQualityAssertions])).toEqual([
      [
        "sales.daily_revenue",
        expect.objectContaining({
          assertions: [
            { assertion: "logicalType date", success: true, column: "day" },
            // Iceberg columns are nullable: reported (a warning), the data itself holds no NULL.
            { assertion: "required NOT NULL in the source", success: false, column: "day" },
            { assertion: "nullValues(day) = 0 rows", success: true, column: "day" },
            { assertion: "rowCount > 0 rows", success: true },
          ],
        }),
      ],
    ]);
    // A broken event is refused, so the check above can fail.
    expect(validate({ ...complete, eventType: "BEGIN" })).not.toEqual([]);
    expect(
      validate({
        ...complete,
        outputs: [{ ...output, facets: { schema: { ...schemaFacet, fields: "x" } } }],
      }),
    ).not.toEqual([]);
  });
});

describe("Argo semantics on the local runner", () => {
  test("a failing step is retried limit times with the backoff, its downstream skipped; the independent branch completes", async () => {
    const result = await run("flaky");
    expect(result.status).toBe("Failed");
    expect(result.steps).toEqual({ fail: "Failed", "after-fail": "Omitted", independent: "Succeeded", "after-independent": "Succeeded" });
    const attempts = result.attempts.filter((a) => a.step === "fail").sort((a, b) => a.attempt - b.attempt);
    expect(attempts.map((a) => [a.attempt, a.status, a.exitCode])).toEqual([
      [0, "Failed", 3],
      [1, "Failed", 3],
      [2, "Failed", 3],
    ]);
    // Backoff 1 s then 2 s, measured between one attempt's end and the next one's start.
    const gap1 = ms(attempts[1]!.startedAt) - ms(attempts[0]!.finishedAt);
    const gap2 = ms(attempts[2]!.startedAt) - ms(attempts[1]!.finishedAt);
    expect(gap1).toBeGreaterThanOrEqual(1000);
    expect(gap1).toBeLessThan(1800);
    expect(gap2).toBeGreaterThanOrEqual(2000);
    expect(gap2).toBeLessThan(2800);
  });

  test("two independent steps overlap; parallelism 1 serialises them", async () => {
    const overlap = await run("overlap");
    const [l, r] = ["left", "right"].map((s) => overlap.attempts.find((a) => a.step === s)!);
    expect(ms(l!.startedAt)).toBeLessThan(ms(r!.finishedAt));
    expect(ms(r!.startedAt)).toBeLessThan(ms(l!.finishedAt));
    const serial = await run("serial");
    const [a, b] = serial.attempts.sort((x, y) => ms(x.startedAt) - ms(y.startedAt));
    expect(ms(b!.startedAt)).toBeGreaterThanOrEqual(ms(a!.finishedAt));
  });

  test("the logs of a run hold every attempt", async () => {
    const failed = (await listRuns(workflows, "flaky"))[0]!;
    const logs = await runLogs(workflows, failed.id, "fail");
    expect(logs.match(/trying/g)).toHaveLength(3);
    expect(logs).toContain("==> fail (attempt 3) <==");
    // A command runs in its workingDir.
    expect(await runLogs(workflows, failed.id, "independent")).toContain("fine in /tmp");
  });
});

describe("the scheduler's concurrency policies, on an injected clock", () => {
  /** A clock that moves only when told; sleeps pass in real time (backoff is not under test here). */
  function clock(start: string): Clock & { set(iso: string): void } {
    let now = Date.parse(start);
    return {
      now: () => new Date(now),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      set: (iso) => (now = Date.parse(iso)),
    };
  }

  async function scheduler(name: string, policy: "Forbid" | "Replace", start: string) {
    const port = await new Promise<number>((resolve) => runsPort!.apply(resolve));
    const store = await RunStore.open({
      host: "127.0.0.1",
      port,
      database: "runs",
      user: "runs_owner",
      password: PASSWORD,
      caFile: path.join(stack.dataDir, "tls", "ca.pem"),
    });
    const compiled = compileWorkflow({
      name,
      labels: {},
      steps: [{ name: "slow", dependencies: [], kind: "command", image: "", command: ["sleep", "3"], env: {}, secretEnv: {} }],
      schedules: ["*/5 * * * *"],
      timezone: "Europe/Paris",
      concurrency: policy,
      suspend: false,
    });
    const config: SchedulerConfig = {
      workflow: name,
      port: 0,
      compiled,
      after: [],
      folder: path.join(stack.dataDir, "workflows", name),
      runs: { host: "127.0.0.1", port, database: "runs", user: "runs_owner" },
      logins: {},
      secretFiles: {},
      lineage: { file: path.join(stack.dataDir, "lineage", `${name}.jsonl`), namespace: "strata://test" },
    };
    const time = clock(start);
    const s = new Scheduler({ store, clock: time, config: () => config, execute: localRunExecutor(store, time) });
    return { s, store, time };
  }

  test("Forbid skips a due run while one runs", async () => {
    const { s, store, time } = await scheduler("clocked-forbid", "Forbid", "2026-03-02T09:59:00Z");
    try {
      await s.tick(); // sets the mark; nothing due
      expect(s.running).toHaveLength(0);
      time.set("2026-03-02T10:00:00Z"); // 11:00 in Paris: due
      await s.tick();
      expect(s.running).toHaveLength(1);
      const first = s.running[0]!.id;
      time.set("2026-03-02T10:05:00Z");
      await s.tick();
      const runs = await store.runs("clocked-forbid");
      expect(runs.map((r) => r.status)).toEqual(["Skipped", "Running"]);
      expect(runs[0]!.message).toContain(first);
      await s.idle();
      expect((await store.run(first))!.status).toBe("Succeeded");
      time.set("2026-03-02T10:06:00Z");
      await s.tick(); // not due between 10:05 and 10:06
      expect(s.running).toHaveLength(0);
    } finally {
      await s.stopAll();
      await store.close();
    }
  });

  test("Replace stops the running run and starts the due one", async () => {
    const { s, store, time } = await scheduler("clocked-replace", "Replace", "2026-03-02T09:59:00Z");
    try {
      await s.tick();
      time.set("2026-03-02T10:00:00Z");
      await s.tick();
      const first = s.running[0]!.id;
      time.set("2026-03-02T10:05:00Z");
      await s.tick();
      expect((await store.run(first))!.status).toBe("Stopped");
      expect(s.running.map((r) => r.id)).not.toContain(first);
      expect(s.running).toHaveLength(1);
      await s.idle();
      const runs = await store.runs("clocked-replace");
      expect(runs.map((r) => r.status)).toEqual(["Succeeded", "Stopped"]);
    } finally {
      await s.stopAll();
      await store.close();
    }
  });
});
