// Quality plans: SQL queries, and expectations on the numbers they return.
// A Contract compiles to one (user kernel); this module runs it on any
// Trino, evaluates the thresholds and renders the report. It lives here,
// below the primitives, because the provider plugin (deploy-time checks),
// the workflow runner (check steps) and the CLI (`strata check`) all run
// plans, and the plugin may import nothing above this layer.
import Table from "cli-table3";

/** The comparisons of the Open Data Contract Standard (v3.1 "operators"). */
export const OPERATORS = [
  "mustBe",
  "mustNotBe",
  "mustBeGreaterThan",
  "mustBeGreaterOrEqualTo",
  "mustBeLessThan",
  "mustBeLessOrEqualTo",
  "mustBeBetween",
  "mustNotBeBetween",
] as const;
export type Operator = (typeof OPERATORS)[number];

/** A comparison and what it compares to: two numbers (smallest first) for the between operators. */
export interface Threshold {
  operator: Operator;
  value: number | [number, number];
}

/** Where a number comes from: column `column` of the single row of query `query`. */
export interface ValueRef {
  query: number;
  column: number;
}

/** One quality rule of a plan: a number compared to a threshold. */
export interface QualityExpectation {
  /** Where the rule is written, e.g. `schema[0].properties[2].quality[0]`: stable, and names the rule in reports. */
  rule: string;
  /** What is measured, e.g. `nullValues(email)`, `rowCount`, `latency(created_at)`. */
  metric: string;
  /** `catalog.schema.table`. */
  dataset: string;
  /** The column, for property-level rules. */
  property?: string;
  value: ValueRef;
  threshold: Threshold;
  /** `percent`: the value is divided by `of` (a row count) and multiplied by 100 before comparing. */
  unit: "rows" | "percent" | "seconds" | "value";
  of?: ValueRef;
  /** A failure of a blocking rule fails the deployment, the check step or `strata check`. */
  blocking: boolean;
  severity?: string;
  dimension?: string;
}

/** A column a contract describes: present, of a type compatible with its logical type. */
export interface ColumnExpectation {
  rule: string;
  dataset: string;
  property: string;
  /** The contract's logical type, e.g. `integer`. */
  logicalType?: string;
  /** Trino types compatible with it, as a regular expression over `information_schema.columns.data_type`. */
  types?: string;
  /** The contract says the column holds no NULL: a source declaring it nullable is reported (not failed: the data is checked). */
  required: boolean;
  blocking: boolean;
}

export interface QualityQuery {
  dataset: string;
  sql: string;
  /** `aggregate`: every count-style metric of a dataset; `duplicates`: one key set; `sql`: one rule's own query. */
  purpose: "aggregate" | "duplicates" | "sql";
  /** Columns it reads: a missing one means the query is not run. */
  columns: string[];
}

/** What a contract compiles to: plain data, kept in state and stack outputs, run by {@link runQualityPlan}. */
export interface QualityPlan {
  /** The contract's name. */
  contract: string;
  /** Datasets, `catalog.schema.table`, in the contract's order. */
  datasets: string[];
  queries: QualityQuery[];
  expectations: QualityExpectation[];
  columns: ColumnExpectation[];
  /** Rules kept as documentation: never run, listed in every report. */
  notExecuted: { rule: string; dataset: string; reason: string }[];
}

export type QualityStatus = "passed" | "failed" | "warning" | "not executed";

/** One rule's outcome: the rule, the expected condition and the observed value. */
export interface QualityResult {
  rule: string;
  dataset: string;
  property?: string;
  metric: string;
  /** The condition, e.g. `= 0 rows`, `in [1, 10]`, `<= 86400 s`. */
  expected: string;
  /** The value seen, after unit conversion; null when the rule could not run. */
  observed: number | string | null;
  status: QualityStatus;
  blocking: boolean;
  /** Why it could not run, or a note. */
  message?: string;
}

export interface QualityReport {
  contract: string;
  /** ISO time the checks ran. */
  checkedAt: string;
  results: QualityResult[];
  /** True when no blocking rule failed. */
  passed: boolean;
  /** Queries issued on the datasets (the metadata query of the columns is not among them). */
  queries: number;
}

const SYMBOLS: Record<Operator, string> = {
  mustBe: "=",
  mustNotBe: "!=",
  mustBeGreaterThan: ">",
  mustBeGreaterOrEqualTo: ">=",
  mustBeLessThan: "<",
  mustBeLessOrEqualTo: "<=",
  mustBeBetween: "in",
  mustNotBeBetween: "not in",
};

const UNIT_LABEL: Record<QualityExpectation["unit"], string> = { rows: " rows", percent: " %", seconds: " s", value: "" };

/** `>= 1 rows`, `in [1, 10] %`: the expected condition as reports show it. */
export function describeThreshold(threshold: Threshold, unit: QualityExpectation["unit"]): string {
  const value = Array.isArray(threshold.value) ? `[${threshold.value[0]}, ${threshold.value[1]}]` : String(threshold.value);
  return `${SYMBOLS[threshold.operator]} ${value}${UNIT_LABEL[unit]}`;
}

/**
 * Whether `observed` meets the threshold. Between bounds are inclusive:
 * `mustBeBetween: [a, b]` holds for a <= v <= b (the standard's `∈`), and
 * `mustNotBeBetween: [a, b]` for v < a or v > b.
 */
export function meets(observed: number, threshold: Threshold): boolean {
  const v = threshold.value;
  const [low, high] = Array.isArray(v) ? v : [v, v];
  switch (threshold.operator) {
    case "mustBe":
      return observed === v;
    case "mustNotBe":
      return observed !== v;
    case "mustBeGreaterThan":
      return observed > (v as number);
    case "mustBeGreaterOrEqualTo":
      return observed >= (v as number);
    case "mustBeLessThan":
      return observed < (v as number);
    case "mustBeLessOrEqualTo":
      return observed <= (v as number);
    case "mustBeBetween":
      return observed >= low && observed <= high;
    case "mustNotBeBetween":
      return observed < low || observed > high;
  }
}

/** A number from a Trino value: BIGINT arrives as bigint, DECIMAL as text, BOOLEAN as true/false (1/0). */
export function numberOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return null;
}

/** A column of a dataset as `information_schema.columns` describes it. */
export interface LiveColumn {
  dataset: string;
  column: string;
  type: string;
  nullable: boolean;
}

/** The metadata query of a plan's datasets on one catalog: their columns, types and nullability. */
export function columnsQuery(catalog: string, datasets: string[]): string {
  const pairs = datasets.map((d) => {
    const [, schema, table] = d.split(".");
    return `(${sqlString(schema ?? "")}, ${sqlString(table ?? "")})`;
  });
  return (
    `SELECT table_schema, table_name, column_name, data_type, is_nullable FROM ${quoteIdentifier(catalog)}.information_schema.columns ` +
    `WHERE (table_schema, table_name) IN (${pairs.join(", ")})`
  );
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A query's answer: its first row, or the error Trino gave. */
export type QueryAnswer = { row: unknown[] } | { error: string };

/**
 * Evaluates a plan from the live columns and the answers of its queries
 * (`answers[i]` for `plan.queries[i]`, undefined when not run). Pure.
 */
export function evaluatePlan(plan: QualityPlan, live: LiveColumn[], answers: (QueryAnswer | undefined)[]): QualityResult[] {
  const results: QualityResult[] = [];
  const liveOf = (dataset: string) => live.filter((c) => c.dataset === dataset);
  for (const c of plan.columns) {
    const columns = liveOf(c.dataset);
    const base = { rule: c.rule, dataset: c.dataset, property: c.property, blocking: c.blocking };
    const found = columns.find((l) => l.column === c.property);
    if (!found) {
      results.push({
        ...base,
        metric: "column",
        expected: `column ${c.property}${c.logicalType ? ` (${c.logicalType})` : ""}`,
        observed: null,
        status: c.blocking ? "failed" : "warning",
        message: columns.length === 0 ? missingDataset(c.dataset) : `no column ${c.property} in ${c.dataset}`,
      });
      continue;
    }
    if (c.types !== undefined) {
      const fits = new RegExp(`^(?:${c.types})$`).test(found.type);
      results.push({
        ...base,
        metric: "logicalType",
        expected: c.logicalType ?? c.types,
        observed: found.type,
        status: fits ? "passed" : c.blocking ? "failed" : "warning",
        ...(fits ? {} : { message: `${found.type} is not a ${c.logicalType} type` }),
      });
    }
    if (c.required && found.nullable)
      results.push({
        ...base,
        metric: "required",
        expected: "NOT NULL in the source",
        observed: "nullable",
        status: "warning",
        message: "the source allows NULL; the data itself is checked for NULL by the rule `required`",
      });
  }
  for (const e of plan.expectations) {
    const base = {
      rule: e.rule,
      dataset: e.dataset,
      ...(e.property === undefined ? {} : { property: e.property }),
      metric: e.metric,
      expected: describeThreshold(e.threshold, e.unit),
      blocking: e.blocking,
    };
    const answer = answers[e.value.query];
    const notRun = (message: string): QualityResult => ({ ...base, observed: null, status: e.blocking ? "failed" : "warning", message });
    if (answer === undefined) {
      results.push(notRun(`not run: ${missingReason(plan, e.value.query, live)}`));
      continue;
    }
    if ("error" in answer) {
      results.push(notRun(answer.error));
      continue;
    }
    let observed = numberOf(answer.row[e.value.column]);
    if (observed === null) {
      const raw = answer.row[e.value.column];
      results.push(
        raw === null || raw === undefined
          ? notRun(e.unit === "seconds" ? "no value: the dataset has no rows" : "the query returned no value")
          : notRun(`the query returned ${JSON.stringify(raw)}, not a number`),
      );
      continue;
    }
    if (e.unit === "percent" && e.of) {
      const ofAnswer = answers[e.of.query];
      const total = ofAnswer && "row" in ofAnswer ? (numberOf(ofAnswer.row[e.of.column]) ?? 0) : 0;
      observed = total === 0 ? 0 : (observed * 100) / total;
      observed = Math.round(observed * 1e6) / 1e6;
    }
    const ok = meets(observed, e.threshold);
    results.push({ ...base, observed, status: ok ? "passed" : e.blocking ? "failed" : "warning" });
  }
  for (const n of plan.notExecuted)
    results.push({
      rule: n.rule,
      dataset: n.dataset,
      metric: "-",
      expected: "-",
      observed: null,
      status: "not executed",
      blocking: false,
      message: n.reason,
    });
  return results;
}

/** A table the checking user cannot see is, to Trino, a table that does not exist. */
function missingDataset(dataset: string): string {
  return `${dataset} does not exist, or the checking user may not read it (grant it read access with a Policy)`;
}

function missingReason(plan: QualityPlan, query: number, live: LiveColumn[]): string {
  const q = plan.queries[query];
  if (!q) return "unknown query";
  const present = live.filter((c) => c.dataset === q.dataset);
  if (present.length === 0) return missingDataset(q.dataset);
  const missing = q.columns.filter((c) => !present.some((p) => p.column === c));
  return `${q.dataset} has no column ${missing.join(", ")}`;
}

/** Runs SQL and returns the rows (first page is enough: every plan query returns one row). */
export type SqlRunner = (sql: string) => Promise<unknown[][]>;

/**
 * Runs a plan: one metadata query per catalog, then, at once, each query
 * whose dataset and columns exist, then {@link evaluatePlan}. A query that fails
 * fails its rules with Trino's message; the run itself does not throw
 * unless Trino cannot be reached.
 */
export async function runQualityPlan(plan: QualityPlan, run: SqlRunner, now: () => Date = () => new Date()): Promise<QualityReport> {
  const byCatalog = new Map<string, string[]>();
  for (const d of plan.datasets) {
    const catalog = d.split(".")[0] ?? "";
    byCatalog.set(catalog, [...(byCatalog.get(catalog) ?? []), d]);
  }
  const live: LiveColumn[] = [];
  for (const [catalog, datasets] of byCatalog) {
    let rows: unknown[][];
    try {
      rows = await run(columnsQuery(catalog, datasets));
    } catch (error) {
      // A catalog that does not exist (or is not visible) has no tables: every rule of its datasets fails as missing.
      if (/CATALOG_NOT_FOUND|does not exist/i.test((error as Error).message)) continue;
      throw error;
    }
    for (const [schema, table, column, type, nullable] of rows)
      live.push({
        dataset: `${catalog}.${String(schema)}.${String(table)}`,
        column: String(column),
        type: String(type),
        nullable: nullable === "YES",
      });
  }
  // The queries are independent: they run at once (Trino schedules them side by side), as one
  // hand-written statement's subqueries would.
  let issued = 0;
  const answers = await Promise.all(
    plan.queries.map(async (q): Promise<QueryAnswer | undefined> => {
      const present = live.filter((c) => c.dataset === q.dataset);
      if (present.length === 0 || q.columns.some((c) => !present.some((p) => p.column === c))) return undefined;
      issued++;
      try {
        const rows = await run(q.sql);
        return rows.length === 1 ? { row: rows[0]! } : { error: `the query returned ${rows.length} rows, not one` };
      } catch (error) {
        return { error: (error as Error).message };
      }
    }),
  );
  const results = evaluatePlan(plan, live, answers);
  return {
    contract: plan.contract,
    checkedAt: now().toISOString(),
    results,
    passed: !results.some((r) => r.status === "failed"),
    queries: issued,
  };
}

function show(value: number | string | null): string {
  if (value === null) return "-";
  return typeof value === "number" ? String(Math.round(value * 1000) / 1000) : value;
}

/** The report as a table: dataset, rule, expected, observed, result. */
export function formatQualityReport(report: QualityReport): string {
  const table = new Table({
    head: ["dataset", "rule", "metric", "expected", "observed", "result"],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, null, null, null, 48] as unknown as number[],
  });
  for (const r of report.results)
    table.push([r.dataset, r.rule, r.metric, r.expected, show(r.observed), `${r.status}${r.message ? `: ${r.message}` : ""}`]);
  const failed = report.results.filter((r) => r.status === "failed").length;
  const warned = report.results.filter((r) => r.status === "warning").length;
  return `Contract "${report.contract}": ${failed === 0 ? "passed" : `${failed} blocking rule(s) failed`}${warned ? `, ${warned} warning(s)` : ""} (${report.queries} queries)\n${table.toString()}`;
}

/** Statements that keep a report in the history table (`strata_quality.results`), for any PostgreSQL client. */
export function historyStatements(report: QualityReport, origin: string): string {
  const rows = report.results.map(
    (r) =>
      `(${[
        report.checkedAt,
        report.contract,
        origin,
        r.dataset,
        r.rule,
        r.metric,
        r.expected,
        r.observed === null ? null : String(r.observed),
        r.status,
        r.blocking ? "true" : "false",
        r.message ?? null,
      ]
        .map((v) => (v === null ? "NULL" : sqlString(String(v))))
        .join(", ")})`,
  );
  return [
    HISTORY_SCHEMA,
    rows.length === 0
      ? ""
      : `INSERT INTO strata_quality.results (checked_at, contract, origin, dataset, rule, metric, expected, observed, status, blocking, message) VALUES ${rows.join(", ")};`,
  ].join("\n");
}

/** The history table: one row per rule and check. Two first checks at once would race to create it: a lock orders them. */
export const HISTORY_SCHEMA = `SELECT pg_advisory_xact_lock(hashtext('strata_quality'));
CREATE SCHEMA IF NOT EXISTS strata_quality;
CREATE TABLE IF NOT EXISTS strata_quality.results (
  checked_at timestamptz NOT NULL,
  contract text NOT NULL,
  origin text NOT NULL,
  dataset text NOT NULL,
  rule text NOT NULL,
  metric text NOT NULL,
  expected text NOT NULL,
  observed text,
  status text NOT NULL,
  blocking boolean NOT NULL,
  message text
);
CREATE INDEX IF NOT EXISTS results_contract_time ON strata_quality.results (contract, checked_at);`;
