import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  Cluster,
  Database,
  Depot,
  IssueCollector,
  type PostgresSource,
  type PrimitiveArgs,
  QualityCheck,
  type QualityPlan,
  type QualityReport,
  StrataComponent,
  type ValidationIssue,
  onKubernetes,
  platformIssues,
  primitiveAddress,
} from "@strata/core-kernel";
import { compileContract, contractDocumentation } from "./compile.js";
import { type DocumentPath, type LocatedDocument, type OdcsDocument, odcsSchemaProblems, readContractFile, showPath } from "./odcs.js";

export type { OdcsDocument, OdcsProperty, OdcsQuality, OdcsSchemaObject, OdcsSlaProperty } from "./odcs.js";

/** Arguments of a {@link Contract}. */
export interface ContractArgs extends PrimitiveArgs {
  /** The data contract, in the Open Data Contract Standard v3.1 (the standard's field names). */
  document: OdcsDocument;
  /** The Depot (Trino catalog) holding the contract's tables. */
  depot: Depot;
  /** The Cluster the checks run on (it must serve the depot). */
  cluster: Cluster;
  /** Trino schema of tables whose `physicalName` names none. @default none: every physicalName is `schema.table` */
  schema?: string;
  /**
   * `block`: a failed rule fails the deployment (and a Workflow's check step,
   * and `strata check`), unless its severity is info or warning; `warn`: every
   * failed rule is reported and nothing stops. @default "block"
   */
  enforcement?: "block" | "warn";
  /**
   * The same for the service levels (`latency`, `freshness`): stale data
   * often calls for a page rather than a stopped deployment. @default enforcement
   */
  slaEnforcement?: "block" | "warn";
  /**
   * Run the checks at every preview and `up` (a blocking failure stops the
   * deployment before anything that depends on the Contract). Turn it off for
   * a table a Workflow builds after the deployment: check it from the
   * Workflow's `check` step, or with `strata check`. @default true
   */
  checkOnDeploy?: boolean;
  /** The Trino user the checks run as: grant it read access with a Policy (without masks). @default `contract-<name>` */
  user?: string;
  /** The Database keeping every report (schema `strata_quality`), e.g. a Workflow's runs Database. @default none */
  history?: Database;
}

/** Where a document came from, to locate problems as file:line:column. */
type Source = Pick<LocatedDocument, "locate"> | undefined;

const ENFORCEMENTS = ["block", "warn"];

function valueAt(document: unknown, at: DocumentPath): unknown {
  let value = document;
  for (const segment of at) value = value && typeof value === "object" ? (value as Record<string | number, unknown>)[segment] : undefined;
  return value;
}

/** Checks the arguments (and the document against the ODCS schema and what Strata can run). Pure. */
export function validateContractArgs(name: string, args: ContractArgs, source?: Source): ValidationIssue[] {
  const checks = new IssueCollector("Contract", name);
  const field = (p: DocumentPath) => (source ? `${source.locate(p)} document.${showPath(p)}` : `document.${showPath(p)}`);
  if (!(args.depot instanceof Depot))
    checks.add("depot", typeof args.depot, "is not a Depot", "pass the Depot holding the contract's tables");
  if (!(args.cluster instanceof Cluster))
    checks.add("cluster", typeof args.cluster, "is not a Cluster", "pass the Cluster the checks run on");
  else if (args.depot instanceof Depot && !args.cluster.catalogs.includes(args.depot.catalogName))
    checks.add(
      "depot",
      args.depot.catalogName,
      "is not served by the Cluster",
      `add it to the Cluster's depots (${args.cluster.catalogs.join(", ")})`,
    );
  for (const field of ["enforcement", "slaEnforcement"] as const)
    if (args[field] !== undefined && !ENFORCEMENTS.includes(args[field]))
      checks.add(field, args[field], "is not an enforcement", 'use "block" or "warn"');
  if (args.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(args.schema))
    checks.add("schema", args.schema, "is not a Trino schema name", "use lower-case letters, digits and _");
  if (args.user !== undefined && !/^[A-Za-z0-9_.@-]+$/.test(args.user))
    checks.add("user", args.user, "is not a valid user name", 'use letters, digits, ".", "_", "@" or "-"');
  if (args.history !== undefined && !(args.history instanceof Database))
    checks.add("history", typeof args.history, "is not a Database", "pass the Database keeping the reports");
  if (args.document === null || typeof args.document !== "object") {
    checks.add("document", args.document, "is not a data contract", "give an ODCS v3.1 document, or use Contract.fromFile");
    return checks.issues;
  }
  // A document from a file was checked against the schema when read; one written in the program is checked here.
  if (!source)
    for (const p of odcsSchemaProblems(args.document))
      checks.add(field(p.path), valueAt(args.document, p.path), p.message, "follow the ODCS v3.1 schema");
  if (checks.issues.length > 0) return checks.issues;
  const compiled = compileContract(name, args.document, {
    catalog: args.depot.catalogName,
    ...(args.schema === undefined ? {} : { schema: args.schema }),
    enforcement: args.enforcement ?? "block",
    ...(args.slaEnforcement === undefined ? {} : { slaEnforcement: args.slaEnforcement }),
  });
  for (const p of compiled.problems) checks.add(field(p.path), p.value, p.problem, p.fix);
  return checks.issues;
}

/** What a Contract is made of on its target (the escape hatch). */
export type ContractNative =
  /** Local: the check run at every preview and up (absent with `checkOnDeploy: false`). */
  { kind: "local"; check?: QualityCheck };

/**
 * A data contract in the Open Data Contract Standard v3.1 on the tables of
 * a Depot: schema (columns, logical types, required, unique, primary key),
 * quality rules (library metrics, SQL rules) and the latency SLA. A pure
 * compiler turns it into one aggregate query per table (plus one per
 * duplicate key set of several columns and one per SQL rule), run on the
 * Cluster as the contract's own user; thresholds are evaluated in Strata.
 *
 * On the local target the checks run at every preview and `up`: a failed
 * blocking rule fails them with a report (dataset, rule, expected,
 * observed), and nothing that depends on the Contract is created. An `up`
 * where some rule's status changed is an update of the Contract: its report
 * becomes the `report` output and is kept in the `history` Database (an `up`
 * where nothing changed changes nothing). A Workflow's `check` step and `strata check` run the
 * same plan. (On Kubernetes targets, Contracts are refused at preview in
 * this version: the checks need the Cluster reachable from the deployment.)
 *
 * @example
 * const orders = Contract.fromFile("orders", "contracts/orders.odcs.yaml", { depot: warehouse.depot, cluster, schema: "public" });
 */
export class Contract extends StrataComponent {
  /** The compiled checks (plain data: `strata check` and Workflow check steps run them). */
  readonly plan: QualityPlan;
  /** The Trino user the checks run as. */
  readonly user: string;
  /** The Database keeping reports, if any. */
  readonly history?: Database;
  readonly cluster: Cluster;
  /** `block` or `warn`. */
  readonly enforcement: "block" | "warn";
  /** The report of the last deployment that changed a rule's status (local target, with checkOnDeploy). */
  readonly report?: pulumi.Output<QualityReport>;
  readonly native: ContractNative;

  /** Reads an ODCS YAML file (problems located as file:line:column) and declares its Contract. */
  static fromFile(name: string, file: string, args: Omit<ContractArgs, "document">, opts?: pulumi.ComponentResourceOptions): Contract {
    const located = readContractFile(path.resolve(file));
    return new Contract(name, { ...args, document: located.document }, opts, located);
  }

  constructor(name: string, args: ContractArgs, opts?: pulumi.ComponentResourceOptions, source?: LocatedDocument) {
    super({ layer: "user", kind: "Contract" }, name, args, opts, (platform) => [
      ...validateContractArgs(name, args, source),
      ...(onKubernetes(platform.context.target)
        ? [
            {
              primitive: "Contract",
              name,
              field: "strata:target",
              value: platform.context.target,
              problem: "cannot run contract checks in this version (they run on the local target)",
              fix: "deploy Contracts with the local target",
            } as ValidationIssue,
          ]
        : []),
      ...platformIssues("Contract", name, platform),
    ]);
    this.user = args.user ?? `contract-${name}`;
    this.history = args.history;
    this.cluster = args.cluster;
    this.enforcement = args.enforcement ?? "block";
    this.plan = compileContract(name, args.document, {
      catalog: args.depot.catalogName,
      ...(args.schema === undefined ? {} : { schema: args.schema }),
      enforcement: this.enforcement,
      ...(args.slaEnforcement === undefined ? {} : { slaEnforcement: args.slaEnforcement }),
    }).plan;
    // Its own identity, for the checks at deployment and for `strata check` later.
    const account = args.cluster.serviceAccount(this.user, "Contract", name);
    let check: QualityCheck | undefined;
    if (args.checkOnDeploy !== false) {
      const children = this.childFactory();
      const history = args.history;
      const source = history?.depot.source as PostgresSource | undefined;
      check = new QualityCheck(
        children.name("check"),
        {
          plan: this.plan,
          trino: account.login,
          ...(history && source
            ? {
                history: pulumi.all([history.host, history.port]).apply(([host, port]) => ({
                  psql: path.join(children.platform.context.tools.postgresBin, "psql"),
                  host,
                  port,
                  database: history.databaseName,
                  user: history.ownerRole,
                  ...(typeof source.tls === "object" ? { caFile: source.tls.caFile } : {}),
                })),
                password: source.password.value,
              }
            : {}),
        },
        // After the Cluster (its access rules in effect) and the history Database.
        children.options({ dependsOn: [args.cluster, ...(history ? [history] : [])] }),
      );
      this.report = check.report;
    }
    this.native = { kind: "local", ...(check ? { check } : {}) };
    this.finish(
      {
        datasets: this.plan.datasets,
        user: this.user,
        enforcement: this.enforcement,
        // What `strata check` runs, from the stack's state alone.
        plan: this.plan,
        // What it says of its tables and columns, for the console.
        documentation: contractDocumentation(args.document, {
          catalog: args.depot.catalogName,
          ...(args.schema === undefined ? {} : { schema: args.schema }),
        }),
        endpoint: args.cluster.endpoint,
        passwordFile: account.password.reference,
        caFile: account.login.caFile,
        ...(this.report ? { report: this.report } : {}),
        // Where its reports are kept (the owner's password file, never the password), for the console's charts.
        ...historyOutput(args.history),
      },
      {
        inputs: this.plan.datasets
          .map((d) => `strata://${d.replace(/\./g, "/")}`)
          .concat(primitiveAddress("Cluster", args.cluster.resourceName)),
      },
    );
  }
}

/** The history Database's address and the reference of its owner's password (a file on the local target). */
function historyOutput(history: Database | undefined): Record<string, unknown> {
  const source = history?.depot.source as PostgresSource | undefined;
  if (!history || !source) return {};
  return {
    history: {
      host: history.host,
      port: history.port,
      database: history.databaseName,
      user: history.ownerRole,
      passwordFile: source.password.reference,
      ...(typeof source.tls === "object" ? { caFile: source.tls.caFile } : {}),
    },
  };
}

export { compileContract, contractDocumentation, type ContractDocumentation, LOGICAL_TYPES, NON_BLOCKING_SEVERITIES } from "./compile.js";
export { ContractDocumentError, ODCS_SCHEMA_FILE, odcsSchemaProblems, readContractFile } from "./odcs.js";
