// The Runs page's model: recent workflow runs, and one run as the timeline
// of its steps' attempts. Pure.

/** A run as the workflow's scheduler records it. */
export interface RunView {
  id: string;
  workflow: string;
  trigger: string;
  status: string;
  requestedAt: string;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
}

export interface AttemptView {
  step: string;
  /** From 0, as recorded. */
  attempt: number;
  startedAt: string;
  finishedAt?: string;
  status?: string;
  exitCode?: number;
  error?: string;
  rowsWritten?: number;
}

export interface RunDetailView extends RunView {
  /** Step -> its final status. */
  steps: Record<string, string>;
  attempts: AttemptView[];
}

/** A run in the list: its duration in seconds once it finished. */
export interface RunRow extends RunView {
  seconds?: number;
}

/** One attempt on the run's timeline: when it started after the run did, and how long it took (seconds). */
export interface TimelineAttempt extends AttemptView {
  /** 1 for the first attempt. */
  number: number;
  offsetSeconds: number;
  seconds?: number;
  /** A later attempt of the same step followed it. */
  retried: boolean;
}

export interface RunTimeline {
  run: RunRow;
  steps: { step: string; status: string; attempts: TimelineAttempt[] }[];
}

function secondsBetween(from?: string, to?: string): number | undefined {
  if (!from || !to) return undefined;
  return Math.round((Date.parse(to) - Date.parse(from)) / 100) / 10;
}

export function runRow(run: RunView): RunRow {
  const seconds = secondsBetween(run.startedAt ?? run.requestedAt, run.finishedAt);
  return { ...run, ...(seconds === undefined ? {} : { seconds }) };
}

/** Steps in the order they first started; each step's attempts in order. */
export function runTimeline(detail: RunDetailView): RunTimeline {
  const { steps, attempts, ...run } = detail;
  const start = run.startedAt ?? run.requestedAt;
  const byStep = new Map<string, AttemptView[]>();
  for (const a of [...attempts].sort((x, y) => x.startedAt.localeCompare(y.startedAt) || x.attempt - y.attempt)) {
    const list = byStep.get(a.step);
    if (list) list.push(a);
    else byStep.set(a.step, [a]);
  }
  // Steps that never started (skipped after a failure) come last.
  for (const step of Object.keys(steps).sort()) if (!byStep.has(step)) byStep.set(step, []);
  return {
    run: runRow(run),
    steps: [...byStep.entries()].map(([step, list]) => ({
      step,
      status: steps[step] ?? (list.at(-1)?.finishedAt ? (list.at(-1)?.status ?? "unknown") : "Running"),
      attempts: list.map((a, i) => {
        const seconds = secondsBetween(a.startedAt, a.finishedAt);
        return {
          ...a,
          number: a.attempt + 1,
          offsetSeconds: secondsBetween(start, a.startedAt) ?? 0,
          ...(seconds === undefined ? {} : { seconds }),
          retried: i < list.length - 1,
        };
      }),
    })),
  };
}
