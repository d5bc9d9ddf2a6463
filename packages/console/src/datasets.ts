// The Datasets page's model: the tables a person sees through Trino (Trino
// lists only what their rules allow), documented by the Models and Contracts
// that describe them, with each Contract's results over time. Pure.
import type { CatalogEntryView } from "./overview.js";

/** One table as Trino lists it to the signed-in person (`information_schema.tables`). */
export interface TableRow {
  catalog: string;
  schema: string;
  table: string;
}

/** One column of a table as Trino lists it (`information_schema.columns`). */
export interface ColumnRow {
  column: string;
  type: string;
}

/** What a Model or a Contract says of one table. */
export interface DatasetDocs {
  /** `catalog.schema.table` */
  dataset: string;
  /** Who says it, e.g. `Model sales`, `Contract orders`. */
  from: string;
  description?: string;
  /** Column -> description. */
  columns: Record<string, string>;
}

/** One rule's outcome at one check, as kept in the history (`strata_quality.results`). */
export interface QualityResultRow {
  checkedAt: string;
  contract: string;
  /** `deploy`, or the workflow step that checked. */
  origin: string;
  /** `catalog.schema.table` */
  dataset: string;
  rule: string;
  metric: string;
  expected: string;
  observed: string | null;
  status: string;
  blocking: boolean;
  message?: string;
}

export interface ColumnView {
  name: string;
  type: string;
  /** Each description of the column, with who gives it. */
  descriptions: { from: string; text: string }[];
}

/** A Contract on a dataset: its latest result per rule and, per check, how many rules passed and failed. */
export interface DatasetContractView {
  contract: string;
  latest: QualityResultRow[];
  /** Oldest first. */
  checks: { checkedAt: string; passed: number; failed: number; warning: number }[];
}

/** A table in the Datasets list. */
export interface DatasetSummary extends TableRow {
  /** `strata://catalog/schema/table` */
  address: string;
  /** From the Depot the catalog is. */
  owner?: string;
  domain?: string;
  tags: Record<string, string>;
  descriptions: { from: string; text: string }[];
  /** The worst latest result of its Contracts' rules; none when no Contract checked it. */
  contractState?: "passed" | "warning" | "failed";
}

/** One table: its columns and its Contracts' results. */
export interface DatasetView extends DatasetSummary {
  columns: ColumnView[];
  contracts: DatasetContractView[];
}

/** How many checks of one Contract the page charts. */
export const CHECKS_CHARTED = 30;

/** Items by key, in their order. */
export function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The tables Trino lists, with their depot's owner, their descriptions and their Contracts' state. Sorted by address. */
export function datasetList(
  tables: TableRow[],
  catalog: CatalogEntryView[],
  docs: DatasetDocs[],
  results: QualityResultRow[],
): DatasetSummary[] {
  const depots = new Map(catalog.filter((e) => e.kind === "Depot").map((e) => [e.address, e]));
  const docsOf = groupBy(docs, (d) => d.dataset);
  const resultsOf = groupBy(results, (r) => r.dataset);
  return tables
    .map((t): DatasetSummary => {
      const key = `${t.catalog}.${t.schema}.${t.table}`;
      const depot = depots.get(`strata://${t.catalog}`);
      const state = worst(contractViews(resultsOf.get(key) ?? []).flatMap((c) => c.latest.map((r) => r.status)));
      return {
        catalog: t.catalog,
        schema: t.schema,
        table: t.table,
        address: `strata://${t.catalog}/${t.schema}/${t.table}`,
        ...(depot ? { owner: depot.owner } : {}),
        ...(depot?.domain === undefined ? {} : { domain: depot.domain }),
        tags: { ...depot?.tags },
        descriptions: (docsOf.get(key) ?? []).flatMap((d) => (d.description ? [{ from: d.from, text: d.description }] : [])),
        ...(state === undefined ? {} : { contractState: state }),
      };
    })
    .sort((a, b) => a.address.localeCompare(b.address));
}

function worst(statuses: string[]): DatasetSummary["contractState"] {
  if (statuses.length === 0) return undefined;
  return statuses.includes("failed") ? "failed" : statuses.includes("warning") ? "warning" : "passed";
}

/** One table the person may see: its columns described by Models and Contracts, and its Contracts' results. */
export function datasetDetail(
  summary: DatasetSummary,
  columns: ColumnRow[],
  docs: DatasetDocs[],
  results: QualityResultRow[],
): DatasetView {
  const key = `${summary.catalog}.${summary.schema}.${summary.table}`;
  const own = docs.filter((d) => d.dataset === key);
  return {
    ...summary,
    columns: columns.map((c) => ({
      name: c.column,
      type: c.type,
      descriptions: own.flatMap((d) => (d.columns[c.column] ? [{ from: d.from, text: d.columns[c.column]! }] : [])),
    })),
    contracts: contractViews(results.filter((r) => r.dataset === key)),
  };
}

/** Per Contract: the latest result of each rule, and the last checks' counts. */
function contractViews(results: QualityResultRow[]): DatasetContractView[] {
  return [...groupBy(results, (r) => r.contract).entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([contract, rows]) => {
      const ordered = [...rows].sort((a, b) => a.checkedAt.localeCompare(b.checkedAt));
      const latest = new Map<string, QualityResultRow>();
      const checks = new Map<string, { checkedAt: string; passed: number; failed: number; warning: number }>();
      for (const r of ordered) {
        // One rule of the document may give several results (a primary key: no NULL, no duplicate).
        latest.set(`${r.rule}\n${r.metric}`, r);
        const check = checks.get(r.checkedAt) ?? { checkedAt: r.checkedAt, passed: 0, failed: 0, warning: 0 };
        if (r.status === "passed") check.passed++;
        else if (r.status === "failed") check.failed++;
        else if (r.status === "warning") check.warning++;
        checks.set(r.checkedAt, check);
      }
      return {
        contract,
        latest: [...latest.values()].sort((a, b) => a.rule.localeCompare(b.rule) || a.metric.localeCompare(b.metric)),
        checks: [...checks.values()].slice(-CHECKS_CHARTED),
      };
    });
}

/** A table's preview: the first rows the signed-in person may read, masked and filtered by Trino. */
export interface PreviewView {
  columns: string[];
  rows: unknown[][];
}

/** Rows a preview shows. */
export const PREVIEW_ROWS = 20;

/** Trino's quoting of one name. */
function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The preview's query; the names are quoted, so a table's name cannot change the statement. */
export function previewSql(catalog: string, schema: string, table: string): string {
  return `SELECT * FROM ${[catalog, schema, table].map(quoted).join(".")} LIMIT ${PREVIEW_ROWS}`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The query listing the tables of one catalog that the person may see (Trino leaves out the others). */
export function tablesSql(catalog: string): string {
  return `SELECT table_schema, table_name FROM ${quoted(catalog)}.information_schema.tables WHERE table_schema <> 'information_schema'`;
}

/** The query listing one table's columns, in order. */
export function columnsSql(catalog: string, schema: string, table: string): string {
  return `SELECT column_name, data_type FROM ${quoted(catalog)}.information_schema.columns WHERE table_schema = ${literal(schema)} AND table_name = ${literal(table)} ORDER BY ordinal_position`;
}
