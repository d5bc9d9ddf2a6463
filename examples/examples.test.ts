import { beforeEach, describe, expect, test } from "vitest";
import { installMocks, promiseOf } from "../test/support/mocks.js";

const mocks = await installMocks({
  config: {
    "strata-test:apiToken": "t0ken",
    "strata-test:ordersPassword": "orders-pw",
    "strata-test:crmPassword": "crm-pw",
    "strata-test:shopPassword": "shop-pw",
    "strata:dataDir": "/data/dev",
    "strata:trinoHome": "/opt/trino",
    "strata:javaHome": "/opt/jdk",
  },
});
const { secretExample } = await import("./dist/secret.js");
const { depotExample } = await import("./dist/depot.js");
const { databaseExample } = await import("./dist/database.js");
const { policyExample } = await import("./dist/policy.js");
const { computeExample } = await import("./dist/compute.js");
const { workspaceExample } = await import("./dist/workspace.js");
const { contractExample } = await import("./dist/contract.js");
const { modelExample } = await import("./dist/model.js");

// The components a program builds (its local resources are `strata:local:*`).
const types = () =>
  mocks.registered
    .map((r) => r.type)
    .filter((t) => t.startsWith("strata:") && !t.startsWith("strata:local:"))
    .sort();

beforeEach(async () => {
  await mocks.settle();
  mocks.registered.length = 0;
});

describe("examples", () => {
  test("secret.ts: a Secret whose file lives under the data directory", async () => {
    const outputs = secretExample();
    expect(await promiseOf(outputs.tokenFile)).toBe("/data/dev/secrets/api-token");
    await mocks.settle();
    expect(mocks.registered.map((r) => r.type)).toEqual(["strata:core:Secret", "strata:cloud:LocalSecretStore", "strata:local:File"]);
  });

  test("depot.ts: two depots on one Cluster", async () => {
    const outputs = depotExample();
    expect(outputs.addresses).toEqual(["strata://tpch", "strata://scratch"]);
    await mocks.settle();
    expect(Object.keys(mocks.byName("adhoc-catalogs").inputs.files).sort()).toEqual(["scratch.properties", "tpch.properties"]);
  });

  test("database.ts: a Database with its server, migrations and Depot, on a Cluster", async () => {
    databaseExample();
    await mocks.settle();
    expect(types()).toEqual(
      [
        "strata:cloud:LocalNodePool",
        "strata:cloud:LocalPostgresServer",
        "strata:core:Cluster",
        "strata:core:Compute",
        "strata:core:Database",
        "strata:core:Depot",
        "strata:core:Secret",
        "strata:cloud:LocalSecretStore",
      ].sort(),
    );
    expect(mocks.byName("orders-migrations").inputs.migrations.map((m: { id: string }) => m.id)).toEqual(["001_orders", "002_index"]);
  });

  test("policy.ts: masks and filters compiled into the access rules", async () => {
    policyExample();
    await mocks.settle();
    const rules = JSON.parse(mocks.byName("governed-access-rules").inputs.content);
    expect(rules.tables[1]).toEqual({
      user: "(ann|raj)",
      catalog: "tpch",
      schema: "tiny",
      table: "customer",
      privileges: ["SELECT"],
      columns: [{ name: "phone", mask: "CAST('****' AS varchar(15))" }],
      filter: "(mktsegment = 'BUILDING')",
    });
    expect(mocks.byName("governed-groups").inputs.content).toBe("analysts:ann,raj\n");
  });

  test("compute.ts: the heap follows the budget", async () => {
    const outputs = computeExample();
    expect(outputs.heapMb).toBe(2457);
    await mocks.settle();
    expect(mocks.byName("analytics-config-jvm").inputs.content).toContain("-Xmx2457m");
  });

  test("contract.ts: one aggregate query, run by a QualityCheck as the contract's user; the warning rule does not block", async () => {
    const outputs = contractExample();
    expect(outputs.datasets).toEqual(["crm.public.customers"]);
    expect(outputs.queries).toBe(1);
    await mocks.settle();
    const check = mocks.byName("customers-check");
    expect(check.type).toBe("strata:local:QualityCheck");
    expect(check.inputs.trino.user).toBe("contract-customers");
    expect(check.inputs.plan.expectations.map((e: { metric: string; blocking: boolean }) => [e.metric, e.blocking])).toEqual([
      ["nullValues(id)", true],
      ["duplicateValues(id)", true],
      ["nullValues(email)", true],
      ["invalidValues(email)", true],
      ["rowCount", false],
    ]);
  });

  test("model.ts: a view per table and per metric in the lakehouse, and the model API as a supervised local process", async () => {
    const outputs = modelExample();
    expect(outputs.viewSchema).toBe("lake.sales");
    expect(await promiseOf(outputs.url)).toBe("http://127.0.0.1:8642");
    await mocks.settle();
    const views = mocks.byName("sales-views");
    expect(views.type).toBe("strata:local:TrinoViews");
    expect([views.inputs.catalog, views.inputs.schema, views.inputs.trino.user]).toEqual(["lake", "sales", "model-sales"]);
    expect(Object.keys(views.inputs.views).sort()).toEqual(["customers", "orders", "revenue_by_region"]);
    // Each measure at its own table's grain: two subqueries joined on the region.
    expect(views.inputs.views.revenue_by_region).toContain("FULL JOIN");
    const api = mocks.byName("sales-api-service-process");
    // Its program under the stack's supervisor: Node.js running the API server.
    expect(api.inputs.supervisor.dir).toBe("/data/dev/supervisor");
    expect(api.inputs.command).toBe(process.execPath);
    expect(api.inputs.args[0]).toMatch(/model\/api-server\.js$/);
    expect(api.inputs.health).toEqual({ kind: "http", path: "/healthz" });
  });

  test("workspace.ts: a directory and a schema prefix", async () => {
    const outputs = workspaceExample();
    expect(await promiseOf(outputs.location)).toBe("/data/dev/workspaces/marketing");
    expect(outputs.schemaPrefix).toBe("marketing_");
  });
});
