// Starts a local Workflow's runs: due schedules (the compiled CronWorkflow's
// schedules in its time zone), manual requests (runNow), and successes of
// upstream workflows; applies the CronWorkflow's concurrencyPolicy. Driven by tick(),
// with an injected clock, so tests step time instead of waiting for it.
import { CronExpressionParser } from "cron-parser";
import type { SchedulerConfig } from "./daemon-config.js";
import type { Clock, RunResult } from "./runner.js";
import type { RunRecord, RunStore } from "./store.js";

/** Executes one run of the compiled spec (runs.ts wires the runner, executor, recorder and lineage). */
export type RunExecutor = (run: RunRecord, config: SchedulerConfig, signal: AbortSignal) => Promise<RunResult>;

interface ActiveRun {
  run: RunRecord;
  controller: AbortController;
  done: Promise<void>;
}

/** Whether some schedule of the cron fires in (after, until], in its time zone. */
export function scheduleDue(schedules: string[], timezone: string, after: Date, until: Date): boolean {
  return schedules.some((expression) => {
    const next = CronExpressionParser.parse(expression, { tz: timezone, currentDate: after }).next();
    return next.getTime() <= until.getTime();
  });
}

export class Scheduler {
  private readonly active = new Map<string, ActiveRun>();

  constructor(
    private readonly options: {
      store: RunStore;
      clock: Clock;
      /** Read at every tick, so a redeployed workflow applies without a restart. */
      config: () => SchedulerConfig;
      execute: RunExecutor;
    },
  ) {}

  /** Runs started by this scheduler and not finished. */
  get running(): RunRecord[] {
    return [...this.active.values()].map((a) => a.run);
  }

  /** Marks runs a previous scheduler process left Running as Error. Call once at start. */
  async recover(): Promise<void> {
    await this.options.store.abandonRunning(this.options.config().workflow, this.options.clock.now());
  }

  /** One look at upstream successes and schedules; starts what is due. */
  async tick(): Promise<void> {
    const config = this.options.config();
    const { store, clock } = this.options;
    const now = clock.now();
    for (const upstream of config.after) {
      const successes = await store.newUpstreamSuccesses(config.workflow, upstream, now);
      // Several successes since the last look start one run: it reads the newest data.
      if (successes.length > 0) await this.startByPolicy(`after:${upstream}`, config);
    }
    const cron = config.compiled.cron;
    if (cron === undefined) return;
    const mark = await store.scheduleMark(config.workflow);
    await store.setScheduleMark(config.workflow, now);
    // The first look only sets the mark: a new workflow does not run for times before it existed.
    if (mark === undefined || cron.spec.suspend) return;
    // Missed times (the machine slept) start one run, as Argo does without a starting deadline.
    if (scheduleDue(cron.spec.schedules, cron.spec.timezone, mark, now)) await this.startByPolicy("schedule", config);
  }

  /** Starts a run now, whatever runs (a manual run is not subject to the concurrency policy). */
  async runNow(trigger: string): Promise<RunRecord> {
    const config = this.options.config();
    const run = await this.options.store.createRun(config.workflow, trigger, "Running", this.options.clock.now());
    this.start(run, config);
    return run;
  }

  /** Stops every running run and waits for them to record it. */
  async stopAll(): Promise<void> {
    const active = [...this.active.values()];
    for (const a of active) a.controller.abort();
    await Promise.all(active.map((a) => a.done));
  }

  /** Waits for every running run to finish. */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((a) => a.done));
  }

  private async startByPolicy(trigger: string, config: SchedulerConfig): Promise<void> {
    const policy = config.compiled.cron?.spec.concurrencyPolicy ?? "Forbid";
    const { store, clock } = this.options;
    if (this.active.size > 0 && policy === "Forbid") {
      const running = this.running.map((r) => r.id).join(", ");
      await store.createRun(config.workflow, trigger, "Skipped", clock.now(), `concurrency Forbid: run ${running} is still running`);
      return;
    }
    if (this.active.size > 0 && policy === "Replace") await this.stopAll();
    const run = await store.createRun(config.workflow, trigger, "Running", clock.now());
    this.start(run, config);
  }

  private start(run: RunRecord, config: SchedulerConfig): void {
    const controller = new AbortController();
    const { store, clock } = this.options;
    const done = this.options
      .execute(run, config, controller.signal)
      .catch((error: unknown): RunResult => ({ status: "Error", message: (error as Error).message, steps: {} }))
      .then((result) => store.finishRun(run.id, result.status, clock.now(), result.message))
      .catch((error: unknown) => console.error(`run ${run.id}: its end could not be recorded: ${(error as Error).message}`))
      .finally(() => this.active.delete(run.id));
    this.active.set(run.id, { run, controller, done });
  }
}
