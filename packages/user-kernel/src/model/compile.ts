// Semantic model -> Trino SQL. Pure: unit-tested without Pulumi or a server.
//
// A metric query never double counts across a one-to-many join: the
// measures of each table are aggregated in a subquery of their own, joined
// only to the tables their dimensions, filters and segments need; when
// reaching one of those tables fans the measure's rows out (a one-to-many
// step), the subquery first keeps one row per (dimensions, primary key) and
// aggregates that. The subqueries are then joined on the dimensions.

import { quoteIdentifier, sqlString } from "@strata/core-kernel";

export const TIME_GRAINS = ["day", "week", "month", "quarter", "year"] as const;
export type TimeGrain = (typeof TIME_GRAINS)[number];
export const DIMENSION_TYPES = ["string", "number", "boolean", "time"] as const;
export const MEASURE_TYPES = ["count", "count_distinct", "sum", "avg", "min", "max"] as const;
export const RELATIONSHIPS = ["one_to_one", "one_to_many", "many_to_one"] as const;
export const FILTER_OPERATORS = ["equals", "notEquals", "gt", "gte", "lt", "lte", "set", "notSet"] as const;

/** A column (or expression) to group by. */
export interface Dimension {
  type: (typeof DIMENSION_TYPES)[number];
  /** SQL over the model's tables, each named by its model name, e.g. `orders.ordered_on`. @default `<table>.<dimension>` */
  sql?: string;
  /** Glossary entry. */
  description?: string;
}

/** An aggregate. */
export interface Measure {
  type: (typeof MEASURE_TYPES)[number];
  /** The aggregated expression. Required but for `count` (which counts rows). */
  sql?: string;
  /** Only rows where every condition holds are aggregated, e.g. `orders.status <> 'cancelled'`. @default [] */
  filters?: string[];
  description?: string;
}

/** A table of the model: a depot table or a query, with its primary key. */
export interface ModelTable {
  /** `catalog.schema.table`, e.g. `warehouse.public.orders`. One of `table` and `sql`. */
  table?: string;
  /** A query whose rows are the table's. */
  sql?: string;
  /** Column(s) identifying a row: what keeps measures exact across fan-out joins. */
  primaryKey: string | string[];
  description?: string;
  dimensions?: Record<string, Dimension>;
  measures?: Record<string, Measure>;
  /** Named conditions a query may ask for, e.g. `{ eu: { sql: "customers.region = 'EU'" } }`. */
  segments?: Record<string, { sql: string; description?: string }>;
}

/** How two tables relate: `from` rows to `to` rows. */
export interface ModelJoin {
  from: string;
  to: string;
  relationship: (typeof RELATIONSHIPS)[number];
  /** The join condition, e.g. `orders.customer_id = customers.id`. */
  on: string;
}

/** A condition on a dimension. */
export interface MetricFilter {
  /** `table.dimension`. */
  member: string;
  operator: (typeof FILTER_OPERATORS)[number];
  /** Values compared (equals / notEquals: any of them). None for set / notSet. */
  values?: (string | number | boolean)[];
}

/** What to compute: measures by dimensions. */
export interface MetricQuery {
  /** `table.measure`. */
  measures: string[];
  /** `table.dimension`. @default [] */
  dimensions?: string[];
  filters?: MetricFilter[];
  /** `table.segment`. @default [] */
  segments?: string[];
  /** Truncates every time dimension to this grain. @default none (the value itself) */
  timeGrain?: TimeGrain;
}

export interface SemanticModel {
  tables: Record<string, ModelTable>;
  joins?: ModelJoin[];
}

/** A problem with a model or a query, naming where. */
export class ModelError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${field} ${problem}. Fix: ${fix}`);
    this.name = "ModelError";
  }
}

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;
const q = quoteIdentifier;

/** One step of a join path: the join, and whether it is walked from its `from` side. */
interface Step {
  join: ModelJoin;
  forward: boolean;
}

/** Whether walking a step can give several rows of the far table per row of the near one. */
function fansOut(step: Step): boolean {
  const r = step.join.relationship;
  return step.forward ? r === "one_to_many" : r === "many_to_one";
}

/** Every simple path of joins from `start` to `goal`. */
function paths(model: SemanticModel, start: string, goal: string): Step[][] {
  const found: Step[][] = [];
  const walk = (at: string, visited: Set<string>, path: Step[]) => {
    if (at === goal) {
      found.push(path);
      return;
    }
    for (const join of model.joins ?? []) {
      const next = join.from === at ? join.to : join.to === at ? join.from : undefined;
      if (next === undefined || visited.has(next)) continue;
      walk(next, new Set([...visited, next]), [...path, { join, forward: join.from === at }]);
    }
  };
  walk(start, new Set([start]), []);
  return found;
}

/** The only join path between two tables; none or several is an error. */
export function joinPath(model: SemanticModel, from: string, to: string): Step[] {
  if (from === to) return [];
  const found = paths(model, from, to);
  const show = (p: Step[]) => [from, ...p.map((s) => (s.forward ? s.join.to : s.join.from))].join(" -> ");
  if (found.length === 0)
    throw new ModelError(`tables ${from} and ${to}`, "are not joined", `add a join between ${from} and ${to} (or through other tables)`);
  if (found.length > 1)
    throw new ModelError(
      `the join path from ${from} to ${to}`,
      `is ambiguous: ${found.map(show).join(" or ")}`,
      "remove a join, or model the second relation as another table",
    );
  return found[0]!;
}

function member(model: SemanticModel, ref: string, kind: "dimensions" | "measures" | "segments", field: string) {
  const [table, name, ...rest] = ref.split(".");
  const t = table === undefined ? undefined : model.tables[table];
  const entry = t?.[kind]?.[name ?? ""];
  if (!t || entry === undefined || rest.length > 0) {
    const known = Object.entries(model.tables).flatMap(([tn, tv]) => Object.keys(tv[kind] ?? {}).map((n) => `${tn}.${n}`));
    throw new ModelError(`${field}="${ref}"`, `is not a ${kind.slice(0, -1)} of the model`, `use one of: ${known.join(", ") || "(none)"}`);
  }
  return { table: table!, name: name!, entry };
}

function dimensionSql(table: string, name: string, d: Dimension, grain?: TimeGrain): string {
  const expression = d.sql ?? `${q(table)}.${q(name)}`;
  return d.type === "time" && grain ? `date_trunc('${grain}', ${expression})` : expression;
}

function source(table: string, t: ModelTable): string {
  return t.table !== undefined ? `${t.table.split(".").map(q).join(".")} AS ${q(table)}` : `(${t.sql}) AS ${q(table)}`;
}

function literal(value: string | number | boolean): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  return sqlString(value);
}

function filterSql(expression: string, f: MetricFilter, field: string): string {
  const values = f.values ?? [];
  const needsValues = f.operator !== "set" && f.operator !== "notSet";
  if (needsValues && values.length === 0) throw new ModelError(`${field}.values`, "is empty", `give the values ${f.operator} compares to`);
  switch (f.operator) {
    case "equals":
      return `${expression} IN (${values.map(literal).join(", ")})`;
    case "notEquals":
      return `${expression} NOT IN (${values.map(literal).join(", ")})`;
    case "gt":
      return `${expression} > ${literal(values[0]!)}`;
    case "gte":
      return `${expression} >= ${literal(values[0]!)}`;
    case "lt":
      return `${expression} < ${literal(values[0]!)}`;
    case "lte":
      return `${expression} <= ${literal(values[0]!)}`;
    case "set":
      return `${expression} IS NOT NULL`;
    case "notSet":
      return `${expression} IS NULL`;
    default:
      throw new ModelError(`${field}.operator`, `"${String(f.operator)}" is not an operator`, `use one of ${FILTER_OPERATORS.join(", ")}`);
  }
}

function primaryKey(t: ModelTable): string[] {
  return Array.isArray(t.primaryKey) ? t.primaryKey : [t.primaryKey];
}

/**
 * The SQL of a metric query: one row per combination of the dimensions
 * (columns named after them, `table__dimension`), one column per measure
 * (`table__measure`). Throws {@link ModelError} for an unknown member, an
 * ambiguous or missing join path, or a bad filter.
 */
export function compileMetricQuery(model: SemanticModel, query: MetricQuery): string {
  if (!Array.isArray(query.measures) || query.measures.length === 0)
    throw new ModelError("measures", "is empty", "ask for at least one measure, e.g. orders.revenue");
  if (query.timeGrain !== undefined && !TIME_GRAINS.includes(query.timeGrain))
    throw new ModelError(`timeGrain="${String(query.timeGrain)}"`, "is not a time grain", `use one of ${TIME_GRAINS.join(", ")}`);
  const dims = (query.dimensions ?? []).map((ref, i) => {
    const m = member(model, ref, "dimensions", `dimensions[${i}]`);
    return { ...m, alias: `${m.table}__${m.name}`, sql: dimensionSql(m.table, m.name, m.entry as Dimension, query.timeGrain) };
  });
  const filters = (query.filters ?? []).map((f, i) => {
    const m = member(model, f.member, "dimensions", `filters[${i}].member`);
    return { table: m.table, sql: filterSql(dimensionSql(m.table, m.name, m.entry as Dimension), f, `filters[${i}]`) };
  });
  const segments = (query.segments ?? []).map((ref, i) => {
    const m = member(model, ref, "segments", `segments[${i}]`);
    return { table: m.table, sql: (m.entry as { sql: string }).sql };
  });
  const measures = query.measures.map((ref, i) => {
    const m = member(model, ref, "measures", `measures[${i}]`);
    return { ...m, measure: m.entry as Measure, alias: `${m.table}__${m.name}` };
  });

  // One subquery per table holding measures.
  const byTable = new Map<string, typeof measures>();
  for (const m of measures) byTable.set(m.table, [...(byTable.get(m.table) ?? []), m]);
  const subqueries = [...byTable.entries()].map(([table, ms], n) => {
    const needed = [...new Set([...dims.map((d) => d.table), ...filters.map((f) => f.table), ...segments.map((s) => s.table)])];
    // The join tree from the measures' table to every table the query needs.
    const steps: Step[] = [];
    for (const target of needed)
      for (const step of joinPath(model, table, target)) if (!steps.some((s) => s.join === step.join)) steps.push(step);
    const fanOut = steps.some(fansOut);
    const from = [
      source(table, model.tables[table]!),
      ...steps.map((s) => {
        const far = s.forward ? s.join.to : s.join.from;
        return `LEFT JOIN ${source(far, model.tables[far]!)} ON ${s.join.on}`;
      }),
    ].join("\n  ");
    const where = [...filters.map((f) => f.sql), ...segments.map((s) => s.sql)];
    const whereSql = where.length > 0 ? `\n  WHERE ${where.map((w) => `(${w})`).join(" AND ")}` : "";
    const valueOf = (m: (typeof measures)[number]) => {
      const base = m.measure.type === "count" ? (m.measure.sql ?? "1") : m.measure.sql!;
      const conditions = m.measure.filters ?? [];
      return conditions.length === 0 ? base : `CASE WHEN ${conditions.map((c) => `(${c})`).join(" AND ")} THEN ${base} END`;
    };
    const aggregate = (m: (typeof measures)[number], value: string) => {
      switch (m.measure.type) {
        case "count":
          return `count(${value})`;
        case "count_distinct":
          return `count(DISTINCT ${value})`;
        default:
          return `${m.measure.type}(${value})`;
      }
    };
    const groupBy = dims.length > 0 ? `\n  GROUP BY ${dims.map((_, i) => i + 1).join(", ")}` : "";
    let sql: string;
    if (!fanOut) {
      sql = `SELECT ${[...dims.map((d) => `${d.sql} AS ${q(d.alias)}`), ...ms.map((m) => `${aggregate(m, valueOf(m))} AS ${q(m.alias)}`)].join(", ")}\n  FROM ${from}${whereSql}${groupBy}`;
    } else {
      // One row per (dimensions, primary key) first: the rows a fan-out join repeated count once.
      const key = primaryKey(model.tables[table]!).map((k, i) => `${q(table)}.${q(k)} AS ${q(`__key${i}`)}`);
      const inner = `SELECT DISTINCT ${[
        ...dims.map((d) => `${d.sql} AS ${q(d.alias)}`),
        ...key,
        ...ms.map((m, i) => `${valueOf(m)} AS ${q(`__value${i}`)}`),
      ].join(", ")}\n  FROM ${from}${whereSql}`;
      sql = `SELECT ${[...dims.map((d) => q(d.alias)), ...ms.map((m, i) => `${aggregate(m, q(`__value${i}`))} AS ${q(m.alias)}`)].join(", ")}\n  FROM (${inner}) AS ${q(`deduplicated${n}`)}${groupBy}`;
    }
    return { name: `m${n}`, sql, measures: ms };
  });

  const order = dims.length > 0 ? `\nORDER BY ${dims.map((_, i) => i + 1).join(", ")}` : "";
  if (subqueries.length === 1) return `${subqueries[0]!.sql}${order}`;
  // Measures of several tables: their subqueries joined on every dimension (a full join keeps combinations only one side has).
  const [first, ...rest] = subqueries;
  const dimensionColumns = dims.map((d) => `coalesce(${subqueries.map((s) => `${s.name}.${q(d.alias)}`).join(", ")}) AS ${q(d.alias)}`);
  const measureColumns = subqueries.flatMap((s) => s.measures.map((m) => `${s.name}.${q(m.alias)}`));
  const joins = rest.map((s, i) => {
    const on = dims.map((d) => {
      const before = subqueries.slice(0, i + 1).map((p) => `${p.name}.${q(d.alias)}`);
      return `${before.length === 1 ? before[0] : `coalesce(${before.join(", ")})`} IS NOT DISTINCT FROM ${s.name}.${q(d.alias)}`;
    });
    return dims.length === 0 ? `CROSS JOIN (${s.sql}) AS ${s.name}` : `FULL JOIN (${s.sql}) AS ${s.name} ON ${on.join(" AND ")}`;
  });
  return `SELECT ${[...dimensionColumns, ...measureColumns].join(", ")}\nFROM (${first!.sql}) AS ${first!.name}\n${joins.join("\n")}${order}`;
}

/** Problems of a model's definition (names, types, keys, joins), each a `field problem. Fix: ...` triple. Pure. */
export function modelProblems(model: SemanticModel): ModelError[] {
  const problems: ModelError[] = [];
  const tables = model.tables ?? {};
  if (Object.keys(tables).length === 0) problems.push(new ModelError("tables", "is empty", "describe at least one table"));
  for (const [name, t] of Object.entries(tables)) {
    const at = `tables.${name}`;
    if (!IDENTIFIER.test(name)) problems.push(new ModelError(at, "is not a table name", "use lower-case letters, digits and _"));
    if ((t.table === undefined) === (t.sql === undefined))
      problems.push(new ModelError(at, "needs exactly one of table and sql", "name a depot table, or give a query"));
    if (t.table !== undefined && !/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(t.table))
      problems.push(new ModelError(`${at}.table="${t.table}"`, "is not catalog.schema.table", 'write e.g. "warehouse.public.orders"'));
    const keys = Array.isArray(t.primaryKey) ? t.primaryKey : [t.primaryKey];
    if (keys.length === 0 || keys.some((k) => typeof k !== "string" || k === ""))
      problems.push(
        new ModelError(
          `${at}.primaryKey`,
          "is missing",
          "name the column(s) identifying a row: measures stay exact across joins through it",
        ),
      );
    for (const [d, dim] of Object.entries(t.dimensions ?? {})) {
      if (!IDENTIFIER.test(d))
        problems.push(new ModelError(`${at}.dimensions.${d}`, "is not a dimension name", "use lower-case letters, digits and _"));
      if (!DIMENSION_TYPES.includes(dim.type))
        problems.push(
          new ModelError(
            `${at}.dimensions.${d}.type="${String(dim.type)}"`,
            "is not a dimension type",
            `use one of ${DIMENSION_TYPES.join(", ")}`,
          ),
        );
    }
    for (const [m, measure] of Object.entries(t.measures ?? {})) {
      if (!IDENTIFIER.test(m))
        problems.push(new ModelError(`${at}.measures.${m}`, "is not a measure name", "use lower-case letters, digits and _"));
      if (!MEASURE_TYPES.includes(measure.type))
        problems.push(
          new ModelError(
            `${at}.measures.${m}.type="${String(measure.type)}"`,
            "is not a measure type",
            `use one of ${MEASURE_TYPES.join(", ")}`,
          ),
        );
      else if (measure.type !== "count" && (typeof measure.sql !== "string" || measure.sql.trim() === ""))
        problems.push(
          new ModelError(`${at}.measures.${m}.sql`, "is missing", `give the expression to ${measure.type}, e.g. ${name}.amount`),
        );
    }
  }
  (model.joins ?? []).forEach((j, i) => {
    for (const side of ["from", "to"] as const)
      if (tables[j[side]] === undefined)
        problems.push(
          new ModelError(`joins[${i}].${side}="${j[side]}"`, "is not a table of the model", `use one of ${Object.keys(tables).join(", ")}`),
        );
    if (!RELATIONSHIPS.includes(j.relationship))
      problems.push(
        new ModelError(
          `joins[${i}].relationship="${String(j.relationship)}"`,
          "is not a relationship",
          `use one of ${RELATIONSHIPS.join(", ")}`,
        ),
      );
    if (typeof j.on !== "string" || j.on.trim() === "")
      problems.push(new ModelError(`joins[${i}].on`, "is missing", "give the join condition, e.g. orders.customer_id = customers.id"));
  });
  return problems;
}

/**
 * The view of a model table: its rows with each dimension as a column (and
 * its primary key), so SQL clients see the model's vocabulary.
 */
export function tableViewSql(model: SemanticModel, table: string): string {
  const t = model.tables[table]!;
  const keys = primaryKey(t).filter((k) => !Object.keys(t.dimensions ?? {}).includes(k));
  const columns = [
    ...keys.map((k) => `${q(table)}.${q(k)} AS ${q(k)}`),
    ...Object.entries(t.dimensions ?? {}).map(([name, d]) => `${dimensionSql(table, name, d)} AS ${q(name)}`),
  ];
  return `SELECT ${columns.join(", ")} FROM ${source(table, t)}`;
}
