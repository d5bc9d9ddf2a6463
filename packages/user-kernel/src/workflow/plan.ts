// A Workflow's arguments resolved into the compiler's plain input, the same
// for every target (only where the objects go differs).
import { type PlannedStep, type WorkflowPlan, parseDuration } from "./compile.js";
import type { WorkflowArgs } from "./index.js";

/** The Trino image named by compiled `sql` steps; the local runner runs their statements itself. */
export const TRINO_CLI_IMAGE = "trinodb/trino:476";

/** A step as the compiler needs it, on the local target (the Cluster's endpoint resolved). */
export function planStep(
  step: WorkflowArgs["steps"][number],
  trino: { server: string; user: string; image: string },
  checkServers: Record<string, string> = {},
): PlannedStep {
  const common = {
    name: step.name,
    dependencies: step.dependencies ?? [],
    ...(step.retry === undefined ? {} : { retry: step.retry }),
    ...(step.timeout === undefined ? {} : { timeoutSeconds: Math.ceil(parseDuration(step.timeout)!) }),
  };
  if (step.kind === "sql") return { ...common, kind: "sql", statements: typeof step.sql === "string" ? [step.sql] : step.sql, trino };
  if (step.kind === "command")
    return {
      ...common,
      kind: "command",
      image: step.image ?? "",
      command: step.command,
      ...(step.workingDir === undefined ? {} : { workingDir: step.workingDir }),
      env: step.env ?? {},
      // The Secret's own name: the Kubernetes Secret on Kubernetes targets, its file on the local target.
      secretEnv: Object.fromEntries(Object.entries(step.secrets ?? {}).map(([v, s]) => [v, { secret: s.resourceName, key: "value" }])),
    };
  // A check runs on its Contract's Cluster, as the Contract's user.
  return {
    ...common,
    kind: "check",
    plan: step.contract.plan,
    trino: { ...trino, server: checkServers[step.name] ?? trino.server, user: step.contract.user },
  };
}

/** The compiler's input for a Workflow: its steps resolved against its Cluster's endpoint, defaults applied. */
export function workflowPlan(
  name: string,
  args: WorkflowArgs,
  resolved: {
    server: string;
    user: string;
    labels: Record<string, string>;
    namespace?: string;
    serviceAccountName?: string;
    podLabels?: Record<string, string>;
    downstream?: string[];
    /** Step -> the endpoint of its Contract's Cluster (check steps). */
    checkServers?: Record<string, string>;
    /** Kubernetes: the run's login to the Cluster (its pods have one identity, the Workflow's: check steps run as it too). */
    trinoLogin?: WorkflowPlan["trinoLogin"];
  },
): WorkflowPlan {
  return {
    name,
    labels: resolved.labels,
    ...(resolved.namespace === undefined ? {} : { namespace: resolved.namespace }),
    steps: args.steps.map((s) => {
      const step = planStep(s, { server: resolved.server, user: resolved.user, image: TRINO_CLI_IMAGE }, resolved.checkServers);
      return step.kind === "check" && resolved.trinoLogin ? { ...step, trino: { ...step.trino, user: resolved.user } } : step;
    }),
    schedules: args.schedules ?? [],
    timezone: args.timezone ?? "UTC",
    concurrency: args.concurrency ?? "Forbid",
    suspend: args.suspend ?? false,
    ...(args.parallelism === undefined ? {} : { parallelism: args.parallelism }),
    ...(args.timeout === undefined ? {} : { timeoutSeconds: Math.ceil(parseDuration(args.timeout)!) }),
    ...(resolved.serviceAccountName === undefined ? {} : { serviceAccountName: resolved.serviceAccountName }),
    ...(resolved.podLabels === undefined ? {} : { podLabels: resolved.podLabels }),
    ...(resolved.downstream === undefined ? {} : { downstream: resolved.downstream }),
    ...(resolved.trinoLogin === undefined ? {} : { trinoLogin: resolved.trinoLogin }),
  };
}
