// Benchmark: the local Workflow runner. Prints figures; asserts nothing.
//
//   bash scripts/setup.sh && node bench/workflow.ts
//
// 1. Runner overhead per step: a chain of sql steps run by the runner (run
//    and attempt records in PostgreSQL, logs, OpenLineage events with Trino's
//    IO plan of each statement) against the same statements run directly
//    with the query module. Goal: <= 50 ms per step.
// 2. A 20-step DAG of 4 independent chains of 5 steps (each step sleeps
//    0.5 s): wall time against its longest chain. Goal: <= 1.2 x.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { runOperation } from "@strata/cli";
import {
  Cluster,
  Compute,
  Database,
  Depot,
  type PlannedStep,
  Policy,
  RunStore,
  type SchedulerConfig,
  Secret,
  TrinoSession,
  passwordFromFile,
  compileWorkflow,
  localRunExecutor,
  strataProgram,
  systemClock,
} from "@strata/user-kernel";

const PASSWORD = "bench-workflow-0123456789";
const STEPS = Number(process.env.BENCH_STEPS ?? 20);
const SQL = "SELECT count(*) FROM tpch.tiny.lineitem WHERE quantity > 10";
const USER = "workflow-bench";

const program = strataProgram(() => {
  const password = new Secret("runs-password", { value: new pulumi.Config().requireSecret("password") });
  const runs = new Database("runs", { password });
  const tpch = new Depot("tpch", { source: { kind: "tpch" } });
  const cluster = new Cluster("bench", {
    compute: new Compute("bench-compute", { memoryMb: 1536 }),
    depots: [tpch],
    policies: [new Policy("bench", { access: [{ users: [USER], depot: "tpch", access: "read" }] })],
  });
  return { endpoint: cluster.endpoint, caFile: cluster.caFile, logins: cluster.loginFiles(), runsPort: runs.port };
});

const root = fs.mkdtempSync(path.join(os.tmpdir(), "strata-bench-workflow-"));
fs.chmodSync(root, 0o711);
const workDir = path.join(root, "work");
fs.mkdirSync(workDir);
fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: strata-bench-workflow\nruntime: nodejs\n");
const target = { workDir, program, stackName: "dev", home: path.join(root, "home") };
const quiet = { onOutput: () => undefined };

let login: { passwordFile: string; caFile: string } | undefined;

function config(name: string, steps: PlannedStep[], runsPort: number): SchedulerConfig {
  return {
    workflow: name,
    port: 0,
    compiled: compileWorkflow({ name, labels: {}, steps, schedules: [], timezone: "UTC", concurrency: "Allow", suspend: false }),
    after: [],
    folder: path.join(root, "workflows", name),
    runs: { host: "127.0.0.1", port: runsPort, database: "runs", user: "runs_owner" },
    logins: login ? { [USER]: login } : {},
    secretFiles: {},
    lineage: { file: path.join(root, "lineage.jsonl"), namespace: "strata://bench" },
  };
}

try {
  const up = await runOperation("up", { ...target, config: { password: { value: PASSWORD, secret: true } } }, quiet);
  const endpoint = up.outputs.endpoint!.value as string;
  login = { passwordFile: (up.outputs.logins!.value as Record<string, string>)[USER]!, caFile: up.outputs.caFile!.value as string };
  const runsPort = up.outputs.runsPort!.value as number;
  const store = await RunStore.open({
    host: "127.0.0.1",
    port: runsPort,
    database: "runs",
    user: "runs_owner",
    password: PASSWORD,
    caFile: login.caFile,
  });
  const execute = localRunExecutor(store, systemClock);
  const timedRun = async (cfg: SchedulerConfig) => {
    const run = await store.createRun(cfg.workflow, "manual", "Running", new Date());
    const started = performance.now();
    const result = await execute(run, cfg, new AbortController().signal);
    const ms = performance.now() - started;
    await store.finishRun(run.id, result.status, new Date());
    if (result.status !== "Succeeded") throw new Error(`${cfg.workflow} ended ${result.status}`);
    return ms;
  };

  // Warm both paths (JIT, Trino's plan cache, connection pools).
  const session = new TrinoSession({
    endpoint,
    user: USER,
    password: passwordFromFile(login.passwordFile),
    ca: fs.readFileSync(login.caFile, "utf8"),
  });
  for (let i = 0; i < 5; i++) await session.query(SQL);
  const trino = { server: endpoint, user: USER, image: "" };
  const chain = (n: number): PlannedStep[] =>
    Array.from({ length: n }, (_, i) => ({
      name: `s${i}`,
      dependencies: i === 0 ? [] : [`s${i - 1}`],
      kind: "sql" as const,
      statements: [SQL],
      trino,
    }));
  await timedRun(config("warm", chain(3), runsPort));

  const direct: number[] = [];
  const runner: number[] = [];
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    for (let i = 0; i < STEPS; i++) await session.query(SQL);
    direct.push(performance.now() - started);
    runner.push(await timedRun(config(`chain-${round}`, chain(STEPS), runsPort)));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const perStep = (median(runner) - median(direct)) / STEPS;

  // 4 independent chains of 5 steps, each step sleeping 0.5 s.
  const dag: PlannedStep[] = [];
  for (let c = 0; c < 4; c++)
    for (let i = 0; i < 5; i++)
      dag.push({
        name: `c${c}-s${i}`,
        dependencies: i === 0 ? [] : [`c${c}-s${i - 1}`],
        kind: "command",
        image: "",
        command: ["sleep", "0.5"],
        env: {},
        secretEnv: {},
      });
  const dagRuns: number[] = [];
  for (let round = 0; round < 3; round++) dagRuns.push(await timedRun(config(`dag-${round}`, dag, runsPort)));
  const longest = 5 * 500;
  await store.close();

  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log(`workflow runner benchmark (${os.availableParallelism()} cores; median of 3)`);
  const rows: Array<[string, string]> = [
    [`direct: ${STEPS} statements with the query module`, `${ms(median(direct))}  (${direct.map(ms).join(", ")})`],
    [`runner: a chain of ${STEPS} sql steps`, `${ms(median(runner))}  (${runner.map(ms).join(", ")})`],
    ["runner overhead per step (goal <= 50 ms)", ms(perStep)],
    ["20-step DAG, 4 chains of 5 x 0.5 s: wall", `${ms(median(dagRuns))}  (${dagRuns.map(ms).join(", ")})`],
    ["ratio to its longest chain, 2500 ms (goal <= 1.2)", (median(dagRuns) / longest).toFixed(2)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
} finally {
  await runOperation("destroy", target, quiet).catch(() => undefined);
  fs.rmSync(root, { recursive: true, force: true });
}
