// Benchmark: the cost of a rollback. Prints figures; asserts nothing.
//
//   bash scripts/setup.sh && node bench/rollback.ts
//
// A platform (a PostgreSQL Database, a Cluster, a Policy) deployed as
// version 1, then changed (version 2: the Policy's row filter). From version
// 2's state, going back to version 1's program is timed two ways, alternating,
// median of BENCH_RUNS (3) each:
//   1. `up` of version 1's program from its template folder;
//   2. `strata rollback --to 1` (the recorded artefact: a preview that checks
//      for data loss, then the update).
// Goal: (2) at most 1.2 x (1).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listVersions, loadTemplate, rollback, runOperation, upAndRecord } from "@strata/cli";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const repo = path.resolve(import.meta.dirname, "..");
fs.mkdirSync(path.join(repo, "test", ".work"), { recursive: true });
const work = fs.mkdtempSync(path.join(repo, "test", ".work", "bench-rollback-"));
const home = fs.mkdtempSync(path.join(os.tmpdir(), "strata-bench-rollback-"));
fs.chmodSync(home, 0o711);
const config = { password: { value: "bench-rollback-0123456789", secret: true } };
const quiet = { onOutput: () => undefined };

function writeProgram(region: string): void {
  fs.writeFileSync(
    path.join(work, "program.js"),
    `import * as pulumi from "@pulumi/pulumi";
import { Cluster, Compute, Database, Policy, Secret, strataProgram } from "@strata/user-kernel";
export default strataProgram(() => {
  const password = new Secret("shop-password", { value: new pulumi.Config().requireSecret("password") });
  const shop = new Database("shop", { password, migrations: [{ id: "001", sql: "CREATE TABLE customers (id integer PRIMARY KEY, region text NOT NULL)" }] });
  const cluster = new Cluster("analytics", {
    compute: new Compute("analytics-compute", { memoryMb: 1024 }),
    depots: [shop.depot],
    groups: { analysts: ["analyst"] },
    policies: [new Policy("readers", {
      access: [{ groups: ["analysts"], depot: "shop", access: "read" }],
      filters: [{ groups: ["analysts"], depot: "shop", schema: "public", table: "customers", where: "region = '${region}'" }],
    })],
  });
  return { endpoint: cluster.endpoint };
});
`,
  );
}

fs.writeFileSync(path.join(work, "Pulumi.yaml"), "name: strata-bench-rollback\nruntime: nodejs\n");
const target = async () => ({ ...(await loadTemplate(work)), stackName: "dev", home, config });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  writeProgram("EU");
  await upAndRecord(await target(), quiet); // version 1
  const ups: number[] = [];
  const rollbacks: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    writeProgram("US");
    await upAndRecord(await target(), quiet); // back on a version-2 state
    writeProgram("EU");
    let started = performance.now();
    await upAndRecord(await target(), quiet);
    ups.push(performance.now() - started);

    writeProgram("US");
    await upAndRecord(await target(), quiet);
    started = performance.now();
    await rollback(await target(), 1, quiet);
    rollbacks.push(performance.now() - started);
  }
  const up = median(ups);
  const back = median(rollbacks);
  process.stdout.write(
    `going back to version 1 from version 2's state (median of ${RUNS}, ${listVersions(await target()).length} versions recorded):\n`,
  );
  process.stdout.write(`  up of version 1's program   ${(up / 1000).toFixed(2)} s\n`);
  process.stdout.write(`  rollback --to 1             ${(back / 1000).toFixed(2)} s\n`);
  process.stdout.write(`  rollback / up               ${(back / up).toFixed(2)} x (goal <= 1.2 x)\n`);
} finally {
  await runOperation("destroy", await target(), quiet).catch((error: unknown) =>
    process.stderr.write(`destroy failed: ${String(error)}\n`),
  );
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
}
