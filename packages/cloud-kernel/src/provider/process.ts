// FreePort and Process: ports picked once, and local processes kept running by the stack's supervisor.
import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceType } from "./framework.js";
import { idsFor, parentPid, pickFreePort, portHolder, portInUse, processStartTime, sleep } from "./os.js";
import { type TrinoLogin, statementOnce } from "./trino.js";
import { LIVE_STATES, type Supervision, addProgram, ensureSupervisor, programInfo, removeProgram, supervisorPid } from "./supervisor.js";

/** A port on 127.0.0.1 picked free at creation and then kept. */
export const FreePort: ResourceType<Record<string, never>, { port: number }> = {
  name: "FreePort",
  async create() {
    const port = await pickFreePort();
    return { id: String(port), outs: { port } };
  },
};

/** How to tell that a supervised process is ready. */
export type HealthCheck =
  /** A TCP connection to 127.0.0.1:port succeeds. */
  | { kind: "tcp" }
  /** `GET http://127.0.0.1:port<path>` answers 200, and the body contains `bodyIncludes` if given. */
  | { kind: "http"; path: string; bodyIncludes?: string }
  /**
   * A Trino server: over HTTPS (checked against `caFile`), logged in as `user`
   * with the password in `passwordFile`, it shows an active node in
   * `system.runtime.nodes` (before that, queries fail with "No nodes available").
   */
  | { kind: "trino"; user: string; passwordFile: string; caFile: string };

/** A process's inputs; fields at their default are left out (they would only take room in state). */
export interface ProcessInputs {
  /** The program's name in the stack's supervisor (unique in the stack). */
  name: string;
  supervisor: Supervision;
  command: string;
  args?: string[];
  cwd: string;
  env?: Record<string, string>;
  secretEnv?: Record<string, string>;
  logFile: string;
  port: number;
  health: HealthCheck;
  /** @default 120 */
  startTimeoutSeconds?: number;
  /** @default "" (the plugin's own user) */
  runAs?: string;
  restartTrigger?: string;
  staleFiles?: string[];
  initialFiles?: Record<string, string>;
}

export interface ProcessOutputs {
  /** Its name in the supervisor; absent for a process an earlier plugin started by itself (stopped by pid). */
  program?: string;
  supervisor?: Supervision;
  /** How a refresh tells that a program the supervisor restarted is ready again. */
  health?: HealthCheck;
  startTimeoutSeconds?: number;
  /** The running program's pid (a restart by the supervisor changes it; refresh records the new one). */
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22): with the pid, proof of identity. */
  startTime: string;
  port: number;
  logFile: string;
}

async function httpGet(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

/** Counts active nodes over Trino's protocol as the check's login; true when there is one. */
async function trinoHasActiveNode(login: TrinoLogin): Promise<boolean> {
  try {
    const sql = "SELECT count(*) FROM system.runtime.nodes WHERE state = 'active'";
    const { rows, error } = await statementOnce(login, sql, 5000, 5000, "strata-health");
    return error === undefined && rows.reduce((sum, row) => sum + Number(row[0] ?? 0), 0) > 0;
  } catch {
    return false;
  }
}

async function healthy(port: number, health: HealthCheck): Promise<boolean> {
  if (health.kind === "tcp") return portInUse(port);
  if (health.kind === "trino") {
    const login = { port, user: health.user, passwordFile: health.passwordFile, caFile: health.caFile };
    return await trinoHasActiveNode(login);
  }
  const answer = await httpGet(`http://127.0.0.1:${port}${health.path}`);
  return answer?.status === 200 && (health.bodyIncludes === undefined || answer.body.includes(health.bodyIncludes));
}

/** What a failed start-up left in its (appended) log: the last ERROR and the lines after it, else the last lines. */
function failureExcerpt(file: string): string {
  try {
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
    const last = lines.findLastIndex((line) => /\bERROR\b|\bFATAL\b/.test(line));
    return (last >= 0 ? lines.slice(last, last + 8) : lines.slice(-20)).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Sends `signal` to the process group (processes are started as group leaders). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Stops the process if it is still the one we started (pid and start time match), then waits for its port to close. */
export async function stopProcess(pid: number, startTime: string, port: number): Promise<void> {
  if ((await processStartTime(pid)) === startTime) {
    signalGroup(pid, "SIGTERM");
    const deadline = Date.now() + 30_000;
    while ((await processStartTime(pid)) === startTime && Date.now() < deadline) await sleep(200);
    if ((await processStartTime(pid)) === startTime) signalGroup(pid, "SIGKILL");
  }
  const deadline = Date.now() + 15_000;
  while ((await portInUse(port)) && Date.now() < deadline) await sleep(200);
}

async function startProcess(inputs: ProcessInputs): Promise<ProcessOutputs> {
  try {
    return await superviseProcess(inputs);
  } catch (error) {
    // Nothing of a failed start stays: not the program, nor a supervisor that has no other.
    await removeProgram(inputs.supervisor, inputs.name).catch(() => undefined);
    throw error;
  }
}

async function superviseProcess(inputs: ProcessInputs): Promise<ProcessOutputs> {
  const supervision = inputs.supervisor;
  // First the supervisor: starting again after it was killed, it stops the programs it left holding their ports.
  await ensureSupervisor(supervision);
  // A program of that name the supervisor still runs (state lost, say) would hold the port.
  if (await programInfo(supervision, inputs.name)) await removeProgram(supervision, inputs.name);
  // A port is seen in use for a moment after its holder was stopped (a predecessor that is exiting):
  // it must still be in use after 5 s to be refused.
  for (let i = 0; i < 25 && (await portInUse(inputs.port)); i++) await sleep(200);
  if (await portInUse(inputs.port)) {
    const holder = await portHolder(inputs.port);
    throw new Error(
      `port ${inputs.port} on 127.0.0.1 is already in use by another process${holder ? `: ${holder}` : ""}; choose another port or stop that process`,
    );
  }
  const ids = idsFor(inputs.runAs ?? "");
  for (const [file, content] of Object.entries(inputs.initialFiles ?? {})) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, content, { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  fs.mkdirSync(path.dirname(inputs.logFile), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(inputs.logFile, "a", 0o600));
  if (ids.uid !== undefined) fs.chownSync(inputs.logFile, ids.uid, ids.gid ?? ids.uid);
  const startedAt = Date.now();
  await addProgram(supervision, inputs.name, {
    command: inputs.command,
    args: inputs.args ?? [],
    cwd: inputs.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: process.env.LANG ?? "C.UTF-8", ...inputs.env, ...inputs.secretEnv },
    logFile: inputs.logFile,
    runAs: inputs.runAs ?? "",
    staleFiles: inputs.staleFiles ?? [],
  });
  const timeout = inputs.startTimeoutSeconds ?? 120;
  const deadline = startedAt + timeout * 1000;
  let first: number | undefined;
  for (;;) {
    const info = await programInfo(supervision, inputs.name);
    first ??= info?.pid || undefined;
    // During start-up an exit is a failure, not something to retry: its log says why.
    if (!info || !["RUNNING", "STARTING"].includes(info.statename) || (first !== undefined && info.pid !== first)) {
      throw new Error(
        `${inputs.command} exited during start-up${info?.spawnerr ? ` (${info.spawnerr})` : ""}. From its log (${inputs.logFile}):\n${failureExcerpt(inputs.logFile)}`,
      );
    }
    if (info.pid > 0 && (await healthy(inputs.port, inputs.health))) {
      const startTime = (await processStartTime(info.pid)) ?? "";
      return {
        program: inputs.name,
        supervisor: supervision,
        health: inputs.health,
        ...(inputs.startTimeoutSeconds === undefined ? {} : { startTimeoutSeconds: inputs.startTimeoutSeconds }),
        pid: info.pid,
        startTime,
        port: inputs.port,
        logFile: inputs.logFile,
      };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${inputs.command} was not ready within ${timeout} s and was stopped. From its log (${inputs.logFile}):\n${failureExcerpt(inputs.logFile)}`,
      );
    }
    await sleep(250);
  }
}

/** Stops a process: through its supervisor, or by pid for one an earlier plugin started by itself. */
async function stop(outs: ProcessOutputs): Promise<void> {
  if (outs.program !== undefined && outs.supervisor !== undefined) {
    await removeProgram(outs.supervisor, outs.program);
    const deadline = Date.now() + 15_000;
    while ((await portInUse(outs.port)) && Date.now() < deadline) await sleep(200);
  } else {
    await stopProcess(outs.pid, outs.startTime, outs.port);
  }
}

/**
 * A long-running process under the stack's supervisor, which starts it again
 * whenever it exits: create adds it and waits until healthy; any change of
 * an input restarts it; refresh reports it gone when the supervisor no
 * longer keeps it (the supervisor was killed, or gave up), so the next up
 * starts it again; delete stops it.
 */
export const Process: ResourceType<ProcessInputs, ProcessOutputs> = {
  name: "Process",
  async create(inputs) {
    const outs = await startProcess(inputs);
    return { id: `${outs.pid}-${outs.startTime}`, outs };
  },
  async read(_id, outs) {
    if (outs.program === undefined || outs.supervisor === undefined) {
      return (await processStartTime(outs.pid)) === outs.startTime ? outs : undefined;
    }
    // Still the very process deployed, a child of the running supervisor: read from /proc alone, no call to the supervisor.
    const supervisor = await supervisorPid(outs.supervisor.dir);
    if (supervisor !== undefined && (await processStartTime(outs.pid)) === outs.startTime && (await parentPid(outs.pid)) === supervisor) {
      return outs;
    }
    let info = await programInfo(outs.supervisor, outs.program);
    if (!info || !LIVE_STATES.includes(info.statename)) return undefined;
    if (info.statename === "RUNNING" && info.pid === outs.pid) return outs;
    // Being started again by the supervisor: an up that refreshes first goes on once it is ready (its checks need it).
    if (outs.health) {
      const deadline = Date.now() + (outs.startTimeoutSeconds ?? 120) * 1000;
      while (Date.now() < deadline && !(info.statename === "RUNNING" && (await healthy(outs.port, outs.health)))) {
        await sleep(250);
        info = await programInfo(outs.supervisor, outs.program);
        if (!info || !LIVE_STATES.includes(info.statename)) return undefined;
      }
    }
    // Restarted by the supervisor: the new pid is the one to report.
    return info.pid > 0 ? { ...outs, pid: info.pid, startTime: (await processStartTime(info.pid)) ?? "" } : outs;
  },
  async update(_id, olds, news) {
    await stop(olds);
    return startProcess(news);
  },
  async delete(_id, outs) {
    await stop(outs);
  },
};
