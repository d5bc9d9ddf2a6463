// `strata run | runs | logs`: the local Workflows of a stack, reached through
// their scheduler processes (each serves its runs on 127.0.0.1; see
// user-kernel's workflow/daemon.ts). Nothing here reads the runs Database
// directly, so the command needs no database password.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunDetailView, RunView } from "@strata/console";
import type { SchedulerConfig } from "@strata/user-kernel";

/** A run and its attempts as the schedulers serve them (JSON: times are ISO strings); the console shows the same. */
export type { RunView } from "@strata/console";
export type RunDetail = RunDetailView;

/** The stack's local Workflows: name -> scheduler address, from `<dataDir>/workflows/<name>/workflow.json`. */
export function localWorkflows(dataDir: string): Map<string, string> {
  const root = path.join(dataDir, "workflows");
  const found = new Map<string, string>();
  if (!fs.existsSync(root)) return found;
  for (const name of fs.readdirSync(root).sort()) {
    const file = path.join(root, name, "workflow.json");
    if (!fs.existsSync(file)) continue;
    const config = JSON.parse(fs.readFileSync(file, "utf8")) as SchedulerConfig;
    found.set(config.workflow, `http://127.0.0.1:${config.port}`);
  }
  return found;
}

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  let answer: Response;
  try {
    answer = await fetch(url, init);
  } catch (error) {
    throw new Error(
      `the scheduler at ${new URL(url).origin} does not answer (${(error as Error).message}). Fix: run \`strata up\` to start it`,
      { cause: error },
    );
  }
  const text = await answer.text();
  if (!answer.ok) throw new Error(text.trim() || `${answer.status} from ${url}`);
  return (answer.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as T;
}

function schedulerOf(workflows: Map<string, string>, workflow: string): string {
  const address = workflows.get(workflow);
  if (address === undefined) {
    const known = [...workflows.keys()];
    throw new Error(`no workflow "${workflow}" in this stack. Fix: name one of ${known.length > 0 ? known.join(", ") : "(none deployed)"}`);
  }
  return address;
}

/** Starts a run now (a manual run is not subject to the concurrency policy). */
export async function startRun(workflows: Map<string, string>, workflow: string): Promise<RunView> {
  return call<RunView>(`${schedulerOf(workflows, workflow)}/runs`, { method: "POST" });
}

/** Recent runs of one workflow, or of all, newest first. */
export async function listRuns(workflows: Map<string, string>, workflow?: string, limit = 20): Promise<RunView[]> {
  if (workflow !== undefined)
    return call<RunView[]>(`${schedulerOf(workflows, workflow)}/runs?workflow=${encodeURIComponent(workflow)}&limit=${limit}`);
  const all = await Promise.all(
    [...workflows].map(([name, address]) => call<RunView[]>(`${address}/runs?workflow=${encodeURIComponent(name)}&limit=${limit}`)),
  );
  return all
    .flat()
    .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt))
    .slice(0, limit);
}

/** One run, asked of every scheduler until one knows it. */
export async function findRun(workflows: Map<string, string>, id: string): Promise<{ run: RunDetail; address: string }> {
  for (const address of workflows.values()) {
    const answer = await fetch(`${address}/runs/${encodeURIComponent(id)}`).catch(() => undefined);
    if (answer?.ok) {
      const run = (await answer.json()) as RunDetail;
      return { run, address: schedulerOf(workflows, run.workflow) };
    }
  }
  throw new Error(`no run ${id} in this stack. Fix: pick one from \`strata runs\``);
}

/** Polls a run until it is no longer Running. */
export async function waitForRun(workflows: Map<string, string>, id: string, intervalMs = 500): Promise<RunDetail> {
  for (;;) {
    const { run } = await findRun(workflows, id);
    if (run.status !== "Running") return run;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export async function runLogs(workflows: Map<string, string>, id: string, step?: string): Promise<string> {
  const { run, address } = await findRun(workflows, id);
  return call<string>(`${address}/runs/${run.id}/logs${step === undefined ? "" : `/${encodeURIComponent(step)}`}`);
}

/** Seconds between two ISO times, one decimal. */
export function seconds(from?: string, to?: string): string {
  if (!from || !to) return "";
  return ((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1);
}
