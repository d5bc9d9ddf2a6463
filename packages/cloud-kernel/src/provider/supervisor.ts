// The process supervisor of the local target: one Supervisor daemon
// (supervisord, http://supervisord.org) per stack, started by the plugin
// when the stack's first process is, stopped with its last one. It starts a
// program again when it exits (at once after it has run; after 1, 2, 3 ...
// seconds while it keeps failing to start), so a crashed engine comes back
// without anyone running a command. The plugin talks to it over its XML-RPC
// interface on a private Unix socket, through Supervisor's own client code.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { run, processStartTime, sleep, idsFor, writeFileAtomically } from "./os.js";

/** Where a stack's supervisor lives and what runs it. */
export interface Supervision {
  /** Supervisor's installation: `lib/` (the package) and `bin/python3` (its interpreter). */
  readonly home: string;
  /** The supervisor's own folder (configuration, programs, log) in the stack's data folder. */
  readonly dir: string;
  /** Its control socket ({@link socketPathFor}), fixed when the program runs: the plugin's temporary directory is not. */
  readonly socket: string;
}

/** A program as the supervisor runs it. */
export interface ProgramSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  logFile: string;
  runAs: string;
  /** Removed before every start, the supervisor's restarts included (e.g. a launcher's pid file). */
  staleFiles: string[];
}

/** What the supervisor reports of a program (its `getProcessInfo`). */
export interface ProgramInfo {
  /** STOPPED, STARTING, RUNNING, BACKOFF, STOPPING, EXITED, FATAL or UNKNOWN. */
  statename: string;
  /** 0 when not running. */
  pid: number;
  exitstatus: number;
  /** Unix times (s) of the last start and stop, and of the answer. */
  start: number;
  stop: number;
  now: number;
  /** Why the last start failed, if it did. */
  spawnerr: string;
  description: string;
}

/** States in which the supervisor keeps the program going (running, starting, or about to retry). */
export const LIVE_STATES = ["RUNNING", "STARTING", "BACKOFF"];

/** A fault the supervisor answered (e.g. BAD_NAME), or the supervisor cannot be reached. */
export class SupervisorError extends Error {
  constructor(
    message: string,
    /** Supervisor's fault name (`BAD_NAME`, `ALREADY_ADDED`, ...), or `UNREACHABLE`. */
    readonly fault: string,
  ) {
    super(message);
    this.name = "SupervisorError";
  }
}

/** The environment variable that marks every process of one supervisor, so its orphans can be found. */
const MARKER = "STRATA_SUPERVISOR";

/** Longest Unix socket path Linux accepts. */
const MAX_SOCKET_PATH = 107;

/** The control socket: in the supervisor's folder when short enough, else a private folder in the temporary directory. */
export function socketPathFor(dir: string): string {
  const inside = path.join(dir, "supervisor.sock");
  if (inside.length <= MAX_SOCKET_PATH) return inside;
  return path.join(os.tmpdir(), `strata-sv-${createHash("sha256").update(dir).digest("hex").slice(0, 16)}`, "supervisor.sock");
}

/** A name Supervisor accepts for a program (no `:` or spaces), from a resource name. */
export function programName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, "_");
}

// One call of Supervisor's XML-RPC interface, through its own client transport (Unix socket); JSON out.
const RPC_CLIENT = `
import json, sys, xmlrpc.client
sys.path.insert(0, sys.argv[1])
from supervisor.xmlrpc import SupervisorTransport
proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", SupervisorTransport(None, None, "unix://" + sys.argv[2]))
try:
    result = getattr(proxy, sys.argv[3])(*json.loads(sys.argv[4]))
    print(json.dumps({"result": result}))
except xmlrpc.client.Fault as fault:
    print(json.dumps({"fault": fault.faultString}))
except OSError as error:
    print(json.dumps({"unreachable": str(error)}))
`;

/** Calls `method` of the supervisor with `params`; a fault or an unreachable supervisor is a {@link SupervisorError}. */
export async function rpc<T>(supervision: Supervision, method: string, ...params: unknown[]): Promise<T> {
  const python = path.join(supervision.home, "bin", "python3");
  const lib = path.join(supervision.home, "lib");
  const answer = JSON.parse(await run(python, ["-c", RPC_CLIENT, lib, supervision.socket, method, JSON.stringify(params)])) as {
    result?: T;
    fault?: string;
    unreachable?: string;
  };
  if (answer.fault !== undefined) throw new SupervisorError(`supervisor ${method}: ${answer.fault}`, answer.fault.split(":")[0]!);
  if (answer.unreachable !== undefined) {
    throw new SupervisorError(`the supervisor in ${supervision.dir} is not running (${answer.unreachable})`, "UNREACHABLE");
  }
  return answer.result as T;
}

/** The program's state, or undefined when the supervisor does not run it (or is not running). */
export async function programInfo(supervision: Supervision, name: string): Promise<ProgramInfo | undefined> {
  try {
    return await rpc<ProgramInfo>(supervision, "supervisor.getProcessInfo", name);
  } catch (error) {
    if (error instanceof SupervisorError && (error.fault === "BAD_NAME" || error.fault === "UNREACHABLE")) return undefined;
    throw error;
  }
}

/** Quotes a word for /bin/sh. */
function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A value of Supervisor's configuration: `%` starts an expansion there. */
function iniValue(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`a supervisor setting cannot hold a line break: ${JSON.stringify(value)}`);
  return value.replace(/%/g, "%%");
}

/**
 * The program's start script: removes stale files, sets its environment and
 * replaces itself with the program. Credentials live only here (a 0600 file
 * of the program's user), never on a command line or in Supervisor's
 * configuration. Pure.
 */
export function startScript(spec: ProgramSpec): string {
  const lines = ["# Written by the strata provider plugin; the supervisor runs it with /bin/sh."];
  if (spec.staleFiles.length > 0) lines.push(`rm -f -- ${spec.staleFiles.map(shellWord).join(" ")}`);
  for (const [key, value] of Object.entries(spec.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`environment variable name ${JSON.stringify(key)} is not valid`);
    lines.push(`export ${key}=${shellWord(value)}`);
  }
  lines.push(`exec ${[spec.command, ...spec.args].map(shellWord).join(" ")}`);
  return `${lines.join("\n")}\n`;
}

/**
 * The program's section of Supervisor's configuration. Restarted whatever
 * its exit; counted as started after 1 s of running; a program that keeps
 * failing to start is retried after 1, 2, 3 ... s, 100 times; stopped with
 * SIGTERM to its whole process group, SIGKILL after 30 s. Pure.
 */
export function programSection(name: string, spec: ProgramSpec, scriptFile: string): string {
  return [
    `[program:${name}]`,
    `command=/bin/sh ${iniValue(scriptFile)}`,
    `directory=${iniValue(spec.cwd)}`,
    ...(spec.runAs ? [`user=${iniValue(spec.runAs)}`] : []),
    "autostart=true",
    "autorestart=true",
    "startsecs=1",
    "startretries=100",
    "stopsignal=TERM",
    "stopwaitsecs=30",
    "stopasgroup=true",
    "killasgroup=true",
    "redirect_stderr=true",
    `stdout_logfile=${iniValue(spec.logFile)}`,
    // The program's log is appended to and never rotated, as before it had a supervisor.
    "stdout_logfile_maxbytes=0",
    "",
  ].join("\n");
}

/** Supervisor's own configuration for a stack: its socket, log and pid file, and the programs folder. Pure. */
export function supervisorConfig(dir: string, socket: string): string {
  return [
    "[supervisord]",
    "nodaemon=true",
    `logfile=${iniValue(path.join(dir, "supervisord.log"))}`,
    "logfile_maxbytes=0",
    `pidfile=${iniValue(path.join(dir, "supervisord.pid"))}`,
    `childlogdir=${iniValue(dir)}`,
    "[unix_http_server]",
    `file=${iniValue(socket)}`,
    "chmod=0700",
    "[rpcinterface:supervisor]",
    "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    "[include]",
    "files = programs/*.conf",
    "",
  ].join("\n");
}

const programsDir = (dir: string) => path.join(dir, "programs");

/** Serialises the plugin's changes to one supervisor (its resources run in parallel). */
const queues = new Map<string, Promise<unknown>>();
function serialised<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const previous = queues.get(dir) ?? Promise.resolve();
  const next = previous.then(body, body);
  queues.set(
    dir,
    next.catch(() => undefined),
  );
  return next;
}

/** The supervisor's pid when it runs: the pid file names a live process carrying this supervisor's marker (not a reused pid). */
export async function supervisorPid(dir: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(dir, "supervisord.pid"), "utf8").catch(() => "");
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0 || (await processStartTime(pid)) === undefined) return undefined;
  return (await hasMarker(pid, dir)) ? pid : undefined;
}

/** True when the process's environment marks it as one of this supervisor's. */
async function hasMarker(pid: number, dir: string): Promise<boolean> {
  const environ = await fs.readFile(`/proc/${pid}/environ`, "latin1").catch(() => "");
  return `\0${environ}`.includes(`\0${MARKER}=${dir}\0`);
}

/** Processes carrying this supervisor's marker: its programs, left running when it was killed. */
async function markedProcesses(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await fs.readdir("/proc")) {
    if (/^\d+$/.test(entry) && Number(entry) !== process.pid && (await hasMarker(Number(entry), dir))) found.push(Number(entry));
  }
  return found;
}

/** Stops what a killed supervisor left running (SIGTERM to each group, SIGKILL after 30 s). */
async function stopOrphans(dir: string): Promise<number> {
  const orphans = await markedProcesses(dir);
  const signal = (pid: number, name: NodeJS.Signals) => {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, name);
      } catch {
        // Not a group leader, or already gone.
      }
    }
  };
  for (const pid of orphans) signal(pid, "SIGTERM");
  const deadline = Date.now() + 30_000;
  while ((await markedProcesses(dir)).length > 0 && Date.now() < deadline) await sleep(200);
  for (const pid of await markedProcesses(dir)) signal(pid, "SIGKILL");
  return orphans.length;
}

/**
 * Starts the stack's supervisor unless it runs. A supervisor that was killed
 * left its programs running, holding their ports: they are stopped first.
 */
async function ensureRunning(supervision: Supervision): Promise<void> {
  const { dir, socket } = supervision;
  if (await supervisorPid(dir)) {
    // Running: it answers once its socket is up (a moment after it starts).
    for (let i = 0; i < 50; i++) {
      try {
        await rpc(supervision, "supervisor.getState");
        return;
      } catch (error) {
        if (!(error instanceof SupervisorError) || error.fault !== "UNREACHABLE") throw error;
      }
      await sleep(200);
    }
    throw new Error(`the supervisor in ${dir} runs but does not answer on ${socket}; stop it (see supervisord.pid there) and run up again`);
  }
  await stopOrphans(dir);
  // Traversable, not listable: a program run as another user (PostgreSQL as `postgres`) reads its own start script.
  await fs.mkdir(programsDir(dir), { recursive: true, mode: 0o711 });
  await fs.chmod(dir, 0o711);
  await fs.chmod(programsDir(dir), 0o711);
  // Every file in it is private: the supervisor's log is created here, not by the supervisor (umask).
  await (await fs.open(path.join(dir, "supervisord.log"), "a", 0o600)).close();
  await fs.mkdir(path.dirname(socket), { recursive: true, mode: 0o700 });
  const config = path.join(dir, "supervisord.conf");
  await writeFileAtomically(config, supervisorConfig(dir, socket), 0o600);
  const log = await fs.open(path.join(dir, "supervisord.out"), "a", 0o600);
  const python = path.join(supervision.home, "bin", "python3");
  const starter = "import sys; sys.path.insert(0, sys.argv.pop(1)); from supervisor.supervisord import main; main()";
  // Detached, in its own process group: it outlives the plugin process, which the engine ends after each operation.
  const child = spawn(python, ["-c", starter, path.join(supervision.home, "lib"), "-c", config], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: process.env.LANG ?? "C.UTF-8", [MARKER]: dir },
    detached: true,
    stdio: ["ignore", log.fd, log.fd],
  });
  await log.close();
  child.unref();
  for (let i = 0; i < 100; i++) {
    try {
      await rpc(supervision, "supervisor.getState");
      return;
    } catch (error) {
      if (!(error instanceof SupervisorError) || error.fault !== "UNREACHABLE") throw error;
    }
    if (child.exitCode !== null) break;
    await sleep(150);
  }
  const output = await fs.readFile(path.join(dir, "supervisord.out"), "utf8").catch(() => "");
  throw new Error(`the supervisor did not start in ${dir}: ${output.trim().split("\n").slice(-5).join("\n")}`);
}

/** Starts the stack's supervisor unless it runs (stopping what a killed one left running first). */
export function ensureSupervisor(supervision: Supervision): Promise<void> {
  return serialised(supervision.dir, () => ensureRunning(supervision));
}

/** Starts the supervisor if needed and adds the program, which it starts at once. */
export function addProgram(supervision: Supervision, name: string, spec: ProgramSpec): Promise<void> {
  return serialised(supervision.dir, async () => {
    await ensureRunning(supervision);
    const ids = idsFor(spec.runAs);
    const script = path.join(programsDir(supervision.dir), `${name}.sh`);
    await writeFileAtomically(script, startScript(spec), 0o600);
    if (ids.uid !== undefined) await fs.chown(script, ids.uid, ids.gid ?? ids.uid);
    await writeFileAtomically(path.join(programsDir(supervision.dir), `${name}.conf`), programSection(name, spec, script), 0o600);
    await rpc(supervision, "supervisor.reloadConfig");
    try {
      await rpc(supervision, "supervisor.addProcessGroup", name);
    } catch (error) {
      if (!(error instanceof SupervisorError) || error.fault !== "ALREADY_ADDED") throw error;
      await rpc(supervision, "supervisor.startProcess", name, false);
    }
  });
}

/**
 * Stops the program and removes it from the supervisor; the supervisor
 * itself stops with its last program. Whatever a killed supervisor left of
 * the program is stopped too.
 */
export function removeProgram(supervision: Supervision, name: string): Promise<void> {
  return serialised(supervision.dir, async () => {
    const { dir } = supervision;
    if (await supervisorPid(dir)) {
      try {
        await rpc(supervision, "supervisor.stopProcess", name, true);
      } catch (error) {
        if (!(error instanceof SupervisorError) || !["BAD_NAME", "NOT_RUNNING"].includes(error.fault)) throw error;
      }
      try {
        await rpc(supervision, "supervisor.removeProcessGroup", name);
      } catch (error) {
        if (!(error instanceof SupervisorError) || error.fault !== "BAD_NAME") throw error;
      }
    }
    await fs.rm(path.join(programsDir(dir), `${name}.conf`), { force: true });
    await fs.rm(path.join(programsDir(dir), `${name}.sh`), { force: true });
    const left = (await fs.readdir(programsDir(dir)).catch(() => [] as string[])).filter((f) => f.endsWith(".conf"));
    if (left.length > 0) return;
    const pid = await supervisorPid(dir);
    if (pid !== undefined) {
      await rpc(supervision, "supervisor.shutdown").catch(() => undefined);
      for (let i = 0; i < 300 && (await supervisorPid(dir)) !== undefined; i++) await sleep(100);
    }
    // Nothing of this supervisor may outlive it (its programs after a kill -9 of it, say).
    await stopOrphans(dir);
    // A private socket folder of its own goes with it; the supervisor's folder stays (its log).
    if (path.dirname(supervision.socket) !== dir) await fs.rm(path.dirname(supervision.socket), { recursive: true, force: true });
    await fs.rm(supervision.socket, { force: true });
  });
}

/** One program's record in the supervisor's log: how often it was started since `pid` was, and its last exit. */
export interface ProgramHistory {
  restarts: number;
  lastExit?: { time: string; description: string };
}

/**
 * Reads the supervisor's own log for a program: each start is a `spawned:`
 * line, each end an `exited:` line. Restarts count the starts after the one
 * that gave `sincePid` (the deployment's). Pure.
 */
export function programHistory(log: string, name: string, sincePid: number): ProgramHistory {
  const lines = log.split("\n");
  const spawned = `spawned: '${name}' with pid `;
  const from = lines.findLastIndex((line) => line.endsWith(`${spawned}${sincePid}`));
  const starts = lines.filter((line, i) => i > from && line.includes(spawned)).length;
  // Without the deployment's own start in the log (a log removed by hand), every start but the first is a restart.
  const restarts = from >= 0 ? starts : Math.max(0, starts - 1);
  const exited = `exited: ${name} (`;
  const last = lines.findLast((line, i) => i > from && line.includes(exited) && line.endsWith(")"));
  if (last === undefined) return { restarts };
  const time = last.split(" ").slice(0, 2).join(" ").replace(",", ".");
  return { restarts, lastExit: { time, description: last.slice(last.indexOf(exited) + exited.length, -1) } };
}

/** The supervisor's log, as text (empty when there is none). */
export function supervisorLog(dir: string): Promise<string> {
  return fs.readFile(path.join(dir, "supervisord.log"), "utf8").catch(() => "");
}
