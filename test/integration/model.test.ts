import * as fs from "node:fs";
import * as path from "node:path";
import * as net from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  Cluster,
  Compute,
  Database,
  Depot,
  LocalObjectStore,
  Model,
  ModelApi,
  type ModelArgs,
  Policy,
  Secret,
  compileMetricQuery,
  passwordFromFile,
  Service,
  strataProgram,
} from "@strata/user-kernel";
import { programHistory, programInfo, supervisorLog } from "@strata/user-kernel";
import { TestStack } from "../support/engine.js";
import { type Connection, clusterConnection, connectionFromResult, sessionAs } from "../support/logins.js";

const PASSWORD = "pw-Md62vXk4-plaintext";

// Customers with 0, 1 and 3 orders: a naive join repeats each customer once per order.
const SEED = `
CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL, region text NOT NULL, nation_key integer NOT NULL);
INSERT INTO customers VALUES
  (1, 'Ada', 'ada@example.eu', 'EU', 6), (2, 'Bo', 'bo@example.eu', 'EU', 7), (3, 'Cy', 'cy@example.us', 'US', 24),
  (4, 'Di', 'di@example.us', 'US', 24), (5, 'Ed', 'ed@example.jp', 'APAC', 12);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL, amount bigint NOT NULL, status text NOT NULL, ordered_on date NOT NULL);
INSERT INTO orders VALUES
  (10, 1, 100, 'shipped', DATE '2026-09-02'), (11, 1, 250, 'shipped', DATE '2026-10-14'), (12, 1, 50, 'cancelled', DATE '2026-10-20'),
  (13, 2, 300, 'shipped', DATE '2026-10-01'), (14, 3, 80, 'placed', DATE '2026-11-03'), (15, 3, 20, 'shipped', DATE '2026-11-04');
`;

const sales: Pick<ModelArgs, "tables" | "joins" | "metrics"> = {
  tables: {
    customers: {
      table: "warehouse.public.customers",
      primaryKey: "id",
      description: "People who ordered, or may",
      dimensions: {
        name: { type: "string" },
        email: { type: "string", description: "Contact address (masked for analysts)" },
        region: { type: "string" },
      },
      measures: { count: { type: "count", description: "Customers" } },
      segments: { eu: { sql: "customers.region = 'EU'" } },
    },
    orders: {
      table: "warehouse.public.orders",
      primaryKey: "id",
      dimensions: { status: { type: "string" }, ordered_on: { type: "time" } },
      measures: {
        revenue: {
          type: "sum",
          sql: "orders.amount",
          filters: ["orders.status <> 'cancelled'"],
          description: "Revenue in cents, cancelled orders excluded",
        },
        count: { type: "count" },
        average: { type: "avg", sql: "orders.amount" },
      },
    },
    nations: { table: "tpch.tiny.nation", primaryKey: "nationkey", dimensions: { name: { type: "string" } } },
  },
  joins: [
    { from: "customers", to: "orders", relationship: "one_to_many", on: "orders.customer_id = customers.id" },
    { from: "customers", to: "nations", relationship: "many_to_one", on: "customers.nation_key = nations.nationkey" },
  ],
  metrics: {
    revenue_by_region: { measures: ["orders.revenue", "customers.count"], dimensions: ["customers.region"] },
  },
};

/**
 * A Service's program: it logs in to its Cluster with what the Service gives
 * it in its environment (server, user, password file, authority) and answers
 * `GET /?sql=...` with the statement's rows, or its error.
 */
const WHOAMI = `
const fs = require("node:fs"), http = require("node:http"), https = require("node:https");
const env = process.env;
const auth = "Basic " + Buffer.from(env.STRATA_TRINO_USER + ":" + fs.readFileSync(env.STRATA_TRINO_PASSWORD_FILE, "utf8").trim()).toString("base64");
const ca = fs.readFileSync(env.STRATA_TRINO_CA_FILE);
const call = (method, url, body) => new Promise((resolve, reject) => {
  const req = https.request(url, { method, ca, headers: { Authorization: auth } }, (res) => {
    let text = ""; res.on("data", (c) => (text += c)); res.on("end", () => resolve(JSON.parse(text)));
  });
  req.on("error", reject); if (body) req.write(body); req.end();
});
http.createServer(async (req, res) => {
  if (req.url === "/healthz") return res.end("ok");
  const sql = new URL(req.url, "http://x").searchParams.get("sql");
  let page = await call("POST", env.STRATA_TRINO_SERVER + "/v1/statement", sql), rows = [];
  for (;;) {
    if (page.data) rows.push(...page.data);
    if (page.error) return res.end(JSON.stringify({ error: page.error.message }));
    if (!page.nextUri) return res.end(JSON.stringify({ rows }));
    await new Promise((r) => setTimeout(r, 50));
    page = await call("GET", page.nextUri);
  }
}).listen(Number(env.PORT), env.HOST);
`;

const program = strataProgram(() => {
  const password = new Secret("warehouse-password", { value: new pulumi.Config().requireSecret("password") });
  const warehouse = new Database("warehouse", { password, migrations: [{ id: "001_shop", sql: SEED }] });
  const server = warehouse.native.kind === "local" ? warehouse.native.server : undefined;
  const metastore = new Database("lake-catalog", { password, server });
  const lake = new Depot("lake", { source: { kind: "lakehouse", metastore, storage: new LocalObjectStore("lake-files") } });
  const tpch = new Depot("tpch", { source: { kind: "tpch" } });
  const read = (users: string[], groups: string[] = []) =>
    ["warehouse", "tpch", "lake"].map((depot) => ({ users, groups, depot, access: "read" as const }));
  const cluster = new Cluster("analytics", {
    compute: new Compute("analytics-compute", { memoryMb: 1536 }),
    depots: [warehouse.depot, tpch, lake],
    groups: { analysts: ["analyst"] },
    users: { guest: "generate" },
    policies: [
      new Policy("admins", { access: read(["admin"]) }),
      new Policy("analysts", {
        access: read([], ["analysts"]),
        masks: [{ groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", column: "email", mask: "email" }],
        filters: [{ groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", where: "region = 'EU'" }],
      }),
      new Policy("models", {
        access: [
          { serviceAccounts: ["model-sales"], depot: "warehouse", access: "read" },
          { serviceAccounts: ["model-sales"], depot: "tpch", access: "read" },
          { serviceAccounts: ["model-sales"], depot: "lake", access: "all" },
        ],
      }),
      // A Service of the team's own that reads TPC-H as its own identity, and nothing else.
      new Policy("services", { access: [{ serviceAccounts: ["service-whoami"], depot: "tpch", access: "read" }] }),
    ],
  });
  const model = new Model("sales", { cluster, depot: lake, ...sales });
  const api = new ModelApi("sales-api", { model });
  const whoami = new Service("whoami", { command: [process.execPath, "-e", WHOAMI], cluster, healthPath: "/healthz" });
  return { ...clusterConnection(cluster), views: model.views, api: api.url, whoami: whoami.url };
});

const stack = new TestStack("strata-it-model", program);
let connection: Connection = { endpoint: "" };
let views: string[] = [];
let api = "";
let whoami = "";
const rows = async (user: string, sql: string) => (await sessionAs(connection, user).query(sql)).rows;

beforeAll(async () => {
  const result = await stack.run("up", { password: { value: PASSWORD, secret: true } });
  connection = connectionFromResult(result.outputs);
  views = result.outputs.views!.value as string[];
  api = result.outputs.api!.value as string;
  whoami = result.outputs.whoami!.value as string;
}, 600_000);

afterAll(async () => {
  await stack.run("destroy").catch(() => undefined);
  stack.remove();
}, 300_000);

const model = { tables: sales.tables, joins: sales.joins };

describe("metric queries on real Trino", () => {
  test("revenue and customers by region equal the hand-written query, and differ from the naive join", async () => {
    const sql = compileMetricQuery(model, { measures: ["orders.revenue", "customers.count"], dimensions: ["customers.region"] });
    const correct = `
      SELECT c.region, r.revenue, count(*) FROM warehouse.public.customers c
      LEFT JOIN (SELECT c2.region, sum(o.amount) AS revenue FROM warehouse.public.orders o JOIN warehouse.public.customers c2 ON c2.id = o.customer_id
                 WHERE o.status <> 'cancelled' GROUP BY c2.region) r ON r.region = c.region
      GROUP BY c.region, r.revenue ORDER BY 1`;
    const naive = `
      SELECT c.region, sum(CASE WHEN o.status <> 'cancelled' THEN o.amount END), count(*) FROM warehouse.public.customers c
      LEFT JOIN warehouse.public.orders o ON o.customer_id = c.id GROUP BY c.region ORDER BY 1`;
    const ours = await rows("admin", sql);
    expect(ours).toEqual(await rows("admin", correct));
    expect(ours).toEqual([
      ["APAC", null, 1n],
      ["EU", 650n, 2n],
      ["US", 100n, 2n],
    ]);
    // The naive join counts a customer once per order: EU 4, US 2.
    expect(await rows("admin", naive)).not.toEqual(ours);
  });

  test("customers by order status: a measure fanned out by its dimension's table counts each customer once", async () => {
    const sql = compileMetricQuery(model, { measures: ["customers.count"], dimensions: ["orders.status"] });
    const correct = `SELECT o.status, count(DISTINCT c.id) FROM warehouse.public.customers c LEFT JOIN warehouse.public.orders o ON o.customer_id = c.id GROUP BY 1 ORDER BY 1`;
    const ours = await rows("admin", sql);
    expect(ours).toEqual(await rows("admin", correct));
    expect(ours).toEqual([
      ["cancelled", 1n],
      ["placed", 1n],
      ["shipped", 3n],
      [null, 2n],
    ]);
  });

  test("average order amount by nation, a segment, a filter and a month grain", async () => {
    const byNation = await rows(
      "admin",
      compileMetricQuery(model, { measures: ["orders.average"], dimensions: ["nations.name"], segments: ["customers.eu"] }),
    );
    expect(byNation).toEqual([
      ["FRANCE", 400 / 3],
      ["GERMANY", 300],
    ]);
    const monthly = await rows(
      "admin",
      compileMetricQuery(model, {
        measures: ["orders.count"],
        dimensions: ["orders.ordered_on"],
        timeGrain: "month",
        filters: [{ member: "orders.status", operator: "notEquals", values: ["cancelled"] }],
      }),
    );
    expect(monthly.map((r) => [String(r[0]), r[1]])).toEqual([
      ["2026-09-01", 1n],
      ["2026-10-01", 2n],
      ["2026-11-01", 2n],
    ]);
  });
});

describe("the model's views", () => {
  test("one view per table and per declared metric, in the lakehouse under the model's schema", async () => {
    expect(views).toEqual(["customers", "nations", "orders", "revenue_by_region"]);
    const listed = await rows("admin", "SELECT table_name FROM lake.information_schema.tables WHERE table_schema = 'sales' ORDER BY 1");
    expect(listed).toEqual(views.map((v) => [v]));
  });

  test("the underlying tables' masks and row filters still hold for a restricted user", async () => {
    const admin = await rows("admin", "SELECT id, email, region FROM lake.sales.customers ORDER BY id");
    expect(admin).toHaveLength(5);
    expect(admin[0]).toEqual([1, "ada@example.eu", "EU"]);
    const analyst = await rows("analyst", "SELECT id, email, region FROM lake.sales.customers ORDER BY id");
    expect(analyst.map((r) => [r[0], r[2]])).toEqual([
      [1, "EU"],
      [2, "EU"],
    ]);
    expect(String(analyst[0]![1])).not.toContain("ada@");
    // The row filter hides customers, not orders: the US revenue stays, without a region.
    const metric = await rows("analyst", "SELECT * FROM lake.sales.revenue_by_region");
    expect(metric).toEqual([
      ["EU", 650n, 2n],
      [null, 100n, null],
    ]);
  });

  test("a user without access to the tables below is refused through the view", async () => {
    await expect(rows("guest", "SELECT * FROM lake.sales.customers")).rejects.toThrow(/Access Denied/);
  });
});

/** The model API as `user`, logged in with that user's password (or `password` when given: a wrong one). */
const metrics = (user: string | undefined, query: string, password?: string) =>
  fetch(`${api}/v1/metrics?${query}`, {
    headers:
      user === undefined
        ? {}
        : {
            Authorization: `Basic ${Buffer.from(`${user}:${password ?? passwordFromFile(connection.logins![user]!)}`).toString("base64")}`,
          },
  });
const byRegion = "measures=orders.revenue,customers.count&dimensions=customers.region";

async function answers(): Promise<boolean> {
  try {
    return (await fetch(`${api}/healthz`)).ok;
  } catch {
    return false;
  }
}

async function until(condition: () => Promise<boolean>, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return condition();
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("the model API, a local Service", () => {
  test("answers as the calling user: admin and analyst get different rows", async () => {
    const admin = (await (await metrics("admin", byRegion)).json()) as { columns: string[]; data: Record<string, unknown>[] };
    expect(admin.columns).toEqual(["customers__region", "orders__revenue", "customers__count"]);
    expect(admin.data).toEqual([
      { customers__region: "APAC", orders__revenue: null, customers__count: 1 },
      { customers__region: "EU", orders__revenue: 650, customers__count: 2 },
      { customers__region: "US", orders__revenue: 100, customers__count: 2 },
    ]);
    const analyst = (await (await metrics("analyst", byRegion)).json()) as { data: Record<string, unknown>[] };
    expect(analyst.data).toEqual([
      { customers__region: "EU", orders__revenue: 650, customers__count: 2 },
      { customers__region: null, orders__revenue: 100, customers__count: null },
    ]);
  });

  test("no login, a wrong password, an unknown measure, a denied user: 401, 401, 400, 403; its OpenAPI document is valid", async () => {
    expect((await metrics(undefined, byRegion)).status).toBe(401);
    expect((await metrics("admin", byRegion, "not-the-password")).status).toBe(401);
    const unknown = await metrics("admin", "measures=orders.profit");
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/is not a measure of the model/);
    expect((await metrics("guest", byRegion)).status).toBe(403);
    const document = (await (await fetch(`${api}/openapi.json`)).json()) as Record<string, unknown>;
    expect(await new Validator().validate(document as Record<string, unknown>)).toEqual({ valid: true });
  });

  test("a crashed program is started again by the stack's supervisor", async () => {
    const supervision = stack.supervision;
    const program = "sales-api-service-process";
    const first = (await programInfo(supervision, program))!.pid;
    process.kill(first, "SIGKILL");
    expect(await until(async () => ((await programInfo(supervision, program))?.pid ?? first) !== first && (await answers()), 15)).toBe(
      true,
    );
    expect(alive(first)).toBe(false);
    expect(programHistory(await supervisorLog(supervision.dir), program, first)).toMatchObject({
      restarts: 1,
      lastExit: { description: expect.stringContaining("SIGKILL") },
    });
  });

  test("a Service logs in as its own service account, from the file its environment names, and gets what its Policy grants", async () => {
    const ask = async (sql: string) =>
      (await (await fetch(`${whoami}/?sql=${encodeURIComponent(sql)}`)).json()) as { rows?: unknown[][]; error?: string };
    expect(await ask("SELECT current_user")).toEqual({ rows: [["service-whoami"]] });
    expect(await ask("SELECT count(*) FROM tpch.tiny.nation")).toEqual({ rows: [[25]] });
    expect((await ask("SELECT count(*) FROM warehouse.public.customers")).error).toMatch(/^Access Denied: Cannot access catalog warehouse/);
    // Its environment names files, never a password.
    const script = fs.readFileSync(path.join(stack.dataDir, "supervisor", "programs", "whoami-process.sh"), "utf8");
    const file = /STRATA_TRINO_PASSWORD_FILE='?([^'\s]+)/.exec(script)![1]!;
    expect(path.basename(file)).toBe("analytics-account-service-whoami.password");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(script).not.toContain(fs.readFileSync(file, "utf8").trim());
  });

  test("after destroy nothing listens on the API's port", async () => {
    const port = Number(new URL(api).port);
    await stack.run("destroy");
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    expect(open).toBe(false);
  });
});
