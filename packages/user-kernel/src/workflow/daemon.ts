// The scheduler process of a local Workflow (a LocalProcess): ticks the
// Scheduler, and serves on 127.0.0.1 its health, run requests, run records
// and step logs to the strata command.
//   node daemon.js <workflow.json>   (password of the runs Database in STRATA_RUNS_PASSWORD)
import * as fs from "node:fs";
import * as http from "node:http";
import type { SchedulerConfig } from "./daemon-config.js";
import { localRunExecutor, readRunLogs, runLogDir } from "./execute-run.js";
import { systemClock } from "./runner.js";
import { Scheduler } from "./scheduler.js";
import { RunStore } from "./store.js";

const TICK_MS = 2000;

function readConfig(file: string): SchedulerConfig {
  return JSON.parse(fs.readFileSync(file, "utf8")) as SchedulerConfig;
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, { "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json" });
  response.end(text);
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error("usage: daemon.js <workflow.json>");
  const first = readConfig(file);
  const store = await RunStore.open({ ...first.runs, password: process.env.STRATA_RUNS_PASSWORD ?? "" });
  const scheduler = new Scheduler({
    store,
    clock: systemClock,
    config: () => readConfig(file),
    execute: localRunExecutor(store, systemClock),
  });
  await scheduler.recover();

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const parts = url.pathname.split("/").filter(Boolean);
    const handle = async () => {
      if (request.method === "GET" && url.pathname === "/healthz") return send(response, 200, `ok ${first.workflow}\n`);
      if (request.method === "POST" && url.pathname === "/runs") return send(response, 201, await scheduler.runNow("manual"));
      if (request.method === "GET" && url.pathname === "/runs") {
        const limit = Math.min(Number(url.searchParams.get("limit") ?? 20) || 20, 500);
        return send(response, 200, await store.runs(url.searchParams.get("workflow") ?? undefined, limit));
      }
      if (request.method === "GET" && parts[0] === "runs" && parts.length >= 2) {
        const run = await store.run(parts[1]!);
        if (!run) return send(response, 404, `no run ${parts[1]}\n`);
        if (parts[2] === "logs") {
          // Logs of this scheduler's own workflow only: another workflow's folder is its scheduler's.
          if (run.workflow !== first.workflow) return send(response, 404, `run ${run.id} belongs to workflow ${run.workflow}\n`);
          return send(response, 200, readRunLogs(runLogDir(first, run.id), parts[3]));
        }
        return send(response, 200, { ...run, steps: await store.stepStatuses(run.id), attempts: await store.attempts(run.id) });
      }
      return send(response, 404, "not found\n");
    };
    handle().catch((error: unknown) => send(response, 500, `${(error as Error).message}\n`));
  });
  server.listen(first.port, "127.0.0.1");

  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    scheduler
      .tick()
      .catch((error: unknown) => console.error(`tick: ${(error as Error).message}`))
      .finally(() => (ticking = false));
  }, TICK_MS);

  const shutdown = () => {
    clearInterval(timer);
    server.close();
    // Running runs are stopped and recorded as such before the process ends.
    void scheduler
      .stopAll()
      .then(() => store.close())
      .finally(() => process.exit(0));
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  console.log(`scheduler of workflow ${first.workflow} listening on 127.0.0.1:${first.port}`);
}

main().catch((error: unknown) => {
  console.error(`scheduler: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
