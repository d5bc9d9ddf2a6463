import type * as pulumi from "@pulumi/pulumi";
import {
  Cluster,
  Depot,
  IssueCollector,
  type PrimitiveArgs,
  StrataComponent,
  TrinoViews,
  type ValidationIssue,
  onKubernetes,
  platformIssues,
} from "@strata/core-kernel";
import { type MetricQuery, ModelError, type SemanticModel, compileMetricQuery, modelProblems, tableViewSql } from "./compile.js";

export type { Dimension, Measure, MetricFilter, MetricQuery, ModelJoin, ModelTable, SemanticModel, TimeGrain } from "./compile.js";

/** Arguments of a {@link Model}. */
export interface ModelArgs extends PrimitiveArgs, SemanticModel {
  /** The Cluster the views are created on (it must serve the depot and every table's catalog). */
  cluster: Cluster;
  /** The lakehouse Depot holding the views. */
  depot: Depot;
  /** Schema of the views in the depot. @default the model's name, `-` as `_` */
  schema?: string;
  /** Declared metric views: view name -> the metric query it shows. @default {} */
  metrics?: Record<string, MetricQuery>;
  /** The Trino user owning the views: a Policy must grant it `all` on the depot and read on the tables. @default `model-<name>` */
  user?: string;
}

/** Checks the arguments, the model and every declared metric. Pure. */
export function validateModelArgs(name: string, args: ModelArgs, kubernetes: boolean): ValidationIssue[] {
  const checks = new IssueCollector("Model", name);
  if (kubernetes)
    checks.add(
      "strata:target",
      "kubernetes",
      "cannot create a Model's views in this version (they are created on the local target)",
      "deploy Models with the local target",
    );
  if (!(args.cluster instanceof Cluster))
    checks.add("cluster", typeof args.cluster, "is not a Cluster", "pass the Cluster the views are created on");
  if (!(args.depot instanceof Depot))
    checks.add("depot", typeof args.depot, "is not a Depot", "pass the lakehouse Depot holding the views");
  else if (args.depot.source.kind !== "lakehouse")
    checks.add("depot", args.depot.catalogName, `is a ${args.depot.source.kind} depot, which cannot hold views`, "pass a lakehouse Depot");
  if (args.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(args.schema))
    checks.add("schema", args.schema, "is not a schema name", "use lower-case letters, digits and _");
  if (args.user !== undefined && !/^[A-Za-z0-9_.@-]+$/.test(args.user))
    checks.add("user", args.user, "is not a valid user name", 'use letters, digits, ".", "_", "@" or "-"');
  const issue = (e: ModelError) => checks.add(e.field, undefined, e.problem, e.fix);
  const model = { tables: args.tables, joins: args.joins };
  const problems = modelProblems(model);
  problems.forEach(issue);
  if (problems.length > 0) return checks.issues;
  if (args.cluster instanceof Cluster)
    for (const [table, t] of Object.entries(args.tables)) {
      const catalog = t.table?.split(".")[0];
      if (catalog !== undefined && !args.cluster.catalogs.includes(catalog))
        checks.add(
          `tables.${table}.table`,
          t.table,
          "is in a catalog the Cluster does not serve",
          `use one of ${args.cluster.catalogs.join(", ")}`,
        );
    }
  for (const [metric, query] of Object.entries(args.metrics ?? {})) {
    if (!/^[a-z][a-z0-9_]*$/.test(metric) || metric in args.tables)
      checks.add(`metrics.${metric}`, metric, "is not a free view name", "use lower-case letters, digits and _, not a table's name");
    try {
      compileMetricQuery(model, query);
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      checks.add(`metrics.${metric}.${error.field}`, undefined, error.problem, error.fix);
    }
  }
  return checks.issues;
}

/** What a Model is made of on its target (the escape hatch). */
export type ModelNative = { kind: "local"; views: TrinoViews };

/**
 * A semantic model over depot tables: tables (a depot table or a query, with
 * its primary key), dimensions (string, number, boolean, time), measures
 * (count, count_distinct, sum, avg, min, max, each with optional filters),
 * joins with their relationship, segments, and descriptions (a glossary).
 * `compileMetricQuery` turns measures by dimensions into Trino SQL that never
 * double counts across one-to-many joins and refuses an ambiguous join path.
 *
 * Deploying creates Trino views in the lakehouse depot under the model's
 * schema: one per table (its dimensions as columns) and one per declared
 * metric, `SECURITY INVOKER`, so any SQL client sees the model and a user's
 * Policies (masks, row filters) of the tables below still apply.
 *
 * @example
 * new Model("sales", { cluster, depot: lake, tables: { orders: { table: "warehouse.public.orders", primaryKey: "id", ... } }, ... });
 */
export class Model extends StrataComponent {
  /** The model (tables and joins), for metric queries. */
  readonly model: SemanticModel;
  /** `catalog.schema` of the views. */
  readonly viewSchema: string;
  /** The Trino user owning the views. */
  readonly user: string;
  readonly cluster: Cluster;
  /** Names of the views (tables, then metrics). */
  readonly views: pulumi.Output<string[]>;
  readonly native: ModelNative;

  constructor(name: string, args: ModelArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "user", kind: "Model" }, name, args, opts, (platform) => [
      ...validateModelArgs(name, args, onKubernetes(platform.context.target)),
      ...platformIssues("Model", name, platform),
    ]);
    this.model = { tables: args.tables, ...(args.joins === undefined ? {} : { joins: args.joins }) };
    this.user = args.user ?? `model-${name}`;
    this.cluster = args.cluster;
    const schema = args.schema ?? name.replace(/-/g, "_");
    this.viewSchema = `${args.depot.catalogName}.${schema}`;
    const views: Record<string, string> = {};
    for (const table of Object.keys(args.tables)) views[table] = tableViewSql(this.model, table);
    for (const [metric, query] of Object.entries(args.metrics ?? {})) views[metric] = compileMetricQuery(this.model, query);
    const children = this.childFactory();
    const created = new TrinoViews(
      children.name("views"),
      { trino: args.cluster.serviceAccount(this.user, "Model", name).login, catalog: args.depot.catalogName, schema, views },
      children.options({ dependsOn: [args.cluster, args.depot] }),
    );
    this.views = created.views;
    this.native = { kind: "local", views: created };
    const glossary = Object.fromEntries(
      Object.entries(args.tables).map(([table, t]) => [
        table,
        {
          ...(t.description === undefined ? {} : { description: t.description }),
          dimensions: Object.fromEntries(Object.entries(t.dimensions ?? {}).map(([d, v]) => [d, v.description ?? ""])),
          measures: Object.fromEntries(Object.entries(t.measures ?? {}).map(([m, v]) => [m, v.description ?? ""])),
        },
      ]),
    );
    this.finish(
      { viewSchema: this.viewSchema, views: this.views, user: this.user, glossary, model: this.model, endpoint: args.cluster.endpoint },
      { inputs: Object.values(args.tables).flatMap((t) => (t.table ? [`strata://${t.table.replace(/\./g, "/")}`] : [])) },
    );
  }

  /** The SQL of a metric query on this model. */
  metricQuery(query: MetricQuery): string {
    return compileMetricQuery(this.model, query);
  }
}

export { compileMetricQuery, joinPath, ModelError, modelProblems, tableViewSql, TIME_GRAINS } from "./compile.js";
export { ModelApi, type ModelApiArgs, validateModelApiArgs } from "./api.js";
export { openApiDocument } from "./openapi.js";
