// The supervisor of a local Service: runs the service's program, and starts
// it again when it exits, after 1 s, 2 s, 4 s ... up to 30 s (back to 1 s
// once a run lasted a minute). Stopping the supervisor (SIGTERM) stops the
// program. It records the program's pid and start time in `child.pid`: a
// program left over by a supervisor that was killed is stopped from that
// file before the next supervisor starts (LocalProcess `leftoverPidFiles`).
//
//   node supervisor.js <folder> <program> [args...]
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const [folder, program, ...args] = process.argv.slice(2);
if (folder === undefined || program === undefined) {
  console.error("usage: supervisor.js <folder> <program> [args...]");
  process.exit(2);
}
const pidFile = path.join(folder, "child.pid");
const log = (message: string) => console.log(`[supervisor ${new Date().toISOString()}] ${message}`);

function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

let stopping = false;
let child: ReturnType<typeof spawn> | undefined;
for (const signal of ["SIGTERM", "SIGINT"] as const)
  process.on(signal, () => {
    stopping = true;
    if (child?.pid !== undefined && child.exitCode === null) child.kill("SIGTERM");
    else process.exit(0);
  });

let delay = 1000;
let restarts = 0;
while (!stopping) {
  const started = Date.now();
  child = spawn(program, args, { stdio: "inherit" });
  if (child.pid !== undefined) fs.writeFileSync(pidFile, `${child.pid} ${startTime(child.pid) ?? ""}\n`, { mode: 0o600 });
  log(`started ${program} (pid ${child.pid}, restarts ${restarts})`);
  const code = await new Promise<string>((resolve) => {
    child!.once("error", (error) => resolve(error.message));
    child!.once("exit", (exitCode, signal) => resolve(signal ?? String(exitCode)));
  });
  fs.rmSync(pidFile, { force: true });
  if (stopping) break;
  if (Date.now() - started > 60_000) delay = 1000;
  log(`${program} ended (${code}); starting it again in ${delay / 1000} s`);
  await new Promise((r) => setTimeout(r, delay));
  delay = Math.min(delay * 2, 30_000);
  restarts++;
}
process.exit(0);
