import * as pulumi from "@pulumi/pulumi";

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

/** Inputs of a {@link LocalProcess}. */
export interface LocalProcessArgs {
  /** Absolute path of the executable. */
  command: pulumi.Input<string>;
  /** Arguments. Never put credentials here: command lines are world-readable in /proc. */
  args?: pulumi.Input<pulumi.Input<string>[]>;
  /** Working directory. */
  cwd: pulumi.Input<string>;
  /** Environment variables (plain). `PATH` and `LANG` are inherited unless given. */
  env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Environment variables holding credentials; kept secret in state, never logged. */
  secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** File receiving stdout and stderr (appended). */
  logFile: pulumi.Input<string>;
  /** TCP port the process listens on at 127.0.0.1; must be free when it starts. */
  port: pulumi.Input<number>;
  /** Readiness check. */
  health: HealthCheck;
  /** Seconds to wait for readiness before stopping it and failing. @default 120 */
  startTimeoutSeconds?: number;
  /** Run as this system user when deploying as root (e.g. PostgreSQL refuses root). @default the current user */
  runAs?: string;
  /** Any change of this value restarts the process (e.g. a hash of its configuration files). @default "" */
  restartTrigger?: pulumi.Input<string>;
  /**
   * Files removed before each start: e.g. a launcher's pid file, which would
   * name a predecessor that was stopped but not yet reaped. @default []
   */
  staleFiles?: string[];
  /**
   * Files written before a start when they do not exist yet (mode 0600):
   * e.g. a deny-all rules file the server needs to start, which another
   * resource then fills in. @default {}
   */
  initialFiles?: Record<string, string>;
}

interface ProcessInputs {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  secretEnv: Record<string, string>;
  logFile: string;
  port: number;
  health: HealthCheck;
  startTimeoutSeconds: number;
  runAs: string;
  restartTrigger: string;
  staleFiles: string[];
  initialFiles: Record<string, string>;
}

interface ProcessOutputs {
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22): with the pid, proof of identity. */
  startTime: string;
  port: number;
  logFile: string;
}

// Methods of a dynamic provider are serialized into state and run in the
// provider's own process: they import what they need inside the method and
// only call functions defined in this file.

/** Field 22 of /proc/PID/stat, or undefined when the process is gone or a zombie. */
async function processStartTime(pid: number): Promise<string | undefined> {
  const fs = await import("node:fs/promises");
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; fields after it start past the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
async function portInUse(port: number): Promise<boolean> {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
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
    let response = await fetch(`http://127.0.0.1:${port}/v1/statement`, { method: "POST", body: sql, headers, signal: AbortSignal.timeout(5000) });
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
async function failureExcerpt(file: string): Promise<string> {
  const fs = await import("node:fs/promises");
  try {
    const lines = (await fs.readFile(file, "utf8")).trimEnd().split("\n");
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
async function stopProcess(pid: number, startTime: string, port: number): Promise<void> {
  if ((await processStartTime(pid)) === startTime) {
    signalGroup(pid, "SIGTERM");
    const deadline = Date.now() + 30_000;
    while ((await processStartTime(pid)) === startTime && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if ((await processStartTime(pid)) === startTime) signalGroup(pid, "SIGKILL");
  }
  const deadline = Date.now() + 15_000;
  while ((await portInUse(port)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
}

async function startProcess(inputs: ProcessInputs): Promise<ProcessOutputs> {
  const childProcess = await import("node:child_process");
  const fs = await import("node:fs");
  const path = await import("node:path");
  if (await portInUse(inputs.port)) {
    throw new Error(
      `port ${inputs.port} on 127.0.0.1 is already in use by another process; ` +
        `choose another port or stop that process`,
    );
  }
  let ids: { uid?: number; gid?: number } = {};
  if (inputs.runAs && process.getuid?.() === 0) {
    const id = (flag: string) => Number(childProcess.execFileSync("id", [flag, inputs.runAs], { encoding: "utf8" }).trim());
    ids = { uid: id("-u"), gid: id("-g") };
  }
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
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: process.env.LANG ?? "C.UTF-8",
    ...inputs.env,
    ...inputs.secretEnv,
  };
  const child = childProcess.spawn(inputs.command, inputs.args, {
    cwd: inputs.cwd,
    env,
    detached: true,
    stdio: ["ignore", log, log],
    ...ids,
  });
  fs.closeSync(log);
  const pid = child.pid;
  if (pid === undefined) {
    await new Promise((resolve) => child.once("error", resolve));
    throw new Error(`could not start ${inputs.command}; see ${inputs.logFile}`);
  }
  child.unref();
  const startTime = (await processStartTime(pid)) ?? "";
  const deadline = Date.now() + inputs.startTimeoutSeconds * 1000;
  for (;;) {
    if ((await processStartTime(pid)) !== startTime) {
      throw new Error(`${inputs.command} exited during start-up. From its log (${inputs.logFile}):\n${await failureExcerpt(inputs.logFile)}`);
    }
    if (await healthy(inputs.port, inputs.health)) break;
    if (Date.now() > deadline) {
      await stopProcess(pid, startTime, inputs.port);
      throw new Error(
        `${inputs.command} was not ready within ${inputs.startTimeoutSeconds} s and was stopped. ` +
          `From its log (${inputs.logFile}):\n${await failureExcerpt(inputs.logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { pid, startTime, port: inputs.port, logFile: inputs.logFile };
}

const processProvider: pulumi.dynamic.ResourceProvider<ProcessInputs, ProcessOutputs> = {
  async create(inputs) {
    const outs = await startProcess(inputs);
    return { id: `${outs.pid}-${outs.startTime}`, outs };
  },

  async read(id, props) {
    // A process that died, or whose pid now belongs to another process, is drift:
    // an empty id makes refresh drop it, and the next up starts it again.
    if (props && (await processStartTime(props.pid)) === props.startTime) return { id, props };
    return { id: "" };
  },

  async update(_id, olds, news) {
    await stopProcess(olds.pid, olds.startTime, olds.port);
    return { outs: await startProcess(news) };
  },

  async delete(_id, props) {
    await stopProcess(props.pid, props.startTime, props.port);
  },
};

/**
 * A long-running process on this machine, supervised by the Pulumi engine:
 * create starts it (detached, logs to a file) and waits until it is healthy;
 * delete stops it and waits for its port to close; refresh reports a dead
 * process as gone so the next up starts it again; a change of any input
 * restarts it. Identity is the pid plus its start time, so a reused pid is
 * never mistaken for ours or killed.
 */
export class LocalProcess extends pulumi.dynamic.Resource {
  declare readonly pid: pulumi.Output<number>;
  declare readonly startTime: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  declare readonly logFile: pulumi.Output<string>;

  constructor(name: string, args: LocalProcessArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      processProvider,
      name,
      {
        command: args.command,
        args: args.args ?? [],
        cwd: args.cwd,
        env: args.env ?? {},
        secretEnv: pulumi.secret(args.secretEnv ?? {}),
        logFile: args.logFile,
        port: args.port,
        health: args.health,
        startTimeoutSeconds: args.startTimeoutSeconds ?? 120,
        runAs: args.runAs ?? "",
        restartTrigger: args.restartTrigger ?? "",
        staleFiles: args.staleFiles ?? [],
        initialFiles: args.initialFiles ?? {},
        pid: undefined,
        startTime: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["secretEnv"] }),
      "strata-local",
      "Process",
    );
  }
}
