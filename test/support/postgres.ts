// A throw-away PostgreSQL 15 for tests of what talks to a server over TCP
// (the Kubernetes migrations Job's script): initdb with SCRAM on TCP and peer
// authentication on a private socket, listening on 127.0.0.1 only. initdb
// and postgres refuse to run as root: as root they run as the `postgres`
// system user on a directory it owns.
import { execFile, execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "./processes.js";

export const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";

/** What a program printed and its exit code. */
export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end with `env` as its whole environment (default: ours); never rejects for a non-zero exit. */
export function runProgram(command: string, args: string[], env: Record<string, string | undefined> = process.env): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { env }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
    // A program that exits without reading its input closes the pipe early; that is not a failure.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end();
  });
}

/** A running server and how to reach it. */
export interface TestPostgres {
  readonly port: number;
  /** The folder of its Unix socket, where the system user `runAs` logs in as the superuser `postgres` (peer authentication; as root). */
  readonly socketDirectory: string;
  /** The system user the server runs as ("" = this process's, when not root). */
  readonly runAs: string;
  /** PG* variables that reach the server over TCP as its superuser `postgres` (no TLS: the test server has no certificate). */
  adminEnv(): Record<string, string>;
  /** Runs psql (`-X`: no psqlrc) as the superuser over TCP; `env` overrides the PG* variables. */
  psql(args: string[], env?: Record<string, string>): Promise<Finished>;
  /** Everything the server logged so far. */
  log(): string;
  /** Stops the server and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/** Attempts at starting the server when the port picked was taken before it bound it. */
const PORT_ATTEMPTS = 3;

/** Starts a server with `settings` (`-c name=value`; plain words, they pass through pg_ctl's command line). */
export async function startPostgres(settings: Record<string, string> = {}): Promise<TestPostgres> {
  const root = process.getuid?.() === 0;
  const asServer = (command: string, args: string[]): [string, string[]] =>
    root ? ["runuser", ["-u", "postgres", "--", path.join(POSTGRES_BIN, command), ...args]] : [path.join(POSTGRES_BIN, command), args];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-pg-"));
  // Traversable by the server's user, not listable.
  fs.chmodSync(dir, 0o711);
  const owned = (target: string) => {
    if (root) execFileSync("chown", ["postgres:postgres", target]);
  };
  const data = path.join(dir, "data");
  const sockets = path.join(dir, "sockets");
  const logFile = path.join(dir, "logs", "server.log");
  const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      await runProgram(...asServer("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const folder of [data, sockets, path.dirname(logFile)]) {
      fs.mkdirSync(folder, { mode: 0o700 });
      owned(folder);
    }
    const adminPassword = crypto.randomBytes(18).toString("base64url");
    const pwfile = path.join(dir, "pwfile");
    fs.writeFileSync(pwfile, `${adminPassword}\n`, { mode: 0o600 });
    owned(pwfile);
    const init = await runProgram(
      ...asServer("initdb", [
        "-D",
        data,
        "-U",
        "postgres",
        `--pwfile=${pwfile}`,
        "--auth-host=scram-sha-256",
        "--auth-local=peer",
        "--encoding=UTF8",
        "--locale=C.UTF-8",
        "--no-instructions",
      ]),
    );
    fs.rmSync(pwfile);
    if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    let port = 0;
    for (let attempt = 1; !started; attempt++) {
      port = await freePort();
      const options = ["-p", String(port), "-k", sockets, "-c", "listen_addresses=127.0.0.1"];
      for (const [name, value] of Object.entries(settings)) options.push("-c", `${name}=${value}`);
      const pgCtl = ["-D", data, "-l", logFile, "-w", "-t", "60", "-o", options.join(" "), "start"];
      const start = await runProgram(...asServer("pg_ctl", pgCtl));
      started = start.code === 0;
      if (!started && (attempt >= PORT_ATTEMPTS || !/already in use/i.test(log()))) {
        throw new Error(`postgres did not start: ${start.stderr}${log().slice(-2000)}`);
      }
    }
    const adminEnv = () => ({
      PGHOST: "127.0.0.1",
      PGPORT: String(port),
      PGUSER: "postgres",
      PGPASSWORD: adminPassword,
      PGSSLMODE: "disable",
    });
    const psql = (args: string[], env: Record<string, string> = {}) =>
      runProgram(path.join(POSTGRES_BIN, "psql"), ["-X", ...args], { ...process.env, ...adminEnv(), ...env });
    return { port, socketDirectory: sockets, runAs: root ? "postgres" : "", adminEnv, psql, log, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
