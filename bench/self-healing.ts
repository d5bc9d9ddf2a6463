// Benchmark: how long the local platform takes to serve again after its
// engines die. Deploys the demo through Strata, then, ROUNDS times, kills
// Trino and PostgreSQL with SIGKILL and times the first answer to a query
// over the warehouse (the supervisor starts both again; no command is run).
// Prints figures; asserts nothing.
//
//   bash scripts/setup.sh && node bench/self-healing.ts
//
// Goal: serving again within 30 s (median of 3). The platform test checks
// that it serves again with the same rows, not how fast.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTemplate, runOperation } from "@strata/cli";
import { TrinoSession, passwordFromFile } from "@strata/user-kernel";

const ROUNDS = Number(process.env.BENCH_RUNS ?? 3);
const template = await loadTemplate("local");
const root = fs.mkdtempSync(path.join(os.tmpdir(), "strata-bench-healing-"));
// Traversable, like a user's home: PostgreSQL runs as its own system user below it when we are root.
fs.chmodSync(root, 0o711);
const workDir = path.join(root, "work");
fs.mkdirSync(workDir);
fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: strata-healing\nruntime: nodejs\n");
const home = path.join(root, "home");
const target = { workDir, program: template.program, stackName: "dev", home };
const dataDir = path.join(home, "data", "strata-healing", "dev");
const quiet = { onOutput: () => undefined };

/** The JVM whose command line names the Cluster's own folder. */
function trinoPid(): number {
  const folder = path.join(dataDir, "clusters", "analytics") + path.sep;
  const read = (pid: string) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      return "";
    }
  };
  const pid = fs
    .readdirSync("/proc")
    .find((p) => /^\d+$/.test(p) && read(p).includes("io.trino.server.TrinoServer") && read(p).includes(folder));
  if (pid === undefined) throw new Error("Trino is not running");
  return Number(pid);
}

const postmasterPid = () =>
  Number(fs.readFileSync(path.join(dataDir, "postgres", "warehouse-server", "data", "postmaster.pid"), "utf8").split("\n")[0]);

try {
  const up = await runOperation(
    "up",
    { ...target, config: { warehousePassword: { value: "bench-password-0123456789", secret: true } } },
    quiet,
  );
  const outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, o]) => [k, o.value])) as Record<string, unknown>;
  const session = new TrinoSession({
    endpoint: outputs.endpoint as string,
    user: "admin",
    password: passwordFromFile((outputs.logins as Record<string, string>).admin!),
    ca: fs.readFileSync(outputs.caFile as string, "utf8"),
  });
  const sql = "SELECT count(*) FROM warehouse.public.orders";
  await session.query(sql);
  const seconds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    process.kill(trinoPid(), "SIGKILL");
    process.kill(postmasterPid(), "SIGKILL");
    const killedAt = performance.now();
    for (;;) {
      if (
        await session.query(sql).then(
          () => true,
          () => false,
        )
      )
        break;
      if (performance.now() - killedAt > 300_000) throw new Error("not serving again after 300 s");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    seconds.push((performance.now() - killedAt) / 1000);
    // The supervisor counts quick deaths: let both run a while before the next kill.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
  }
  const median = [...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)]!;
  process.stdout.write(
    `Trino and PostgreSQL killed with SIGKILL, first answer again: ${seconds.map((s) => `${s.toFixed(1)} s`).join(", ")}; ` +
      `median ${median.toFixed(1)} s (goal: 30 s, ${median < 30 ? "met" : "NOT met"})\n`,
  );
} finally {
  await runOperation("destroy", target, quiet).catch((error: unknown) => console.error(`destroy failed: ${String(error)}`));
  await new Promise((r) => setTimeout(r, 3000));
  fs.rmSync(root, { recursive: true, force: true });
}
