// `strata get`: each local engine of a stack as its supervisor sees it.
import type * as pulumi from "@pulumi/pulumi";
import { type ProgramHistory, type Supervision, programHistory, programInfo, supervisorLog } from "@strata/user-kernel";

/** One local engine (a `strata:local:Process`) and its state. */
export interface EngineStatus {
  /** The resource name, e.g. `analytics-server`. */
  name: string;
  /** The kinds of the components it was declared in, outermost first (from its URN), e.g. `["Database", "LocalPostgresServer"]`. */
  parents: string[];
  /** The supervisor's state (RUNNING, STARTING, BACKOFF, FATAL, ...), or `not supervised` when the supervisor is gone. */
  state: string;
  pid?: number;
  upSeconds?: number;
  /** Starts after the deployment's own, counted from the supervisor's log. */
  restarts: number;
  lastExit?: ProgramHistory["lastExit"];
  logFile: string;
}

interface ProcessOutputs {
  program?: string;
  supervisor?: Supervision;
  pid: number;
  logFile: string;
}

/** Reads the stack's Process resources from state and asks their supervisor about each. */
export async function localEngines(stack: Pick<pulumi.automation.Stack, "exportStack">): Promise<EngineStatus[]> {
  const resources = ((await stack.exportStack()).deployment?.resources ?? []) as {
    type: string;
    urn: string;
    outputs?: ProcessOutputs;
  }[];
  const logs = new Map<string, Promise<string>>();
  const engines = resources
    .filter((r) => r.type === "strata:local:Process" && r.outputs)
    .map(async (r): Promise<EngineStatus> => {
      const outs = r.outputs!;
      const name = r.urn.split("::").at(-1)!;
      const parents = (r.urn.split("::").at(-2) ?? "")
        .split("$")
        .slice(0, -1)
        .map((type) => type.split(":").at(-1)!);
      if (outs.program === undefined || outs.supervisor === undefined) {
        return { name, parents, state: "not supervised", restarts: 0, logFile: outs.logFile };
      }
      const info = await programInfo(outs.supervisor, outs.program);
      if (!logs.has(outs.supervisor.dir)) logs.set(outs.supervisor.dir, supervisorLog(outs.supervisor.dir));
      const history = programHistory(await logs.get(outs.supervisor.dir)!, outs.program, outs.pid);
      if (!info) return { name, parents, state: "not supervised", ...history, logFile: outs.logFile };
      return {
        name,
        parents,
        state: info.statename,
        ...(info.pid > 0 ? { pid: info.pid } : {}),
        ...(info.statename === "RUNNING" ? { upSeconds: info.now - info.start } : {}),
        ...history,
        logFile: outs.logFile,
      };
    });
  return (await Promise.all(engines)).sort((a, b) => a.name.localeCompare(b.name));
}

/** `3 h 02 min`, `4 min 05 s`, `12 s`. Pure. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  if (hours > 0) return `${hours} h ${two(minutes)} min`;
  if (minutes > 0) return `${minutes} min ${two(rest)} s`;
  return `${rest} s`;
}
