// ODCS contract -> quality plan for Trino. Pure: unit-tested without
// Pulumi or a server. Every count-style metric, the row count and the
// latency of one dataset share ONE aggregate query; each duplicate key set
// of several columns and each `sql` rule is one more query. Thresholds are
// evaluated afterwards, in our code (evaluatePlan in the cloud kernel).
import {
  type ColumnExpectation,
  OPERATORS,
  type Operator,
  type QualityExpectation,
  type QualityPlan,
  type QualityQuery,
  type Threshold,
  type ValueRef,
  quoteIdentifier,
  sqlString,
} from "@strata/core-kernel";
import type { DocumentPath, OdcsDocument, OdcsProperty, OdcsQuality, OdcsSchemaObject } from "./odcs.js";

/** What `enforcement: "block"` does not block on: a rule whose severity says it only informs. */
export const NON_BLOCKING_SEVERITIES = ["info", "warning", "warn", "low", "minor"];

/** Trino types (`information_schema.columns.data_type`) compatible with each logical type of the standard. */
export const LOGICAL_TYPES: Record<string, string> = {
  string: "varchar(\\(\\d+\\))?|char\\(\\d+\\)",
  integer: "tinyint|smallint|integer|bigint",
  number: "tinyint|smallint|integer|bigint|real|double|decimal\\(\\d+,\\s*\\d+\\)",
  boolean: "boolean",
  date: "date",
  timestamp: "timestamp\\(\\d+\\)( with time zone)?",
  time: "time\\(\\d+\\)( with time zone)?",
  object: "row\\(.*\\)|map\\(.*\\)|json",
  array: "array\\(.*\\)",
};

/** Seconds per SLA unit (ISO-style short and long forms, as the standard suggests). */
const SECONDS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
};

/** A problem of a contract, at a path of its document. */
export interface ContractProblem {
  path: DocumentPath;
  value: unknown;
  problem: string;
  fix: string;
}

/** Where the contract's datasets are: a Depot (Trino catalog) and the schema of tables named without one. */
export interface ContractTarget {
  catalog: string;
  /** Trino schema of objects whose physicalName has no schema part. */
  schema?: string;
  /** `block`: a failed rule (unless its severity only informs) fails; `warn`: every rule only warns. */
  enforcement: "block" | "warn";
  /** The same for the service levels (latency). @default enforcement */
  slaEnforcement?: "block" | "warn";
}

/** The compiled contract, or what is wrong with it. */
export interface CompiledContract {
  plan: QualityPlan;
  problems: ContractProblem[];
}

const STRING_SQL_PLACEHOLDERS = /\{object\}|\{property\}|\$\{table\}|\$\{column\}|\{table\}|\{column\}/g;

/** One dataset's queries under construction: the aggregate's expressions (deduplicated) and the other queries. */
class DatasetQueries {
  readonly expressions: string[] = [];
  readonly aggregateColumns = new Set<string>();
  constructor(
    readonly dataset: string,
    readonly table: string,
    private readonly queries: QualityQuery[],
    private aggregateIndex: number | undefined = undefined,
  ) {}

  /** The value of an aggregate expression (count(*) is always column 0). */
  aggregate(expression: string, columns: string[]): ValueRef {
    if (this.aggregateIndex === undefined) {
      this.aggregateIndex = this.queries.length;
      this.queries.push({ dataset: this.dataset, sql: "", purpose: "aggregate", columns: [] });
      this.expressions.push("count(*)");
    }
    for (const c of columns) this.aggregateColumns.add(c);
    let column = this.expressions.indexOf(expression);
    if (column < 0) {
      column = this.expressions.length;
      this.expressions.push(expression);
    }
    return { query: this.aggregateIndex, column };
  }

  rowCount(): ValueRef {
    return this.aggregate("count(*)", []);
  }

  /** A query of its own (a key set's duplicates, a sql rule): its first column. */
  own(sql: string, purpose: "duplicates" | "sql", columns: string[]): ValueRef {
    const existing = this.queries.findIndex((q) => q.dataset === this.dataset && q.sql === sql);
    if (existing >= 0) return { query: existing, column: 0 };
    this.queries.push({ dataset: this.dataset, sql, purpose, columns });
    return { query: this.queries.length - 1, column: 0 };
  }

  /** Writes the aggregate's SQL once every expression is known. */
  finish(): void {
    if (this.aggregateIndex === undefined) return;
    const q = this.queries[this.aggregateIndex]!;
    q.sql = `SELECT ${this.expressions.map((e, i) => `${e} AS m${i}`).join(", ")} FROM ${this.table}`;
    q.columns = [...this.aggregateColumns].sort();
  }
}

function literal(value: string | number): string {
  return typeof value === "number" ? String(value) : sqlString(value);
}

/** `col IN (...)` over the listed values: text values compare with the column as text, numbers as numbers. */
function inList(column: string, values: (string | number)[]): string {
  const texts = values.filter((v): v is string => typeof v === "string");
  const numbers = values.filter((v): v is number => typeof v === "number");
  const parts = [
    ...(texts.length > 0 ? [`CAST(${column} AS varchar) IN (${texts.map(literal).join(", ")})`] : []),
    ...(numbers.length > 0 ? [`${column} IN (${numbers.map(literal).join(", ")})`] : []),
  ];
  return parts.length === 0 ? "false" : parts.length === 1 ? parts[0]! : `(${parts.join(" OR ")})`;
}

/** The one operator of a rule, or a problem. */
function thresholdOf(rule: OdcsQuality, path: DocumentPath, problems: ContractProblem[]): Threshold | undefined {
  const given = OPERATORS.filter((op) => rule[op] !== undefined);
  if (given.length !== 1) {
    problems.push({
      path: given.length === 0 ? path : [...path, given[1]!],
      value: given.length === 0 ? undefined : given,
      problem: given.length === 0 ? "has no operator" : "has more than one operator",
      fix: `give exactly one of ${OPERATORS.join(", ")}`,
    });
    return undefined;
  }
  const operator: Operator = given[0]!;
  const value = rule[operator];
  if (operator === "mustBeBetween" || operator === "mustNotBeBetween") {
    const pair = value as unknown[];
    if (!Array.isArray(pair) || pair.length !== 2 || pair.some((v) => typeof v !== "number") || (pair[0] as number) > (pair[1] as number)) {
      problems.push({ path: [...path, operator], value, problem: "is not two numbers, smallest first", fix: "write e.g. [1, 100]" });
      return undefined;
    }
    return { operator, value: [pair[0] as number, pair[1] as number] };
  }
  if (typeof value === "boolean" && (operator === "mustBe" || operator === "mustNotBe")) return { operator, value: value ? 1 : 0 };
  if (typeof value !== "number" || !Number.isFinite(value)) {
    problems.push({ path: [...path, operator], value, problem: "is not a number", fix: "compare the metric to a number" });
    return undefined;
  }
  return { operator, value };
}

/** A rule's unit: `rows` (default) or `percent`. */
function unitOf(rule: OdcsQuality, path: DocumentPath, problems: ContractProblem[]): "rows" | "percent" | undefined {
  if (rule.unit === undefined || rule.unit === "rows") return "rows";
  if (rule.unit === "percent") return "percent";
  problems.push({ path: [...path, "unit"], value: rule.unit, problem: "is not a unit Strata computes", fix: 'use "rows" or "percent"' });
  return undefined;
}

function datasetOf(object: OdcsSchemaObject, target: ContractTarget): { schema?: string; table: string } {
  const physical = object.physicalName ?? object.name;
  const parts = physical.split(".");
  if (parts.length === 2) return { schema: parts[0]!, table: parts[1]! };
  return { schema: target.schema, table: physical };
}

const columnOf = (property: OdcsProperty) => property.physicalName ?? property.name;

/** What a contract says of one table: its description and its columns' (for catalogs and the console). */
export interface ContractDocumentation {
  /** `catalog.schema.table` */
  dataset: string;
  description?: string;
  /** Physical column name -> description. */
  columns: Record<string, string>;
}

/** The descriptions a contract gives its tables and columns, by physical name. Objects naming no schema are left out. Pure. */
export function contractDocumentation(document: OdcsDocument, target: Pick<ContractTarget, "catalog" | "schema">): ContractDocumentation[] {
  return (document.schema ?? []).flatMap((object) => {
    const where = datasetOf(object, { ...target, enforcement: "block" });
    if (where.schema === undefined) return [];
    const columns = Object.fromEntries((object.properties ?? []).flatMap((p) => (p.description ? [[columnOf(p), p.description]] : [])));
    return [
      {
        dataset: `${target.catalog}.${where.schema}.${where.table}`,
        ...(object.description ? { description: object.description } : {}),
        columns,
      },
    ];
  });
}

/**
 * Compiles a contract into a quality plan for the tables of one catalog.
 * Supported: logicalType, required, unique, primaryKey; library metrics
 * nullValues, missingValues, invalidValues, duplicateValues (property, or
 * schema level with `arguments.properties`), rowCount; `sql` rules; the SLA
 * `latency` (or `freshness`). `text` and `custom` rules and other SLA
 * properties are kept as documentation and reported as not executed.
 */
export function compileContract(contractName: string, document: OdcsDocument, target: ContractTarget): CompiledContract {
  const problems: ContractProblem[] = [];
  const queries: QualityQuery[] = [];
  const expectations: QualityExpectation[] = [];
  const columns: ColumnExpectation[] = [];
  const notExecuted: QualityPlan["notExecuted"] = [];
  const datasets: string[] = [];
  const perDataset = new Map<string, DatasetQueries>();
  const objects = document.schema ?? [];
  if (objects.length === 0)
    problems.push({ path: ["schema"], value: document.schema, problem: "describes no dataset", fix: "list the tables under schema" });

  const blockingOf = (rule?: OdcsQuality) =>
    target.enforcement === "block" && !NON_BLOCKING_SEVERITIES.includes(String(rule?.severity ?? "").toLowerCase());
  const base = (rule: OdcsQuality | undefined, path: DocumentPath, dataset: string) => ({
    rule: showRule(path),
    dataset,
    blocking: blockingOf(rule),
    ...(rule?.severity === undefined ? {} : { severity: rule.severity }),
    ...(rule?.dimension === undefined ? {} : { dimension: rule.dimension }),
  });

  objects.forEach((object, o) => {
    const at: DocumentPath = ["schema", o];
    const where = datasetOf(object, target);
    if (where.schema === undefined) {
      problems.push({
        path: [...at, "physicalName"],
        value: object.physicalName ?? object.name,
        problem: "names no Trino schema, and the Contract has no `schema`",
        fix: 'write physicalName as "schema.table", or give the Contract a schema',
      });
      return;
    }
    const dataset = `${target.catalog}.${where.schema}.${where.table}`;
    if (datasets.includes(dataset)) {
      problems.push({
        path: [...at, "name"],
        value: object.name,
        problem: `describes ${dataset} a second time`,
        fix: "describe each table once",
      });
      return;
    }
    datasets.push(dataset);
    const table = [target.catalog, where.schema, where.table].map(quoteIdentifier).join(".");
    const q = new DatasetQueries(dataset, table, queries);
    perDataset.set(dataset, q);
    const properties = object.properties ?? [];
    const known = new Map(properties.map((p) => [p.name, columnOf(p)]));

    // The key: one column is checked in the aggregate, several form a key set of their own.
    const keys = properties
      .map((p, i) => ({ p, i }))
      .filter(({ p }) => p.primaryKey === true)
      .sort((a, b) => (a.p.primaryKeyPosition ?? a.i) - (b.p.primaryKeyPosition ?? b.i));

    properties.forEach((property, p) => {
      const path: DocumentPath = [...at, "properties", p];
      const column = columnOf(property);
      const quoted = quoteIdentifier(column);
      if (property.logicalType !== undefined && LOGICAL_TYPES[property.logicalType] === undefined)
        problems.push({
          path: [...path, "logicalType"],
          value: property.logicalType,
          problem: "is not a logical type",
          fix: `use one of ${Object.keys(LOGICAL_TYPES).join(", ")}`,
        });
      columns.push({
        rule: showRule([...path, "logicalType"]),
        dataset,
        property: column,
        ...(property.logicalType === undefined ? {} : { logicalType: property.logicalType, types: LOGICAL_TYPES[property.logicalType] }),
        required: property.required === true || property.primaryKey === true,
        blocking: blockingOf(),
      });
      const notNull = property.required === true || property.primaryKey === true;
      if (notNull)
        expectations.push({
          ...base(undefined, [...path, property.required === true ? "required" : "primaryKey"], dataset),
          metric: `nullValues(${column})`,
          property: column,
          value: q.aggregate(`count_if(${quoted} IS NULL)`, [column]),
          threshold: { operator: "mustBe", value: 0 },
          unit: "rows",
        });
      const singleKey = property.primaryKey === true && keys.length === 1;
      if (property.unique === true || singleKey)
        expectations.push({
          ...base(undefined, [...path, property.unique === true ? "unique" : "primaryKey"], dataset),
          metric: `duplicateValues(${column})`,
          property: column,
          value: q.aggregate(`count(${quoted}) - count(DISTINCT ${quoted})`, [column]),
          threshold: { operator: "mustBe", value: 0 },
          unit: "rows",
        });
      (property.quality ?? []).forEach((rule, r) =>
        compileRule(rule, [...path, "quality", r], { dataset, q, table, column, known, base, problems, expectations, notExecuted }),
      );
    });

    if (keys.length > 1) {
      const keyColumns = keys.map(({ p }) => columnOf(p));
      expectations.push({
        ...base(undefined, [...at, "properties", keys[0]!.i, "primaryKey"], dataset),
        metric: `duplicateValues(${keyColumns.join(", ")})`,
        value: q.own(duplicatesSql(table, keyColumns), "duplicates", keyColumns),
        threshold: { operator: "mustBe", value: 0 },
        unit: "rows",
      });
    }
    (object.quality ?? []).forEach((rule, r) =>
      compileRule(rule, [...at, "quality", r], { dataset, q, table, known, base, problems, expectations, notExecuted }),
    );
  });

  // Service levels: latency (freshness) on a timestamp element; the others are documentation.
  (document.slaProperties ?? []).forEach((sla, s) => {
    const path: DocumentPath = ["slaProperties", s];
    const firstDataset = datasets[0] ?? "";
    if (sla.property !== "latency" && sla.property !== "freshness") {
      notExecuted.push({ rule: showRule(path), dataset: firstDataset, reason: `SLA property ${sla.property} is kept as documentation` });
      return;
    }
    const element = sla.element ?? document.slaDefaultElement;
    const found = element === undefined ? undefined : findElement(element, objects);
    if (element === undefined || !found) {
      problems.push({
        path: [...path, sla.element === undefined ? "element" : "element"],
        value: element,
        problem: element === undefined ? "is missing (and there is no slaDefaultElement)" : "names no property of the contract",
        fix: 'name the timestamp column, e.g. "orders.created_at"',
      });
      return;
    }
    const factor = SECONDS[String(sla.unit ?? "").toLowerCase()];
    if (factor === undefined) {
      problems.push({
        path: [...path, "unit"],
        value: sla.unit,
        problem: "is not a time unit",
        fix: 'use "d", "h", "m" or "s" (or days, hours, minutes, seconds)',
      });
      return;
    }
    const limit = typeof sla.value === "number" ? sla.value : Number(sla.value);
    if (!Number.isFinite(limit) || limit < 0) {
      problems.push({
        path: [...path, "value"],
        value: sla.value,
        problem: "is not a duration",
        fix: "give a number of units, e.g. 1 with unit d",
      });
      return;
    }
    const { object, property } = found;
    const dataset = datasets.find(
      (d) => d.endsWith(`.${datasetOf(object, target).table}`) && d.split(".")[1] === datasetOf(object, target).schema,
    );
    const q = dataset === undefined ? undefined : perDataset.get(dataset);
    if (!q || dataset === undefined) return;
    const column = columnOf(property);
    expectations.push({
      rule: showRule(path),
      dataset,
      property: column,
      metric: `${sla.property}(${column})`,
      // Seconds since the newest row; a timestamp without time zone is read in the session's zone (UTC).
      value: q.aggregate(`date_diff('second', max(CAST(${quoteIdentifier(column)} AS timestamp(6) with time zone)), current_timestamp)`, [
        column,
      ]),
      threshold: { operator: "mustBeLessOrEqualTo", value: limit * factor },
      unit: "seconds",
      blocking: (target.slaEnforcement ?? target.enforcement) === "block",
      dimension: "timeliness",
    });
  });

  for (const q of perDataset.values()) q.finish();
  return { plan: { contract: contractName, datasets, queries, expectations, columns, notExecuted }, problems };
}

function showRule(path: DocumentPath): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function duplicatesSql(table: string, keyColumns: string[]): string {
  const keys = keyColumns.map(quoteIdentifier).join(", ");
  // Rows beyond the first of each group of equal keys (NULLs group together, as GROUP BY does).
  return `SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM ${table} GROUP BY ${keys} HAVING count(*) > 1)`;
}

function findElement(element: string, objects: OdcsSchemaObject[]): { object: OdcsSchemaObject; property: OdcsProperty } | undefined {
  const parts = element.split(".");
  const candidates = parts.length === 1 && objects.length === 1 ? [objects[0]!] : objects.filter((o) => o.name === parts[0]);
  const name = parts.at(-1);
  for (const object of candidates) {
    const property = (object.properties ?? []).find((p) => p.name === name);
    if (property) return { object, property };
  }
  return undefined;
}

interface RuleContext {
  dataset: string;
  q: DatasetQueries;
  table: string;
  /** Set for property-level rules. */
  column?: string;
  known: Map<string, string>;
  base: (
    rule: OdcsQuality | undefined,
    path: DocumentPath,
    dataset: string,
  ) => Omit<QualityExpectation, "metric" | "value" | "threshold" | "unit">;
  problems: ContractProblem[];
  expectations: QualityExpectation[];
  notExecuted: QualityPlan["notExecuted"];
}

function compileRule(rule: OdcsQuality, path: DocumentPath, c: RuleContext): void {
  const type = rule.type ?? (rule.metric !== undefined || rule.rule !== undefined ? "library" : undefined);
  if (type === "text" || type === "custom" || type === undefined) {
    c.notExecuted.push({
      rule: showRule(path),
      dataset: c.dataset,
      reason:
        type === "custom"
          ? `a rule for the engine ${String(rule.engine)}, kept as documentation`
          : type === "text"
            ? "a text rule, kept as documentation"
            : "a rule without metric or query, kept as documentation",
    });
    return;
  }
  const threshold = thresholdOf(rule, path, c.problems);
  if (type === "sql") {
    if (typeof rule.query !== "string" || rule.query.trim() === "") {
      c.problems.push({ path: [...path, "query"], value: rule.query, problem: "is missing", fix: "give the query returning one number" });
      return;
    }
    if (c.column === undefined && /\{property\}|\{column\}/.test(rule.query)) {
      c.problems.push({
        path: [...path, "query"],
        value: rule.query,
        problem: "uses {property} in a schema-level rule",
        fix: "move the rule under the property, or name the column",
      });
      return;
    }
    if (!threshold) return;
    const sql = rule.query
      .trim()
      .replace(/;\s*$/, "")
      .replace(STRING_SQL_PLACEHOLDERS, (m) => (/object|table/.test(m) ? c.table : quoteIdentifier(c.column!)));
    c.expectations.push({
      ...c.base(rule, path, c.dataset),
      metric: `sql${c.column === undefined ? "" : `(${c.column})`}`,
      ...(c.column === undefined ? {} : { property: c.column }),
      value: c.q.own(sql, "sql", c.column === undefined ? [] : [c.column]),
      threshold,
      unit: "value",
    });
    return;
  }
  const metric = rule.metric ?? rule.rule;
  const unit = unitOf(rule, path, c.problems);
  if (!threshold || !unit) return;
  const percent = unit === "percent" ? { of: c.q.rowCount() } : {};
  const push = (name: string, value: ValueRef, property?: string) =>
    c.expectations.push({
      ...c.base(rule, path, c.dataset),
      metric: name,
      ...(property === undefined ? {} : { property }),
      value,
      threshold,
      unit,
      ...percent,
    });
  if (metric === "rowCount") {
    if (c.column !== undefined) {
      c.problems.push({
        path: [...path, "metric"],
        value: metric,
        problem: "is a schema-level metric",
        fix: "move the rule under the schema object",
      });
      return;
    }
    push("rowCount", c.q.rowCount());
    return;
  }
  if (metric === "duplicateValues" && c.column === undefined) {
    const names = rule.arguments?.properties;
    if (!Array.isArray(names) || names.length === 0) {
      c.problems.push({
        path: [...path, "arguments", "properties"],
        value: names,
        problem: "is missing: a schema-level duplicateValues rule needs its key",
        fix: "list the properties that together must be unique",
      });
      return;
    }
    const unknown = names.filter((n) => !c.known.has(n));
    if (unknown.length > 0) {
      c.problems.push({
        path: [...path, "arguments", "properties"],
        value: unknown,
        problem: "names properties the object does not have",
        fix: `use some of: ${[...c.known.keys()].join(", ")}`,
      });
      return;
    }
    const keyColumns = names.map((n) => c.known.get(n)!);
    push(`duplicateValues(${keyColumns.join(", ")})`, c.q.own(duplicatesSql(c.table, keyColumns), "duplicates", keyColumns));
    return;
  }
  if (c.column === undefined) {
    c.problems.push({
      path: [...path, "metric"],
      value: metric,
      problem: "is a property-level metric",
      fix: "move the rule under the property it measures",
    });
    return;
  }
  const col = quoteIdentifier(c.column);
  switch (metric) {
    case "nullValues":
      push(`nullValues(${c.column})`, c.q.aggregate(`count_if(${col} IS NULL)`, [c.column]), c.column);
      return;
    case "missingValues": {
      const listed = rule.arguments?.missingValues ?? [null, ""];
      if (!Array.isArray(listed) || listed.some((v) => v !== null && typeof v !== "string" && typeof v !== "number")) {
        c.problems.push({
          path: [...path, "arguments", "missingValues"],
          value: listed,
          problem: "is not a list of values",
          fix: "list them, e.g. [null, '', 'N/A']",
        });
        return;
      }
      const values = listed.filter((v): v is string | number => v !== null);
      const parts = [...(listed.includes(null) ? [`${col} IS NULL`] : []), ...(values.length > 0 ? [inList(col, values)] : [])];
      push(`missingValues(${c.column})`, c.q.aggregate(`count_if(${parts.join(" OR ") || "false"})`, [c.column]), c.column);
      return;
    }
    case "invalidValues": {
      const valid = rule.arguments?.validValues;
      const pattern = rule.arguments?.pattern;
      if (valid === undefined && pattern === undefined) {
        c.problems.push({
          path: [...path, "arguments"],
          value: rule.arguments,
          problem: "has neither validValues nor pattern",
          fix: "give the valid values, or a pattern they match",
        });
        return;
      }
      if (valid !== undefined && (!Array.isArray(valid) || valid.some((v) => typeof v !== "string" && typeof v !== "number"))) {
        c.problems.push({
          path: [...path, "arguments", "validValues"],
          value: valid,
          problem: "is not a list of values",
          fix: "list the valid values",
        });
        return;
      }
      if (pattern !== undefined && typeof pattern !== "string") {
        c.problems.push({
          path: [...path, "arguments", "pattern"],
          value: pattern,
          problem: "is not a regular expression",
          fix: "give the pattern as text",
        });
        return;
      }
      const invalid = [
        ...(valid !== undefined ? [`NOT (${inList(col, valid)})`] : []),
        ...(pattern !== undefined ? [`NOT regexp_like(CAST(${col} AS varchar), ${sqlString(pattern)})`] : []),
      ];
      push(`invalidValues(${c.column})`, c.q.aggregate(`count_if(${col} IS NOT NULL AND (${invalid.join(" OR ")}))`, [c.column]), c.column);
      return;
    }
    case "duplicateValues":
      push(`duplicateValues(${c.column})`, c.q.aggregate(`count(${col}) - count(DISTINCT ${col})`, [c.column]), c.column);
      return;
    default:
      c.problems.push({
        path: [...path, "metric"],
        value: metric,
        problem: "is not a metric Strata computes",
        fix: "use nullValues, missingValues, invalidValues, duplicateValues or rowCount",
      });
  }
}
