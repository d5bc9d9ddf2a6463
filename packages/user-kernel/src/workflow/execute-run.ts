// One run of a local Workflow: the runner over the compiled spec, the local
// step executor, the run's records and its lineage events, wired together.
import * as fs from "node:fs";
import * as path from "node:path";
import type { SchedulerConfig } from "./daemon-config.js";
import { LocalStepExecutor } from "./executors.js";
import { LineageSink, RunLineage } from "./lineage.js";
import { type Clock, type RunResult, executeWorkflow } from "./runner.js";
import type { RunExecutor } from "./scheduler.js";
import type { RunRecord, RunStore } from "./store.js";

/** The folder of a run's step logs: `<step>.<attempt>.log`. */
export function runLogDir(config: Pick<SchedulerConfig, "folder">, runId: string): string {
  return path.join(config.folder, "runs", runId);
}

/** `<step>.<attempt>.log` files of a run, concatenated with headers, optionally of one step. */
export function readRunLogs(dir: string, step?: string): string {
  if (!fs.existsSync(dir)) return "";
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".log") && (step === undefined || f.startsWith(`${step}.`)))
    .map((f) => ({ f, step: f.split(".")[0]!, attempt: Number(f.split(".")[1]) }))
    .sort((a, b) => a.step.localeCompare(b.step) || a.attempt - b.attempt);
  return files
    .map(({ f, step, attempt }) => `==> ${step} (attempt ${attempt + 1}) <==\n${fs.readFileSync(path.join(dir, f), "utf8")}`)
    .join("\n");
}

/** A RunExecutor for the local target, recording in `store`. */
export function localRunExecutor(store: RunStore, clock: Clock): RunExecutor {
  return async (run: RunRecord, config: SchedulerConfig, signal: AbortSignal): Promise<RunResult> => {
    const lineage = new RunLineage(
      new LineageSink(config.lineage),
      { namespace: config.lineage.namespace, name: config.workflow },
      run.id,
      () => clock.now(),
    );
    const recorder = store.recorder(run.id);
    const executor = new LocalStepExecutor({
      logDir: runLogDir(config, run.id),
      secretFiles: config.secretFiles,
      logins: config.logins,
      observer: {
        beforeStatement: (step, session, sql) => lineage.observe(step, session, sql),
        afterStatements: async (step, session) => lineage.describeOutputs(step, session).catch(() => undefined),
        afterCheck: async (step, report) => {
          lineage.recordAssertions(step, report);
          await store.recordQuality(report, `workflow:${config.workflow}:${run.id}`);
        },
      },
    });
    const started = new Set<string>();
    const lastMessage = new Map<string, string>();
    await lineage.runStarted();
    const result = await executeWorkflow(config.compiled.template.spec, {
      executor,
      clock,
      signal,
      recorder: {
        attemptStarted: async (step, attempt, at) => {
          if (!started.has(step)) {
            started.add(step);
            await lineage.stepStarted(step);
          }
          await recorder.attemptStarted(step, attempt, at);
        },
        attemptFinished: async (step, attempt, at, outcome) => {
          if (outcome.message !== undefined) lastMessage.set(step, outcome.message);
          await recorder.attemptFinished(step, attempt, at, outcome);
        },
        stepFinished: async (step, status, at) => {
          await recorder.stepFinished(step, status, at);
          const failure = `step ${status}${lastMessage.has(step) ? `: ${lastMessage.get(step)}` : ""}`;
          if (started.has(step)) await lineage.stepFinished(step, status === "Succeeded", status === "Succeeded" ? undefined : failure);
        },
      },
    });
    await lineage.runFinished(
      result.status === "Succeeded",
      result.message ?? (result.status === "Succeeded" ? undefined : `run ${result.status}`),
    );
    return result;
  };
}
