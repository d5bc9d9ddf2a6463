// Workflow -> Argo WorkflowTemplate + CronWorkflow (argoproj.io/v1alpha1,
// Argo v4 field names). Pure: unit-tested without Pulumi. The local runner
// executes this same compiled spec (runner.ts), so Kubernetes and the local
// target cannot disagree on what a Workflow means.
import { type QualityPlan, TRINO_CA_DIRECTORY, TRINO_LOGIN_MOUNTS, TRINO_TOKEN_DIRECTORY, trinoLoginVolumes } from "@strata/core-kernel";

/** Annotations the compiler puts on each step template; the local runner reads them. */
export const STEP_KIND_ANNOTATION = "strata.dev/step-kind";
/** The SQL statements of a `sql` step, as a JSON array (the script source joins them for the Trino CLI). */
export const STATEMENTS_ANNOTATION = "strata.dev/statements";
/** The quality plan of a `check` step (a Contract's compiled checks), as JSON: the local runner runs it. */
export const QUALITY_PLAN_ANNOTATION = "strata.dev/quality-plan";

/** The DAG template's name: the workflow's entry point. */
export const ENTRYPOINT = "main";

export type ConcurrencyPolicy = "Allow" | "Forbid" | "Replace";
export type RetryPolicy = "OnFailure" | "Always";

/** Retries of a step, as Argo's retryStrategy. */
export interface StepRetry {
  /** Retries after the first attempt. */
  limit: number;
  /** `OnFailure`: retry when the step ran and failed; `Always`: also when it could not run (an error). @default "OnFailure" */
  policy?: RetryPolicy;
  backoff?: {
    /** Delay before the first retry, a duration such as `"5s"`. */
    duration: string;
    /** Each further delay is the previous one times this. @default 2 */
    factor?: number;
    /** No retry starts later than this after the first attempt began. @default no limit */
    maxDuration?: string;
  };
}

/** One step, resolved: what the compiler needs, plain data. */
export type PlannedStep = {
  name: string;
  dependencies: string[];
  retry?: StepRetry;
  /** Seconds one attempt may run. */
  timeoutSeconds?: number;
} & (
  | { kind: "sql"; statements: string[]; trino: { server: string; user: string; image: string } }
  /** A Contract's checks, run as the Contract's user; a failed blocking rule fails the step. */
  | { kind: "check"; plan: QualityPlan; trino: { server: string; user: string; image: string } }
  | {
      kind: "command";
      image: string;
      command: string[];
      /** Absolute working directory. */
      workingDir?: string;
      env: Record<string, string>;
      /** Environment variable -> Kubernetes Secret holding it (key `value`). */
      secretEnv: Record<string, { secret: string; key: string }>;
    }
);

/** A Workflow, resolved for the compiler. */
export interface WorkflowPlan {
  /** Kubernetes object name of both objects. */
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  steps: PlannedStep[];
  schedules: string[];
  timezone: string;
  concurrency: ConcurrencyPolicy;
  parallelism?: number;
  timeoutSeconds?: number;
  suspend: boolean;
  serviceAccountName?: string;
  /** Labels of every pod of a run (Kubernetes: what NetworkPolicies select). */
  podLabels?: Record<string, string>;
  /** Kubernetes: WorkflowTemplates (same namespace) to start after each successful run, by an exit handler. */
  downstream?: string[];
  /**
   * Kubernetes: how sql and check steps log in to the Cluster: a projected
   * token of the run's service account bound to the Cluster's audience, and
   * the ConfigMap (same namespace, key `ca.crt`) of the authority its certificate is checked against.
   */
  trinoLogin?: { tokenAudience: string; caConfigMap: string };
}

/** Prefix of the templates the compiler adds; refused as a step name. */
export const RESERVED_PREFIX = "strata-";
const EXIT_HANDLER = `${RESERVED_PREFIX}after`;

export interface ArgoRetryStrategy {
  limit: number;
  retryPolicy: RetryPolicy;
  backoff?: { duration: string; factor: number; maxDuration?: string };
}

export interface ArgoDagTask {
  name: string;
  template: string;
  depends?: string;
}

export interface ArgoEnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}

export interface ArgoStep {
  name: string;
  template: string;
  when?: string;
}

export interface ArgoTemplate {
  name: string;
  /** The exit handler: groups of steps (each group runs in parallel). */
  steps?: ArgoStep[][];
  resource?: { action: "create"; manifest: string };
  metadata?: { annotations: Record<string, string> };
  /** `failFast: false`: a failed step stops only its own downstream steps; independent branches run on. */
  dag?: { tasks: ArgoDagTask[]; failFast?: boolean };
  script?: { image: string; command: string[]; source: string; volumeMounts?: ArgoVolumeMount[] };
  container?: { image: string; command: string[]; args: string[]; env: ArgoEnvVar[]; workingDir?: string };
  retryStrategy?: ArgoRetryStrategy;
  activeDeadlineSeconds?: number;
}

export interface ArgoVolumeMount {
  name: string;
  mountPath: string;
  readOnly: boolean;
}

export type ArgoVolume =
  | { name: string; projected: { sources: { serviceAccountToken: { audience: string; expirationSeconds: number; path: string } }[] } }
  | { name: string; configMap: { name: string } };

export interface ArgoWorkflowSpec {
  entrypoint: string;
  volumes?: ArgoVolume[];
  templates: ArgoTemplate[];
  parallelism?: number;
  activeDeadlineSeconds?: number;
  serviceAccountName?: string;
  podMetadata?: { labels: Record<string, string> };
  onExit?: string;
}

export interface ArgoWorkflowTemplate {
  apiVersion: "argoproj.io/v1alpha1";
  kind: "WorkflowTemplate";
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  spec: ArgoWorkflowSpec;
}

export interface ArgoCronWorkflow {
  apiVersion: "argoproj.io/v1alpha1";
  kind: "CronWorkflow";
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  spec: {
    schedules: string[];
    timezone: string;
    concurrencyPolicy: ConcurrencyPolicy;
    suspend: boolean;
    workflowSpec: { workflowTemplateRef: { name: string } };
  };
}

export interface CompiledWorkflow {
  template: ArgoWorkflowTemplate;
  /** Absent when the workflow has no schedule (it runs on demand or after another). */
  cron?: ArgoCronWorkflow;
}

/** Argo's `depends` for "every one of these succeeded" (a skipped dependency does not count as success). */
export function dependsExpression(dependencies: string[]): string | undefined {
  if (dependencies.length === 0) return undefined;
  return [...dependencies]
    .sort()
    .map((d) => `${d}.Succeeded`)
    .join(" && ");
}

/** The dependencies named by a `depends` expression this compiler wrote; anything else is refused. */
export function parseDepends(expression: string | undefined): string[] {
  if (expression === undefined || expression.trim() === "") return [];
  return expression.split("&&").map((part) => {
    const match = /^\s*([a-z][a-z0-9-]*)\.Succeeded\s*$/.exec(part);
    if (!match) throw new Error(`depends "${expression}" is not a conjunction of <task>.Succeeded`);
    return match[1]!;
  });
}

/** Single-quoted for sh. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The Trino CLI for a script step (Argo saves the script to a file and
 * appends its path to the command). With a login, a shell reads the pod's
 * projected token at run time, so the token is in no spec and no argument
 * list Argo keeps, and the CLI checks the server against the Cluster's authority.
 */
function trinoCommand(
  trino: { server: string; user: string; image: string },
  login: WorkflowPlan["trinoLogin"],
): { image: string; command: string[]; volumeMounts?: ArgoVolumeMount[] } {
  const cli = ["trino", `--server=${trino.server}`, `--user=${trino.user}`];
  if (login === undefined) return { image: trino.image, command: [...cli, "--file"] };
  const script = [
    "exec",
    ...cli.map(shellQuote),
    shellQuote(`--truststore-path=${TRINO_CA_DIRECTORY}/ca.crt`),
    `--access-token="$(cat ${TRINO_TOKEN_DIRECTORY}/token)"`,
    '--file "$0"',
  ].join(" ");
  return {
    image: trino.image,
    command: ["sh", "-c", script],
    volumeMounts: TRINO_LOGIN_MOUNTS,
  };
}

function compileStep(step: PlannedStep, login: WorkflowPlan["trinoLogin"]): ArgoTemplate {
  const template: ArgoTemplate = { name: step.name, metadata: { annotations: { [STEP_KIND_ANNOTATION]: step.kind } } };
  if (step.kind === "sql") {
    template.metadata!.annotations[STATEMENTS_ANNOTATION] = JSON.stringify(step.statements);
    // Argo saves `source` to a file and appends its path to the command: the Trino CLI runs it with --file.
    template.script = {
      ...trinoCommand(step.trino, login),
      source: step.statements.map((s) => `${s.trim().replace(/;\s*$/, "")};`).join("\n"),
    };
  } else if (step.kind === "check") {
    template.metadata!.annotations[QUALITY_PLAN_ANNOTATION] = JSON.stringify(step.plan);
    // The plan's queries; their thresholds are evaluated by the local runner (check steps run on the local target).
    template.script = {
      ...trinoCommand(step.trino, login),
      source: step.plan.queries.map((q) => `${q.sql};`).join("\n"),
    };
  } else {
    const env: ArgoEnvVar[] = [
      ...Object.keys(step.env)
        .sort()
        .map((name) => ({ name, value: step.env[name] })),
      ...Object.keys(step.secretEnv)
        .sort()
        .map((name) => ({ name, valueFrom: { secretKeyRef: { name: step.secretEnv[name]!.secret, key: step.secretEnv[name]!.key } } })),
    ];
    template.container = {
      image: step.image,
      command: step.command.slice(0, 1),
      args: step.command.slice(1),
      env,
      ...(step.workingDir === undefined ? {} : { workingDir: step.workingDir }),
    };
  }
  if (step.retry !== undefined) {
    const strategy: ArgoRetryStrategy = { limit: step.retry.limit, retryPolicy: step.retry.policy ?? "OnFailure" };
    const backoff = step.retry.backoff;
    if (backoff !== undefined) {
      strategy.backoff = {
        duration: backoff.duration,
        factor: backoff.factor ?? 2,
        ...(backoff.maxDuration === undefined ? {} : { maxDuration: backoff.maxDuration }),
      };
    }
    template.retryStrategy = strategy;
  }
  if (step.timeoutSeconds !== undefined) template.activeDeadlineSeconds = step.timeoutSeconds;
  return template;
}

/** Compiles a workflow into Argo objects. Steps keep their given order; dependencies are sorted. */
export function compileWorkflow(plan: WorkflowPlan): CompiledWorkflow {
  const metadata = { name: plan.name, ...(plan.namespace === undefined ? {} : { namespace: plan.namespace }), labels: plan.labels };
  const dag: ArgoTemplate = {
    name: ENTRYPOINT,
    dag: {
      failFast: false,
      tasks: plan.steps.map((s) => {
        const depends = dependsExpression(s.dependencies);
        return { name: s.name, template: s.name, ...(depends === undefined ? {} : { depends }) };
      }),
    },
  };
  const spec: ArgoWorkflowSpec = { entrypoint: ENTRYPOINT, templates: [dag, ...plan.steps.map((s) => compileStep(s, plan.trinoLogin))] };
  if (plan.trinoLogin !== undefined && plan.steps.some((s) => s.kind !== "command")) {
    spec.volumes = trinoLoginVolumes(plan.trinoLogin.tokenAudience, plan.trinoLogin.caConfigMap);
  }
  if (plan.parallelism !== undefined) spec.parallelism = plan.parallelism;
  if (plan.timeoutSeconds !== undefined) spec.activeDeadlineSeconds = plan.timeoutSeconds;
  if (plan.serviceAccountName !== undefined) spec.serviceAccountName = plan.serviceAccountName;
  if (plan.podLabels !== undefined) spec.podMetadata = { labels: plan.podLabels };
  const downstream = [...new Set(plan.downstream ?? [])].sort();
  if (downstream.length > 0) {
    // Argo has no "after another workflow" trigger: this one's exit handler starts them when it succeeded.
    spec.onExit = EXIT_HANDLER;
    spec.templates.push(
      {
        name: EXIT_HANDLER,
        steps: [
          downstream.map((d) => ({
            name: `start-${d}`,
            template: `${RESERVED_PREFIX}start-${d}`,
            when: "{{workflow.status}} == Succeeded",
          })),
        ],
      },
      ...downstream.map((d): ArgoTemplate => ({
        name: `${RESERVED_PREFIX}start-${d}`,
        resource: {
          action: "create",
          manifest: JSON.stringify({
            apiVersion: "argoproj.io/v1alpha1",
            kind: "Workflow",
            metadata: { generateName: `${d}-`, labels: { "strata.dev/trigger": `after-${plan.name}` } },
            spec: { workflowTemplateRef: { name: d } },
          }),
        },
      })),
    );
  }
  const template: ArgoWorkflowTemplate = { apiVersion: "argoproj.io/v1alpha1", kind: "WorkflowTemplate", metadata, spec };
  if (plan.schedules.length === 0) return { template };
  return {
    template,
    cron: {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "CronWorkflow",
      metadata,
      spec: {
        schedules: [...plan.schedules],
        timezone: plan.timezone,
        concurrencyPolicy: plan.concurrency,
        suspend: plan.suspend,
        workflowSpec: { workflowTemplateRef: { name: plan.name } },
      },
    },
  };
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * Seconds of an Argo duration: Go's form (`"90s"`, `"1m30s"`, `"2h"`, `"500ms"`)
 * or a bare number of seconds (`"5"`). Undefined when it is neither.
 */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== "string") return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let seconds = 0;
  for (const [, value, , unit] of text.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) seconds += Number(value) * UNIT_SECONDS[unit!]!;
  return seconds;
}
