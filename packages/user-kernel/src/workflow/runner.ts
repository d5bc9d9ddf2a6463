// Executes a compiled Argo WorkflowSpec with Argo's semantics: a DAG whose
// tasks start when their `depends` succeeded, are omitted when one did not,
// `failFast`, `parallelism`, retryStrategy (limit, retryPolicy, backoff with
// factor and maxDuration), per-attempt and whole-run activeDeadlineSeconds.
// What a step does is left to an executor, time to a clock, records to a
// recorder: all injected, so tests drive it without waiting for real time.
import { type ArgoTemplate, type ArgoWorkflowSpec, parseDepends, parseDuration } from "./compile.js";

/** How one attempt ended. `Failed`: it ran and failed; `Error`: it could not run (Argo's distinction, used by retryPolicy). */
export interface AttemptOutcome {
  status: "Succeeded" | "Failed" | "Error";
  message?: string;
  exitCode?: number;
  /** Rows written, where the engine reports them. */
  rowsWritten?: number;
}

export type StepStatus = "Succeeded" | "Failed" | "Error" | "Omitted" | "Stopped";
export type RunStatus = "Succeeded" | "Failed" | "Error" | "Stopped";

export interface AttemptContext {
  step: string;
  /** 0 for the first attempt. */
  attempt: number;
  /** Aborted when the attempt's deadline passes or the run is stopped. */
  signal: AbortSignal;
}

export interface StepExecutor {
  run(template: ArgoTemplate, context: AttemptContext): Promise<AttemptOutcome>;
}

export interface RunRecorder {
  attemptStarted(step: string, attempt: number, at: Date): Promise<void>;
  attemptFinished(step: string, attempt: number, at: Date, outcome: AttemptOutcome): Promise<void>;
  stepFinished(step: string, status: StepStatus, at: Date): Promise<void>;
}

export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    }),
};

export interface RunResult {
  status: RunStatus;
  message?: string;
  steps: Record<string, StepStatus>;
}

/** Delay before retry number `retry` (0 for the first retry), in ms: duration x factor^retry. */
export function backoffDelayMs(template: ArgoTemplate, retry: number): number {
  const backoff = template.retryStrategy?.backoff;
  if (!backoff) return 0;
  return (parseDuration(backoff.duration) ?? 0) * 1000 * (backoff.factor ?? 1) ** retry;
}

/** Whether an attempt's outcome may be retried under the template's retryPolicy. */
function retryable(template: ArgoTemplate, outcome: AttemptOutcome): boolean {
  if (outcome.status === "Succeeded") return false;
  const policy = template.retryStrategy?.retryPolicy ?? "OnFailure";
  return policy === "Always" || outcome.status === "Failed";
}

/** A counting semaphore for `parallelism`. */
class Slots {
  private readonly waiting: (() => void)[] = [];
  private free: number;

  constructor(limit: number | undefined) {
    this.free = limit ?? Number.POSITIVE_INFINITY;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** Runs one step: attempts with retries and backoff; returns its final status. */
async function runStep(
  template: ArgoTemplate,
  options: {
    executor: StepExecutor;
    recorder: RunRecorder;
    clock: Clock;
    signal: AbortSignal;
    slots: Slots;
    /** Asked once a slot is free for the first attempt: false when fail-fast has stopped new steps meanwhile. */
    mayStart: () => boolean;
  },
): Promise<StepStatus> {
  const { executor, recorder, clock, signal, slots } = options;
  const limit = template.retryStrategy?.limit ?? 0;
  const maxDuration = template.retryStrategy?.backoff?.maxDuration;
  const maxMs = maxDuration === undefined ? undefined : parseDuration(maxDuration)! * 1000;
  const firstStart = clock.now().getTime();
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) return "Stopped";
    await slots.acquire();
    let outcome: AttemptOutcome;
    try {
      if (signal.aborted) return "Stopped";
      if (attempt === 0 && !options.mayStart()) return "Omitted";
      const deadline = new AbortController();
      const stop = () => deadline.abort();
      signal.addEventListener("abort", stop, { once: true });
      const timer =
        template.activeDeadlineSeconds === undefined
          ? undefined
          : setTimeout(() => deadline.abort(new Error("deadline")), template.activeDeadlineSeconds * 1000);
      await recorder.attemptStarted(template.name, attempt, clock.now());
      try {
        outcome = await executor.run(template, { step: template.name, attempt, signal: deadline.signal });
      } catch (error) {
        outcome = { status: "Error", message: (error as Error).message };
      } finally {
        if (timer) clearTimeout(timer);
        signal.removeEventListener("abort", stop);
      }
      if (signal.aborted) outcome = { ...outcome, status: "Failed", message: "stopped: the run was stopped" };
      else if (deadline.signal.aborted && outcome.status !== "Succeeded")
        outcome = { ...outcome, status: "Failed", message: `exceeded its deadline of ${template.activeDeadlineSeconds}s` };
      await recorder.attemptFinished(template.name, attempt, clock.now(), outcome);
    } finally {
      slots.release();
    }
    if (outcome.status === "Succeeded") return "Succeeded";
    if (signal.aborted) return "Stopped";
    if (attempt >= limit || !retryable(template, outcome)) return outcome.status;
    // Argo: no retry once maxDuration has passed since the first attempt began.
    if (maxMs !== undefined && clock.now().getTime() - firstStart >= maxMs) return outcome.status;
    await clock.sleep(backoffDelayMs(template, attempt), signal);
  }
}

/**
 * Executes the entrypoint DAG of a compiled WorkflowSpec. A task starts when
 * every task it depends on Succeeded and is Omitted when one did not; with
 * `failFast` (Argo's default) a failure also stops new tasks from starting.
 * The run fails when a task failed, errs when one errored, and is Stopped
 * when `signal` aborts (the concurrency policy Replace, or its deadline).
 */
export async function executeWorkflow(
  spec: ArgoWorkflowSpec,
  options: { executor: StepExecutor; recorder: RunRecorder; clock: Clock; signal?: AbortSignal },
): Promise<RunResult> {
  const templates = new Map(spec.templates.map((t) => [t.name, t]));
  const dag = templates.get(spec.entrypoint)?.dag;
  if (!dag) throw new Error(`entrypoint ${spec.entrypoint} is not a DAG template`);
  const failFast = dag.failFast ?? true;
  const stop = new AbortController();
  const outer = options.signal;
  const onOuter = () => stop.abort();
  outer?.addEventListener("abort", onOuter, { once: true });
  let deadlinePassed = false;
  const deadline =
    spec.activeDeadlineSeconds === undefined
      ? undefined
      : setTimeout(() => {
          deadlinePassed = true;
          stop.abort();
        }, spec.activeDeadlineSeconds * 1000);
  const slots = new Slots(spec.parallelism);
  const status = new Map<string, StepStatus>();
  const running = new Map<string, Promise<void>>();
  const depends = new Map(dag.tasks.map((t) => [t.name, parseDepends(t.depends)]));
  let failed = false;
  try {
    for (;;) {
      for (const task of dag.tasks) {
        if (status.has(task.name) || running.has(task.name)) continue;
        const deps = depends.get(task.name)!;
        if (
          deps.some((d) => status.has(d) && status.get(d) !== "Succeeded") ||
          (stop.signal.aborted && !deps.some((d) => running.has(d)))
        ) {
          status.set(task.name, "Omitted");
          await options.recorder.stepFinished(task.name, "Omitted", options.clock.now());
          continue;
        }
        if (failFast && failed) continue;
        if (!deps.every((d) => status.get(d) === "Succeeded")) continue;
        const template = templates.get(task.template);
        if (!template) throw new Error(`task ${task.name} names no template ${task.template}`);
        running.set(
          task.name,
          runStep(template, { ...options, signal: stop.signal, slots, mayStart: () => !(failFast && failed) }).then(async (result) => {
            status.set(task.name, result);
            if (result !== "Succeeded" && result !== "Omitted") failed = true;
            running.delete(task.name);
            await options.recorder.stepFinished(task.name, result, options.clock.now());
          }),
        );
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    if (deadline) clearTimeout(deadline);
    outer?.removeEventListener("abort", onOuter);
  }
  // Tasks never started (fail-fast) are omitted, as in Argo.
  for (const task of dag.tasks) {
    if (!status.has(task.name)) {
      status.set(task.name, "Omitted");
      await options.recorder.stepFinished(task.name, "Omitted", options.clock.now());
    }
  }
  const steps = Object.fromEntries(status);
  const values = [...status.values()];
  if (deadlinePassed) return { status: "Failed", message: `exceeded its deadline of ${spec.activeDeadlineSeconds}s`, steps };
  if (outer?.aborted) return { status: "Stopped", message: "stopped", steps };
  if (values.includes("Error")) return { status: "Error", steps };
  if (values.some((s) => s !== "Succeeded")) return { status: "Failed", steps };
  return { status: "Succeeded", steps };
}
