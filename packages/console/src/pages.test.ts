import { describe, expect, test } from "vitest";
import {
  type DatasetDocs,
  type QualityResultRow,
  type TableRow,
  columnsSql,
  datasetDetail,
  datasetList,
  previewSql,
  tablesSql,
} from "./datasets.js";
import { type LineageEventView, lineageGraph, neighbourhood } from "./lineage.js";
import { type CatalogEntryView, driftView } from "./overview.js";
import { runTimeline } from "./runs.js";

const entry = (
  kind: string,
  name: string,
  address: string,
  inputs: string[] = [],
  extra: Partial<CatalogEntryView> = {},
): CatalogEntryView => ({
  kind,
  name,
  address,
  owner: "data-platform",
  tags: {},
  inputs,
  ...extra,
});

const result = (checkedAt: string, rule: string, status: string, observed: string | null = "0"): QualityResultRow => ({
  checkedAt,
  contract: "orders",
  origin: "deploy",
  dataset: "warehouse.public.orders",
  rule,
  metric: rule,
  expected: "= 0 rows",
  observed,
  status,
  blocking: true,
});

describe("datasetList and datasetDetail: the Datasets page from what Trino lists", () => {
  const tables: TableRow[] = [
    { catalog: "warehouse", schema: "public", table: "orders" },
    { catalog: "tpch", schema: "tiny", table: "nation" },
  ];
  const catalog = [
    entry("Depot", "warehouse-depot", "strata://warehouse", [], { owner: "sales", domain: "sales", tags: { tier: "gold" } }),
  ];
  const docs: DatasetDocs[] = [
    {
      dataset: "warehouse.public.orders",
      from: "Model sales",
      description: "Orders of the shop",
      columns: { status: "placed or shipped" },
    },
    { dataset: "warehouse.public.orders", from: "Contract orders", columns: { id: "Order number", status: "Where it is" } },
    { dataset: "warehouse.public.invoices", from: "Contract invoices", columns: { id: "not listed by Trino" } },
  ];
  const results = [
    result("2026-12-01T10:00:00.000Z", "nullValues(id)", "passed"),
    result("2026-12-01T10:00:00.000Z", "rowCount", "passed", "10"),
    { ...result("2026-12-01T10:00:00.000Z", "schema[0].properties[0].primaryKey", "passed"), metric: "duplicateValues(id)" },
    { ...result("2026-12-01T10:00:00.000Z", "schema[0].properties[0].primaryKey", "passed"), metric: "nullValues(id)" },
    result("2026-12-01T11:00:00.000Z", "nullValues(id)", "failed", "3"),
    result("2026-12-01T11:00:00.000Z", "rowCount", "warning", "9"),
    { ...result("2026-12-01T11:00:00.000Z", "rowCount", "passed"), dataset: "warehouse.public.invoices" },
  ];

  test("the tables Trino lists, with their depot's owner, descriptions and their Contracts' worst latest result", () => {
    const list = datasetList(tables, catalog, docs, results);
    // Only what Trino listed: the invoices the person may not see are not there.
    expect(list).toEqual([
      { catalog: "tpch", schema: "tiny", table: "nation", address: "strata://tpch/tiny/nation", tags: {}, descriptions: [] },
      {
        catalog: "warehouse",
        schema: "public",
        table: "orders",
        address: "strata://warehouse/public/orders",
        owner: "sales",
        domain: "sales",
        tags: { tier: "gold" },
        descriptions: [{ from: "Model sales", text: "Orders of the shop" }],
        contractState: "failed",
      },
    ]);
  });

  test("one table: its columns with every description, each rule's latest result and the checks over time", () => {
    const summary = datasetList(tables, catalog, docs, results)[1]!;
    const view = datasetDetail(
      summary,
      [
        { column: "id", type: "integer" },
        { column: "status", type: "varchar" },
      ],
      docs,
      results,
    );
    expect(view.columns).toEqual([
      { name: "id", type: "integer", descriptions: [{ from: "Contract orders", text: "Order number" }] },
      {
        name: "status",
        type: "varchar",
        descriptions: [
          { from: "Model sales", text: "placed or shipped" },
          { from: "Contract orders", text: "Where it is" },
        ],
      },
    ]);
    expect(view.contracts).toHaveLength(1);
    // One rule of the document with two results keeps both.
    expect(view.contracts[0]!.latest.map((r) => [r.rule, r.metric, r.status, r.observed])).toEqual([
      ["nullValues(id)", "nullValues(id)", "failed", "3"],
      ["rowCount", "rowCount", "warning", "9"],
      ["schema[0].properties[0].primaryKey", "duplicateValues(id)", "passed", "0"],
      ["schema[0].properties[0].primaryKey", "nullValues(id)", "passed", "0"],
    ]);
    expect(view.contracts[0]!.checks).toEqual([
      { checkedAt: "2026-12-01T10:00:00.000Z", passed: 4, failed: 0, warning: 0 },
      { checkedAt: "2026-12-01T11:00:00.000Z", passed: 0, failed: 1, warning: 1 },
    ]);
  });

  test("the queries quote every name and value, so a name cannot change the statement", () => {
    expect(previewSql("lake", "sales", 'x" ; DROP TABLE y; --')).toBe('SELECT * FROM "lake"."sales"."x"" ; DROP TABLE y; --" LIMIT 20');
    expect(tablesSql('we"ird')).toContain('FROM "we""ird".information_schema.tables');
    expect(columnsSql("lake", "o'brien", "t")).toContain("WHERE table_schema = 'o''brien' AND table_name = 't'");
  });
});

describe("lineageGraph: datasets and jobs from the catalog and the OpenLineage events", () => {
  const catalog = [
    entry("Depot", "warehouse-depot", "strata://warehouse"),
    entry("Cluster", "analytics", "strata:cluster/analytics", ["strata://warehouse"]),
    entry("Policy", "analysts", "strata:policy/analysts", ["strata://warehouse"]),
    entry("Model", "sales", "strata:model/sales", ["strata://warehouse/public/orders", "strata://tpch/tiny/nation"]),
    entry("ModelApi", "sales-api", "strata:modelapi/sales-api", ["strata:model/sales"]),
    entry("Service", "lonely", "strata:service/lonely"),
    entry("Workflow", "daily-revenue", "strata:workflow/daily-revenue", ["strata:cluster/analytics"]),
  ];
  const event = (eventType: string, eventTime: string, extra: Partial<LineageEventView> = {}): LineageEventView => ({
    eventType,
    eventTime,
    run: { runId: `run-${eventTime}` },
    job: { namespace: "strata://strata-local/dev", name: "daily-revenue" },
    inputs: [
      { namespace: "strata://warehouse", name: "public.orders" },
      { namespace: "strata://tpch", name: "tiny.nation" },
    ],
    outputs: [{ namespace: "strata://lake", name: "sales.daily_revenue" }],
    ...extra,
  });
  const events = [
    event("COMPLETE", "2026-12-01T02:00:10Z"),
    event("FAIL", "2026-12-02T02:00:10Z"),
    event("START", "2026-12-02T02:00:00Z", { inputs: [], outputs: [] }),
    // A step's own event: its workflow's run event carries the same tables.
    event("COMPLETE", "2026-12-03T02:00:00Z", {
      run: { runId: "step", facets: { parent: { run: { runId: "x" } } } },
      job: { namespace: "strata://strata-local/dev", name: "daily-revenue.build" },
    }),
    event("COMPLETE", "2026-12-01T03:00:00Z", {
      job: { namespace: "elsewhere", name: "loader" },
      inputs: [],
      outputs: [{ namespace: "s3://bucket", name: "raw" }],
    }),
  ];

  test("a Workflow's runs are its node, with the last run; data-less primitives and Policies are left out", () => {
    const graph = lineageGraph(catalog, events);
    expect(graph.nodes.map((n) => n.id)).toEqual([
      "job:elsewhere/loader",
      "s3://bucket/raw",
      "strata://lake/sales/daily_revenue",
      "strata://tpch/tiny/nation",
      "strata://warehouse/public/orders",
      "strata:model/sales",
      "strata:modelapi/sales-api",
      "strata:workflow/daily-revenue",
    ]);
    expect(graph.nodes.find((n) => n.id === "strata:workflow/daily-revenue")!.lastRun).toEqual({
      state: "FAIL",
      time: "2026-12-02T02:00:10Z",
      runId: "run-2026-12-02T02:00:10Z",
    });
    expect(graph.edges).toContainEqual({ from: "strata://warehouse/public/orders", to: "strata:workflow/daily-revenue" });
    expect(graph.edges).toContainEqual({ from: "strata:workflow/daily-revenue", to: "strata://lake/sales/daily_revenue" });
    expect(graph.edges).toContainEqual({ from: "strata:model/sales", to: "strata:modelapi/sales-api" });
    expect(graph.edges.filter((e) => e.from === "strata://warehouse/public/orders")).toHaveLength(2);
  });

  test("neighbourhood: what is upstream and downstream of a node, and only the edges on those paths", () => {
    const graph = lineageGraph(catalog, events);
    const nation = neighbourhood(graph, "strata://tpch/tiny/nation");
    expect(nation.nodes.map((n) => n.id)).toEqual([
      "strata://lake/sales/daily_revenue",
      "strata://tpch/tiny/nation",
      "strata:model/sales",
      "strata:modelapi/sales-api",
      "strata:workflow/daily-revenue",
    ]);
    // The orders also feed the workflow, but they are neither upstream nor downstream of the nations.
    expect(nation.edges.some((e) => e.from === "strata://warehouse/public/orders")).toBe(false);
    const revenue = neighbourhood(graph, "strata://lake/sales/daily_revenue");
    expect(revenue.nodes.map((n) => n.id)).toEqual([
      "strata://lake/sales/daily_revenue",
      "strata://tpch/tiny/nation",
      "strata://warehouse/public/orders",
      "strata:workflow/daily-revenue",
    ]);
  });
});

describe("runTimeline: one run's steps and attempts", () => {
  test("attempts in order with their offset from the run's start; a retried attempt is marked; a step that never ran is last", () => {
    const timeline = runTimeline({
      id: "r1",
      workflow: "daily-revenue",
      trigger: "manual",
      status: "Failed",
      requestedAt: "2026-12-01T10:00:00.000Z",
      startedAt: "2026-12-01T10:00:00.000Z",
      finishedAt: "2026-12-01T10:00:30.000Z",
      steps: { schema: "Succeeded", build: "Succeeded", check: "Failed", publish: "Omitted" },
      attempts: [
        { step: "build", attempt: 1, startedAt: "2026-12-01T10:00:13.000Z", finishedAt: "2026-12-01T10:00:20.000Z", status: "Succeeded" },
        { step: "schema", attempt: 0, startedAt: "2026-12-01T10:00:00.500Z", finishedAt: "2026-12-01T10:00:01.000Z", status: "Succeeded" },
        {
          step: "build",
          attempt: 0,
          startedAt: "2026-12-01T10:00:01.200Z",
          finishedAt: "2026-12-01T10:00:03.000Z",
          status: "Failed",
          error: "type mismatch",
        },
        { step: "check", attempt: 0, startedAt: "2026-12-01T10:00:21.000Z", finishedAt: "2026-12-01T10:00:29.000Z", status: "Failed" },
      ],
    });
    expect(timeline.run.seconds).toBe(30);
    expect(timeline.steps.map((s) => [s.step, s.status, s.attempts.map((a) => [a.number, a.offsetSeconds, a.seconds, a.retried])])).toEqual(
      [
        ["schema", "Succeeded", [[1, 0.5, 0.5, false]]],
        [
          "build",
          "Succeeded",
          [
            [1, 1.2, 1.8, true],
            [2, 13, 7, false],
          ],
        ],
        ["check", "Failed", [[1, 21, 8, false]]],
        ["publish", "Omitted", []],
      ],
    );
    expect(timeline.steps[1]!.attempts[0]!.error).toBe("type mismatch");
  });
});

describe("driftView: drifted resources on the primitive they belong to", () => {
  test("the innermost primitive whose name prefixes the resource's; others are elsewhere", () => {
    const catalog = [
      entry("Workspace", "marketing", "strata:workspace/marketing"),
      entry("ModelApi", "sales-api", "strata:modelapi/sales-api"),
      entry("Service", "sales-api-service", "strata:service/sales-api-service"),
    ];
    const view = driftView(
      catalog,
      [
        { name: "sales-api-service-process", parents: ["ModelApi", "Service"], change: "changed" },
        { name: "marketing-directory", parents: ["Workspace"], change: "gone" },
        { name: "sales-api-config", parents: ["ModelApi"], change: "changed" },
        { name: "default-provider", parents: [], change: "changed" },
      ],
      "2026-12-01T00:00:00.000Z",
    );
    expect(view).toEqual({
      checkedAt: "2026-12-01T00:00:00.000Z",
      primitives: {
        "strata:modelapi/sales-api": [{ name: "sales-api-config", change: "changed" }],
        "strata:service/sales-api-service": [{ name: "sales-api-service-process", change: "changed" }],
        "strata:workspace/marketing": [{ name: "marketing-directory", change: "gone" }],
      },
      elsewhere: [{ name: "default-provider", change: "changed" }],
    });
  });
});
