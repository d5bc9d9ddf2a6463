// Benchmark: the console's time to first render of each page, in Debian's
// Chromium, for a stack of 200 datasets and 10,000 OpenLineage events.
// Prints figures; asserts nothing.
//
//   bash scripts/setup.sh --tests && npm run build && node bench/console-render.ts
//
// The stack is made up in memory (a ConsoleSource answering at once), so the
// figures are the console's own: its server's compiling of the pages' models,
// the transfer, and the page's rendering (React, Mantine, dagre, React Flow).
// A real stack adds its Trino queries and the Pulumi CLI's state read.
// Each visit is a new browser context (nothing cached), from navigation to
// the page's content on screen. Goal: under 1 s per page (median of 5).
import { performance } from "node:perf_hooks";
import type {
  CatalogEntryView,
  ConsoleSource,
  ConsoleUser,
  DatasetDocs,
  LineageEventView,
  QualityResultRow,
  RunDetailView,
  RunView,
} from "@strata/console";
import { startConsole } from "@strata/console";
import { chromium } from "playwright-core";

const ROUNDS = Number(process.env.BENCH_RUNS ?? 5);
const DATASETS = 200;
const EVENTS = 10_000;
const CATALOGS = ["warehouse", "lake", "crm", "events"];
const WORKFLOWS = 40;

const tables = Array.from({ length: DATASETS }, (_, i) => ({
  catalog: CATALOGS[i % CATALOGS.length]!,
  schema: `schema_${i % 7}`,
  table: `table_${i}`,
}));
const name = (t: { catalog: string; schema: string; table: string }) => `${t.catalog}.${t.schema}.${t.table}`;
const COLUMNS = ["id", "customer_id", "region", "email", "amount", "status", "created_at", "updated_at"];

const catalog: CatalogEntryView[] = [
  ...CATALOGS.map((c) => ({
    kind: "Depot",
    name: c,
    address: `strata://${c}`,
    owner: "data-platform",
    domain: "sales",
    tags: {},
    inputs: [],
  })),
  ...Array.from({ length: WORKFLOWS }, (_, w) => ({
    kind: "Workflow",
    name: `flow-${w}`,
    address: `strata:workflow/flow-${w}`,
    owner: "sales-engineering",
    tags: {},
    inputs: ["strata:cluster/analytics"],
  })),
  ...Array.from({ length: 20 }, (_, c) => ({
    kind: "Contract",
    name: `contract-${c}`,
    address: `strata:contract/contract-${c}`,
    owner: "sales-engineering",
    tags: {},
    inputs: [`strata://${name(tables[c * 10]!).replace(/\./g, "/")}`],
  })),
  { kind: "Cluster", name: "analytics", address: "strata:cluster/analytics", owner: "data-platform", tags: {}, inputs: [] },
];

// 10,000 events: START and COMPLETE of runs of 40 workflows, each reading three tables and writing one.
const events: LineageEventView[] = Array.from({ length: EVENTS }, (_, i) => {
  const run = Math.floor(i / 2);
  const w = run % WORKFLOWS;
  const io = (k: number) => {
    const t = tables[(w * 5 + k) % DATASETS]!;
    return { namespace: `strata://${t.catalog}`, name: `${t.schema}.${t.table}` };
  };
  return {
    eventType: i % 2 === 0 ? "START" : "COMPLETE",
    eventTime: new Date(Date.UTC(2026, 10, 1) + run * 60_000 + (i % 2) * 30_000).toISOString(),
    run: { runId: `run-${run}` },
    job: { namespace: "strata://bench/dev", name: `flow-${w}` },
    inputs: [io(0), io(1), io(2)],
    outputs: [io(3)],
  };
});

const docs: DatasetDocs[] = tables
  .slice(0, 60)
  .map((t) => ({ dataset: name(t), from: "Model sales", description: "A table", columns: { id: "Key", region: "EU, US or APAC" } }));

// 20 contracts, 30 checks of 12 rules each.
const results: QualityResultRow[] = Array.from({ length: 20 }, (_, c) =>
  Array.from({ length: 30 }, (_, k) =>
    Array.from({ length: 12 }, (_, r) => ({
      checkedAt: new Date(Date.UTC(2026, 10, 1) + k * 3_600_000).toISOString(),
      contract: `contract-${c}`,
      origin: "deploy",
      dataset: name(tables[c * 10]!),
      rule: `schema[0].properties[${r}].required`,
      metric: `nullValues(${COLUMNS[r % COLUMNS.length]})`,
      expected: "= 0 rows",
      observed: String((k + r) % 9 === 0 ? 1 : 0),
      status: (k + r) % 9 === 0 ? "failed" : "passed",
      blocking: true,
    })),
  ).flat(),
).flat();

const runs: RunView[] = Array.from({ length: 50 }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  workflow: `flow-${i % WORKFLOWS}`,
  trigger: "schedule",
  status: i % 7 === 0 ? "Failed" : "Succeeded",
  requestedAt: new Date(Date.UTC(2026, 10, 30) - i * 3_600_000).toISOString(),
  startedAt: new Date(Date.UTC(2026, 10, 30) - i * 3_600_000).toISOString(),
  finishedAt: new Date(Date.UTC(2026, 10, 30) - i * 3_600_000 + 95_000).toISOString(),
}));

function runDetail(id: string): RunDetailView | undefined {
  const run = runs.find((r) => r.id === id);
  if (!run) return undefined;
  const start = Date.parse(run.startedAt!);
  const at = (s: number) => new Date(start + s * 1000).toISOString();
  const steps = Array.from({ length: 10 }, (_, s) => `step-${s}`);
  return {
    ...run,
    steps: Object.fromEntries(steps.map((s) => [s, "Succeeded"])),
    attempts: steps.flatMap((step, s) =>
      s === 3
        ? [
            { step, attempt: 0, startedAt: at(s * 9), finishedAt: at(s * 9 + 2), status: "Failed", error: "connection reset" },
            { step, attempt: 1, startedAt: at(s * 9 + 4), finishedAt: at(s * 9 + 8), status: "Succeeded" },
          ]
        : [{ step, attempt: 0, startedAt: at(s * 9), finishedAt: at(s * 9 + 8), status: "Succeeded", rowsWritten: 1000 }],
    ),
  };
}

/** Answers the console's queries from the made-up tables, as Trino would for a person who may read them all. */
function query(sql: string): ReturnType<ConsoleUser["query"]> {
  const columns = (names: string[]) => names.map((n) => ({ name: n, type: "varchar" }));
  if (sql === "SHOW CATALOGS") return Promise.resolve({ columns: columns(["Catalog"]), rows: [...CATALOGS, "system"].map((c) => [c]) });
  const listing = /FROM "([^"]+)"\.information_schema\.tables/.exec(sql);
  if (listing)
    return Promise.resolve({
      columns: columns(["table_schema", "table_name"]),
      rows: tables.filter((t) => t.catalog === listing[1]).map((t) => [t.schema, t.table]),
    });
  if (/information_schema\.columns/.test(sql))
    return Promise.resolve({ columns: columns(["column_name", "data_type"]), rows: COLUMNS.map((c) => [c, "varchar"]) });
  if (/^SELECT \* FROM/.test(sql))
    return Promise.resolve({
      columns: columns(COLUMNS),
      rows: Array.from({ length: 20 }, (_, r) => COLUMNS.map((c) => (c === "email" ? "***@example.com" : `${c}-${r}`))),
    });
  return Promise.reject(new Error(`the benchmark's source does not answer ${sql}`));
}

const source: ConsoleSource = {
  stackName: "bench/dev",
  signIn: async (user) => ({ name: user, query }),
  catalog: async () => catalog,
  engines: async () => [{ name: "analytics-server", parents: ["Cluster"], state: "RUNNING", restarts: 0, upSeconds: 100 }],
  versions: async () =>
    Array.from({ length: 100 }, (_, v) => ({
      version: v + 1,
      time: new Date(Date.UTC(2026, 10, 1) + v * 3_600_000).toISOString(),
      operation: "up" as const,
      result: "succeeded" as const,
      changes: { same: 300, update: v % 4 },
    })),
  accessRules: async () => [
    {
      cluster: "analytics",
      rules: {
        tables: tables.map((t, i) => ({
          group: i % 2 === 0 ? "analysts" : "admins",
          catalog: t.catalog,
          schema: t.schema,
          table: t.table,
          privileges: ["SELECT"],
          ...(i % 2 === 0 ? { filter: "region = 'EU'", columns: [{ name: "email", mask: "'***'" }] } : {}),
        })),
      },
    },
  ],
  documentation: async () => docs,
  qualityResults: async () => results,
  lineageEvents: async () => events,
  runs: async (limit) => runs.slice(0, limit),
  run: async (id) => runDetail(id),
  runLog: async () => "-- 2026-11-30T00:00:00Z\nSELECT 1\n-- 1 rows\n",
  drift: async () => [],
};

const consoleServer = await startConsole({ source, port: 0 });
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update"],
});
const contract = tables[0]!;
const PAGES: { page: string; path: string; shown: string }[] = [
  { page: "Overview", path: "/", shown: 'tr[data-address="strata:workflow/flow-39"]' },
  { page: "Datasets", path: "/datasets", shown: `tr[data-address="strata://${name(tables[DATASETS - 1]!).replace(/\./g, "/")}"]` },
  {
    page: "Dataset (contract chart, preview)",
    path: `/datasets/${name(contract).replace(/\./g, "/")}`,
    shown: "table[aria-label='Preview'] tbody tr >> nth=19",
  },
  { page: "Lineage (whole graph)", path: "/lineage", shown: ".react-flow__node >> nth=0" },
  {
    page: "Lineage (one dataset)",
    path: `/lineage?node=${encodeURIComponent(`strata://${name(tables[5]!).replace(/\./g, "/")}`)}`,
    shown: ".react-flow__node >> nth=0",
  },
  { page: "Runs", path: "/runs", shown: `tr[data-run="${runs[49]!.id}"]` },
  { page: "Run (timeline)", path: `/runs/${runs[0]!.id}`, shown: 'section[data-step="step-9"]' },
  { page: "Access", path: "/access", shown: "text=Cluster analytics" },
];

try {
  const figures: { page: string; median: number; max: number }[] = [];
  for (const { page: title, path, shown } of PAGES) {
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const signIn = await page.request.post(`${consoleServer.url}/api/session`, { data: { user: "analyst", password: "x" } });
      if (!signIn.ok()) throw new Error(`sign-in: ${signIn.status()}`);
      const start = performance.now();
      await page.goto(`${consoleServer.url}${path}`);
      await page.locator(shown).waitFor({ timeout: 30_000 });
      times.push(performance.now() - start);
      await context.close();
    }
    const sorted = [...times].sort((a, b) => a - b);
    figures.push({ page: title, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted.at(-1)! });
  }
  process.stdout.write(
    `Console first render, ${DATASETS} datasets, ${EVENTS} lineage events, ${results.length} contract results (median of ${ROUNDS}, new browser context each):\n`,
  );
  for (const f of figures)
    process.stdout.write(`  ${f.page.padEnd(36)} ${f.median.toFixed(0).padStart(5)} ms   (max ${f.max.toFixed(0)} ms)\n`);
  process.stdout.write(`Goal: under 1000 ms per page: ${figures.every((f) => f.median < 1000) ? "met" : "NOT met"}\n`);
} finally {
  await browser.close();
  await consoleServer.close();
}
