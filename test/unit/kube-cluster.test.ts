// The Kubernetes test fixture's process bookkeeping (test/support/kube-cluster.ts):
// it must never signal a pid it cannot prove is still the process it started.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { type OwnedProcess, cleanStaleRuns, processStartTime, stillRunning, stopOwned } from "../support/kube-cluster.js";

const children: ChildProcess[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-kube-cluster-test-"));

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

// A command name with spaces and a ")" (field 2 of /proc/PID/stat), as any program may have.
const sleep = path.join(dir, "x) y z");
fs.symlinkSync(execFileSync("sh", ["-c", "command -v sleep"], { encoding: "utf8" }).trim(), sleep);

/** A `sleep` of our own, recorded as the fixture records its components. */
function sleeper(name: string): OwnedProcess {
  const child = spawn(sleep, ["60"], { stdio: "ignore" });
  children.push(child);
  return { name, pid: child.pid!, startTime: processStartTime(child.pid!)! };
}

async function ended(owned: OwnedProcess): Promise<void> {
  const child = children.find((c) => c.pid === owned.pid)!;
  if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once("exit", resolve));
}

/** Another start time than the process's: what a reused pid looks like. */
const reused = (owned: OwnedProcess): OwnedProcess => ({ ...owned, startTime: String(Number(owned.startTime) + 1) });

describe("the kube-cluster fixture's processes", () => {
  test("a process is identified by pid and start time (field 22 of /proc/PID/stat)", () => {
    const owned = sleeper("sleep");
    expect(fs.readFileSync(`/proc/${owned.pid}/stat`, "utf8")).toContain(" (x) y z) ");
    // Field 22 counts clock ticks from boot: a process started just now started about "uptime" seconds after boot.
    const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));
    const uptime = Number(fs.readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    expect(Math.abs(Number(owned.startTime) / ticksPerSecond - uptime)).toBeLessThan(5);
    expect(stillRunning(owned)).toBe(true);
    expect(stillRunning(reused(owned))).toBe(false);
    expect(processStartTime(2 ** 22 + 1)).toBeUndefined();
  });

  test("stopOwned never signals a pid whose start time differs, and stops the one that matches", async () => {
    const owned = sleeper("sleep");
    await stopOwned([reused(owned)]);
    expect(stillRunning(owned)).toBe(true);
    await stopOwned([owned]);
    await ended(owned);
    expect(stillRunning(owned)).toBe(false);
  });

  test("cleanStaleRuns stops the provable processes of dead runs only, and leaves live runs alone", async () => {
    const deadOwner = sleeper("dead runner");
    await stopOwned([deadOwner]);
    await ended(deadOwner);
    const mine = sleeper("etcd");
    const someoneElses = sleeper("kube-apiserver");
    const liveRuns = sleeper("etcd of a live run");
    const runDir = fs.mkdtempSync(path.join(dir, "strata-kube-"));
    const write = (name: string, content: unknown) =>
      fs.writeFileSync(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
    write("strata-kube-cluster-dead.json", { owner: deadOwner, dir: runDir, processes: [mine, reused(someoneElses)] });
    const me: OwnedProcess = { name: "test runner", pid: process.pid, startTime: processStartTime(process.pid)! };
    write("strata-kube-cluster-live.json", { owner: me, dir: path.join(dir, "strata-kube-live"), processes: [liveRuns] });
    write("strata-kube-cluster-damaged.json", "{ not json");

    expect(await cleanStaleRuns(dir)).toEqual([path.join(dir, "strata-kube-cluster-dead.json")]);
    await ended(mine);
    expect(stillRunning(mine)).toBe(false);
    expect(stillRunning(someoneElses)).toBe(true);
    expect(stillRunning(liveRuns)).toBe(true);
    expect(fs.existsSync(runDir)).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(["strata-kube-cluster-damaged.json", "strata-kube-cluster-live.json", "x) y z"]);
  });
});
