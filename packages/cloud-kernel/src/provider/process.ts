// FreePort and Process: ports picked once, and supervised local processes.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceType } from "./framework.js";
import { idsFor, pickFreePort, portHolder, portInUse, processStartTime, sleep } from "./os.js";

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
   * A Trino server: started, and as `user` it sees an active node in
   * `system.runtime.nodes` (before that, queries fail with "No nodes available").
   */
  | { kind: "trino"; user: string };

/** A process's inputs; fields at their default are left out (they would only take room in state). */
export interface ProcessInputs {
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
  leftoverPidFiles?: string[];
}

export interface ProcessOutputs {
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

/** Counts active nodes over Trino's HTTP protocol as `user`; true when there is one. */
async function trinoHasActiveNode(port: number, user: string): Promise<boolean> {
  try {
    const headers = { "X-Trino-User": user, "X-Trino-Source": "strata-health" };
    const sql = "SELECT count(*) FROM system.runtime.nodes WHERE state = 'active'";
    let response = await fetch(`http://127.0.0.1:${port}/v1/statement`, {
      method: "POST",
      body: sql,
      headers,
      signal: AbortSignal.timeout(5000),
    });
    let active = 0;
    for (let page = 0; page < 100; page++) {
      if (response.status !== 200) return false;
      const result = (await response.json()) as { nextUri?: string; error?: unknown; data?: number[][] };
      if (result.error) return false;
      for (const row of result.data ?? []) active += Number(row[0] ?? 0);
      if (!result.nextUri) return active > 0;
      response = await fetch(result.nextUri, { headers, signal: AbortSignal.timeout(5000) });
    }
    return false;
  } catch {
    return false;
  }
}

async function healthy(port: number, health: HealthCheck): Promise<boolean> {
  if (health.kind === "tcp") return portInUse(port);
  if (health.kind === "trino") {
    const info = await httpGet(`http://127.0.0.1:${port}/v1/info`);
    return info?.status === 200 && info.body.includes('"starting":false') && (await trinoHasActiveNode(port, health.user));
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

/**
 * Stops a process a pid file names (`<pid> <start time>`, written by the
 * process's own supervisor) when that very process still runs: a program
 * left behind by a supervisor that was killed would hold the port.
 */
async function stopLeftover(file: string): Promise<void> {
  let recorded: string;
  try {
    recorded = fs.readFileSync(file, "utf8");
  } catch {
    return;
  }
  const [pidText, started] = recorded.trim().split(" ");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || started === undefined || (await processStartTime(pid)) !== started) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 100 && (await processStartTime(pid)) === started; i++) await sleep(100);
  if ((await processStartTime(pid)) === started) process.kill(pid, "SIGKILL");
  for (let i = 0; i < 50 && (await processStartTime(pid)) === started; i++) await sleep(100);
}

async function startProcess(inputs: ProcessInputs): Promise<ProcessOutputs> {
  for (const file of inputs.leftoverPidFiles ?? []) await stopLeftover(file);
  // A port is seen in use for a moment after its holder was stopped (ours above, or a predecessor that
  // is exiting): it must still be in use after 5 s to be refused.
  for (let i = 0; i < 25 && (await portInUse(inputs.port)); i++) await sleep(200);
  if (await portInUse(inputs.port)) {
    const holder = await portHolder(inputs.port);
    throw new Error(
      `port ${inputs.port} on 127.0.0.1 is already in use by another process${holder ? `: ${holder}` : ""}; choose another port or stop that process`,
    );
  }
  const ids = idsFor(inputs.runAs ?? "");
  for (const file of inputs.staleFiles ?? []) fs.rmSync(file, { force: true });
  for (const [file, content] of Object.entries(inputs.initialFiles ?? {})) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, content, { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  fs.mkdirSync(path.dirname(inputs.logFile), { recursive: true, mode: 0o700 });
  const log = fs.openSync(inputs.logFile, "a", 0o600);
  if (ids.uid !== undefined) fs.fchownSync(log, ids.uid, ids.gid ?? ids.uid);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: process.env.LANG ?? "C.UTF-8", ...inputs.env, ...inputs.secretEnv };
  // Detached, in its own process group: it outlives the plugin process, which the engine ends after each operation.
  const child = spawn(inputs.command, inputs.args ?? [], { cwd: inputs.cwd, env, detached: true, stdio: ["ignore", log, log], ...ids });
  fs.closeSync(log);
  const pid = child.pid;
  if (pid === undefined) {
    await new Promise((resolve) => child.once("error", resolve));
    throw new Error(`could not start ${inputs.command}; see ${inputs.logFile}`);
  }
  child.unref();
  const startTime = (await processStartTime(pid)) ?? "";
  const timeout = inputs.startTimeoutSeconds ?? 120;
  const deadline = Date.now() + timeout * 1000;
  for (;;) {
    if ((await processStartTime(pid)) !== startTime) {
      throw new Error(`${inputs.command} exited during start-up. From its log (${inputs.logFile}):\n${failureExcerpt(inputs.logFile)}`);
    }
    if (await healthy(inputs.port, inputs.health)) break;
    if (Date.now() > deadline) {
      await stopProcess(pid, startTime, inputs.port);
      throw new Error(
        `${inputs.command} was not ready within ${timeout} s and was stopped. From its log (${inputs.logFile}):\n${failureExcerpt(inputs.logFile)}`,
      );
    }
    await sleep(250);
  }
  return { pid, startTime, port: inputs.port, logFile: inputs.logFile };
}

/**
 * A long-running process, supervised by the engine: create starts it and waits
 * until healthy; any change of an input restarts it; refresh reports a dead
 * process as gone; delete stops it.
 */
export const Process: ResourceType<ProcessInputs, ProcessOutputs> = {
  name: "Process",
  async create(inputs) {
    const outs = await startProcess(inputs);
    return { id: `${outs.pid}-${outs.startTime}`, outs };
  },
  // A process that died, or whose pid now belongs to another process, is drift.
  async read(_id, outs) {
    return (await processStartTime(outs.pid)) === outs.startTime ? outs : undefined;
  },
  async update(_id, olds, news) {
    await stopProcess(olds.pid, olds.startTime, olds.port);
    return startProcess(news);
  },
  async delete(_id, outs) {
    await stopProcess(outs.pid, outs.startTime, outs.port);
  },
};
