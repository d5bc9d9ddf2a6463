// What the plugin's resources need of this machine: process identity,
// ports, files written atomically, programs run as another system user.
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as net from "node:net";
import * as path from "node:path";

/**
 * Field 22 of /proc/PID/stat (start time in clock ticks since boot), or
 * undefined when the process is gone or a zombie. With the pid, it proves
 * identity: a reused pid has another start time.
 */
export async function processStartTime(pid: number): Promise<string | undefined> {
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

/** The parent's pid (field 4 of /proc/PID/stat), or undefined when the process is gone. */
export async function parentPid(pid: number): Promise<number | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      // Nothing listening, the kernel may still connect a socket to itself when it picks the same
      // port as the socket's own (ports chosen by FreePort are in the ephemeral range): that is not in use.
      const self = socket.localPort === port;
      socket.destroy();
      resolve(!self);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The process listening on 127.0.0.1:`port` (or any address), as `pid <n> (<command line>)`, when this user may see it. */
export async function portHolder(port: number): Promise<string | undefined> {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await fs.readFile(table, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 is the socket's inode.
      if (fields[1]?.endsWith(`:${hex}`) && fields[3] === "0A" && fields[9]) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of (await fs.readdir("/proc")).filter((p) => /^\d+$/.test(p))) {
    const fds = await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode !== undefined && inodes.has(inode)) {
        const command = (await fs.readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0").join(" ").trim();
        return `pid ${pid} (${command.length > 200 ? `${command.slice(0, 199)}…` : command})`;
      }
    }
  }
  return undefined;
}

/** Asks the kernel for a free port on 127.0.0.1. */
export function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * libpq's environment for a TCP connection: over TLS, the server's certificate
 * checked against `caFile` and its name, when a certificate authority is given.
 */
export function pgTlsEnvironment(caFile: string | undefined): Record<string, string> {
  return caFile === undefined ? {} : { PGSSLMODE: "verify-full", PGSSLROOTCERT: caFile };
}

/** uid/gid of `runAs`, when we are root and a user is named; else none (run as ourselves). */
export function idsFor(runAs: string): { uid?: number; gid?: number } {
  if (!runAs || process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync("id", [flag, runAs], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/** Runs a program (as `runAs` when we are root); rejects with its stderr. Input goes through stdin, never the command line. */
export function run(
  command: string,
  args: string[],
  options: { runAs?: string; stdin?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const ids = idsFor(options.runAs ?? "");
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: "/",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
      ...ids,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    // A program that does not read its input closes the pipe early; that is not a failure.
    child.stdin.on("error", () => undefined);
    child.once("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr.trim() || `${command} exited with ${code}`))));
    child.stdin.end(options.stdin ?? "");
  });
}

/** Writes `content` to `file` atomically (temporary file + rename) with `mode`, in a 0700 directory if it creates one. */
export async function writeFileAtomically(file: string, content: string, mode: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.writeFile(temporary, content, { mode, flag: "wx" });
    await fs.chmod(temporary, mode);
    await fs.rename(temporary, file);
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

/** Makes `directory` hold exactly the entries `names`: removes any other entry, then lets `place` write each one. */
export async function syncFolder(
  directory: string,
  mode: number,
  names: string[],
  place: (name: string, full: string) => Promise<void>,
): Promise<void> {
  await fs.mkdir(directory, { recursive: true, mode });
  for (const entry of await fs.readdir(directory)) {
    if (!names.includes(entry)) await fs.rm(path.join(directory, entry), { recursive: true, force: true });
  }
  for (const name of names) await place(name, path.join(directory, name));
}

/** True when `file` exists. */
export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
