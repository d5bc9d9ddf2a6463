import * as pulumi from "@pulumi/pulumi";
import {
  Cluster,
  Database,
  type customObject,
  type egressPolicy,
  type LocalFile,
  type LocalProcess,
  type PrimitiveArgs,
  Secret,
  StrataComponent,
  type Workspace,
  type ValidationIssue,
  IssueCollector,
  onKubernetes,
  platformIssues,
  primitiveAddress,
} from "@strata/core-kernel";
import type { ConcurrencyPolicy, StepRetry } from "./compile.js";
import { Contract } from "../contract/index.js";
import { deployWorkflowOnKubernetes } from "./kubernetes.js";
import { deployWorkflowLocally } from "./local.js";
import { validateWorkflowArgs } from "./validate.js";

export type { ConcurrencyPolicy, RetryPolicy, StepRetry } from "./compile.js";

interface StepBase {
  /** Step name: lower-case letters, digits and -, unique in the workflow. */
  name: string;
  /** Steps that must succeed first. A failed or skipped dependency skips this step. @default [] */
  dependencies?: string[];
  /** Retries after a failed attempt. @default no retry */
  retry?: StepRetry;
  /** How long one attempt may run, a duration such as `"10m"`. @default no limit */
  timeout?: string;
}

/** SQL statements run in order on the Workflow's Cluster, as the Workflow's own Trino user (Policies apply to it). */
export interface SqlStep extends StepBase {
  kind: "sql";
  sql: string | string[];
}

/**
 * A program with arguments. Secrets reach it as environment variables, never
 * on a command line. On the local target the program runs on this machine;
 * on Kubernetes targets in `image`.
 */
export interface CommandStep extends StepBase {
  kind: "command";
  /** The program and its arguments, e.g. `["python3", "load.py"]`. */
  command: string[];
  /** Kubernetes targets: the container image. */
  image?: string;
  /** Absolute directory the program runs in. @default the image's (Kubernetes); the run's log folder (local) */
  workingDir?: string;
  /** Plain environment variables. @default {} */
  env?: Record<string, string>;
  /** Environment variables holding Secrets' values. @default {} */
  secrets?: Record<string, Secret>;
}

/**
 * Runs a Contract's checks on its Cluster, as the Contract's user: a failed
 * blocking rule fails the step (and skips the steps after it). The report is
 * the step's log, is kept in the runs Database (schema `strata_quality`) and
 * reaches lineage as the dataQualityAssertions facet of the checked tables.
 * Local target only in this version.
 */
export interface CheckStep extends StepBase {
  kind: "check";
  contract: Contract;
}

export type WorkflowStep = SqlStep | CommandStep | CheckStep;

/** Arguments of a {@link Workflow}. */
export interface WorkflowArgs extends PrimitiveArgs {
  /** The DAG: steps and their dependencies. */
  steps: WorkflowStep[];
  /** The Cluster `sql` steps run on. Required when there is a `sql` step. */
  cluster?: Cluster;
  /**
   * The Trino user `sql` steps run as: name it in Policies to grant the workflow access.
   * @default `workflow-<name>`
   */
  user?: string;
  /** Cron expressions (five fields) starting runs. @default [] (runs on demand or after another workflow) */
  schedules?: string[];
  /** IANA time zone of the schedules. @default "UTC" */
  timezone?: string;
  /** What a due run does while another runs: start anyway, be skipped, or stop the running one. @default "Forbid" */
  concurrency?: ConcurrencyPolicy;
  /** Steps running at once. @default no limit */
  parallelism?: number;
  /** How long a whole run may take, a duration such as `"2h"`. @default no limit */
  timeout?: string;
  /** Starts no scheduled run while true (manual runs still start). @default false */
  suspend?: boolean;
  /** Runs after each successful run of these workflows (same runs Database). @default [] */
  after?: Workflow[];
  /**
   * Kubernetes targets: the Workspace whose namespace holds the Argo objects
   * and whose service account runs the steps. @default the platform's namespace
   */
  workspace?: Workspace;
  /**
   * Local target: the Database recording runs and step attempts (schema
   * `strata_runs`); workflows may share one. Kubernetes targets keep runs in
   * Argo and ignore it.
   */
  runs?: Database;
}

/** Checks what needs other primitives or the target; the rest is {@link validateWorkflowArgs}. */
export function validateWorkflowReferences(name: string, args: WorkflowArgs, kubernetes: boolean): ValidationIssue[] {
  const checks = new IssueCollector("Workflow", name);
  const steps = Array.isArray(args.steps) ? args.steps : [];
  if (steps.some((s) => s?.kind === "sql") && !(args.cluster instanceof Cluster))
    checks.add(
      "cluster",
      args.cluster === undefined ? undefined : typeof args.cluster,
      "is not a Cluster",
      "pass the Cluster its sql steps run on",
    );
  steps.forEach((step, i) => {
    if (step?.kind !== "check") return;
    if (kubernetes)
      checks.add(
        `steps[${i}].kind`,
        "check",
        "runs on the local target only in this version",
        "check the contract with `strata check` after the run",
      );
    else if (!(step.contract instanceof Contract))
      checks.add(`steps[${i}].contract`, typeof step.contract, "is not a Contract", "pass a Contract of this program");
    else if (step.contract.history !== undefined && step.contract.history !== args.runs)
      checks.add(
        `steps[${i}].contract`,
        step.contract.resourceName,
        "keeps its history in another Database than the workflow's runs",
        "give the Contract the workflow's runs Database as history",
      );
  });
  steps.forEach((step, i) => {
    if (step?.kind !== "command") return;
    for (const [variable, secret] of Object.entries(step.secrets ?? {}))
      if (!(secret instanceof Secret))
        checks.add(`steps[${i}].secrets.${variable}`, typeof secret, "is an unknown Secret", "pass a Secret created in this program");
  });
  if (!kubernetes && !(args.runs instanceof Database))
    checks.add(
      "runs",
      args.runs === undefined ? undefined : typeof args.runs,
      "is not a Database",
      "pass the Database that records runs on the local target",
    );
  (args.after ?? []).forEach((upstream, i) => {
    if (!(upstream instanceof Workflow)) checks.add(`after[${i}]`, typeof upstream, "is not a Workflow", "pass a Workflow of this program");
    else if (!kubernetes && upstream.runs !== args.runs)
      checks.add(
        `after[${i}]`,
        upstream.resourceName,
        "records its runs in another Database",
        "give both workflows the same runs Database",
      );
  });
  // On Kubernetes the upstream's exit handler starts this one, as its Workspace's service account (allowed to create workflows there).
  (args.after ?? []).forEach((upstream, i) => {
    if (!kubernetes || !(upstream instanceof Workflow)) return;
    if (args.workspace === undefined)
      checks.add(
        "after",
        upstream.resourceName,
        "needs this workflow in a Workspace on Kubernetes targets",
        "give both workflows the same workspace",
      );
    else if (upstream.workspace !== args.workspace)
      checks.add(`after[${i}]`, upstream.resourceName, "is in another Workspace", "give both workflows the same workspace");
  });
  if (args.user !== undefined && !/^[A-Za-z0-9_.@-]+$/.test(args.user))
    checks.add("user", args.user, "is not a valid user name", 'use letters, digits, ".", "_", "@" or "-"');
  return checks.issues;
}

/** What a Workflow is made of on its target (the escape hatch). */
export type WorkflowNative =
  /** Local: the compiled spec's file and the scheduler process running it. */
  | { kind: "local"; spec: LocalFile; scheduler: LocalProcess; folder: string }
  /** Kubernetes targets: Argo's WorkflowTemplate and, when scheduled, CronWorkflow. */
  | {
      kind: "kubernetes";
      template: ReturnType<typeof customObject>;
      cron?: ReturnType<typeof customObject>;
      /** In a Workspace, with sql steps: its runs' pods may reach the Cluster's Trino (beyond DNS). */
      egress?: ReturnType<typeof egressPolicy>;
    };

/**
 * A DAG of steps (SQL on a Cluster, programs, contract checks) with
 * retries, timeouts, schedules and triggers. One pure compiler turns it into
 * an Argo WorkflowTemplate and CronWorkflow (compile.ts): on Kubernetes
 * targets those objects are created in its namespace (kubernetes.ts); on the
 * local target a supervised scheduler process executes the same compiled
 * spec with Argo's semantics and records every run and step attempt in the
 * runs Database (local.ts, runner.ts, scheduler.ts).
 *
 * @example
 * new Workflow("daily-revenue", {
 *   cluster, runs: metadata, schedules: ["0 2 * * *"], timezone: "Europe/Paris",
 *   steps: [{ name: "build", kind: "sql", sql: "CREATE OR REPLACE TABLE lake.sales.daily AS SELECT ..." }],
 * });
 */
export class Workflow extends StrataComponent {
  /** The Trino user its sql steps run as. */
  readonly user: string;
  /** The Database recording its runs (local target). */
  readonly runs?: Database;
  /** Names of its steps, in the given order. */
  readonly stepNames: string[];
  /** The Workspace it runs in (Kubernetes targets). */
  readonly workspace?: Workspace;
  /** Workflows declared with `after: [this]`; complete once the program has declared everything. */
  readonly downstream: Workflow[] = [];
  /** What it is made of on its target (escape hatch). */
  readonly native: WorkflowNative;

  constructor(name: string, args: WorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "user", kind: "Workflow" }, name, args, opts, (platform) => {
      const kubernetes = onKubernetes(platform.context.target);
      return [
        ...validateWorkflowArgs(name, args, { kubernetes }),
        ...validateWorkflowReferences(name, args, kubernetes),
        ...platformIssues("Workflow", name, platform),
      ];
    });
    this.user = args.user ?? `workflow-${name}`;
    this.runs = args.runs;
    this.workspace = args.workspace;
    for (const upstream of args.after ?? []) upstream.downstream.push(this);
    this.stepNames = args.steps.map((s) => s.name);
    const deployed = onKubernetes(this.context.target)
      ? deployWorkflowOnKubernetes(this.childFactory(), name, args, this.user, () => this.downstream.map((w) => w.resourceName))
      : deployWorkflowLocally(this.childFactory(), name, args, this.user);
    this.native = deployed.native;
    const sqlSteps = args.steps.filter((s) => s.kind === "sql");
    const contracts = args.steps.flatMap((s) => (s.kind === "check" ? [primitiveAddress("Contract", s.contract.resourceName)] : []));
    this.finish(
      { user: this.user, steps: this.stepNames, schedules: args.schedules ?? [], timezone: args.timezone ?? "UTC" },
      { inputs: [...(sqlSteps.length > 0 && args.cluster ? [primitiveAddress("Cluster", args.cluster.resourceName)] : []), ...contracts] },
    );
  }
}

export { compileWorkflow, parseDuration } from "./compile.js";
export { cronProblem, findCycle, isTimeZone, validateWorkflowArgs } from "./validate.js";
