// Benchmark: what logins and TLS cost a query. Deploys the local demo through
// Strata (HTTPS, password logins), then starts a twin Trino from the same
// configuration with the security taken out (plain HTTP, no logins): same
// catalogs, same access rules, same JVM. Runs the demo query as admin on
// both, alternately, and prints the medians. Prints figures; asserts nothing.
//
//   bash scripts/setup.sh && node bench/identity.ts
//
// Goal: with logins and TLS at most 5 % slower than without (median of 20).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { loadTemplate, loadToolchain, runOperation } from "@strata/cli";
import { TrinoSession, passwordFromFile } from "@strata/user-kernel";

const ROUNDS = Number(process.env.BENCH_RUNS ?? 20);
const toolchain = loadToolchain();
const template = await loadTemplate("local");
const { demo } = (await import(path.join(template.workDir, "program.js"))) as { demo: { query: string } };
const root = fs.mkdtempSync(path.join(os.tmpdir(), "strata-bench-identity-"));
// Traversable, like a user's home: PostgreSQL runs as its own system user below it when we are root.
fs.chmodSync(root, 0o711);
const workDir = path.join(root, "work");
fs.mkdirSync(workDir);
fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: strata-identity\nruntime: nodejs\n");
const target = { workDir, program: template.program, stackName: "dev", home: path.join(root, "home") };
const quiet = { onOutput: () => undefined };
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The same server files without security: plain HTTP on `port`, no logins, no shared secret. */
function withoutSecurity(etc: string, twin: string, port: number): void {
  fs.cpSync(etc, twin, { recursive: true });
  fs.rmSync(path.join(twin, "password-authenticator.properties"));
  const config = fs
    .readFileSync(path.join(etc, "config.properties"), "utf8")
    .split("\n")
    .filter((line) => !/^(http-server\.|internal-communication\.|discovery\.uri)/.test(line));
  config.push(`http-server.http.port=${port}`, `discovery.uri=http://127.0.0.1:${port}`, "");
  fs.writeFileSync(path.join(twin, "config.properties"), config.join("\n"));
  const node = fs
    .readFileSync(path.join(etc, "node.properties"), "utf8")
    .replace(/node\.data-dir=.*/, `node.data-dir=${path.join(root, "twin-data")}`);
  fs.writeFileSync(path.join(twin, "node.properties"), node);
}

/** The environment the supervisor starts Trino with (catalog passwords), from its 0600 start script. */
function serverEnvironment(script: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of fs.readFileSync(script, "utf8").matchAll(/^export ([A-Z_][A-Z0-9_]*)='?([^'\n]*)'?$/gm)) env[match[1]!] = match[2]!;
  return env;
}

let twinPid: number | undefined;
try {
  const started = performance.now();
  const up = await runOperation(
    "up",
    { ...target, config: { warehousePassword: { value: "bench-password-0123456789", secret: true } } },
    quiet,
  );
  const coldUp = performance.now() - started;
  const outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, o]) => [k, o.value])) as Record<string, unknown>;
  const logins = outputs.logins as Record<string, string>;
  const secured = new TrinoSession({
    endpoint: outputs.endpoint as string,
    user: "admin",
    password: passwordFromFile(logins.admin!),
    ca: fs.readFileSync(outputs.caFile as string, "utf8"),
  });

  const dataDir = path.join(target.home, "data", "strata-identity", "dev");
  const etc = path.join(dataDir, "clusters", "analytics", "etc");
  const twinEtc = path.join(root, "twin-etc");
  const port = await freePort();
  withoutSecurity(etc, twinEtc, port);
  const env = serverEnvironment(path.join(dataDir, "supervisor", "programs", "analytics-server.sh"));
  const twin = spawn(
    path.join(toolchain.trinoHome, "bin", "launcher"),
    ["run", `--etc-dir=${twinEtc}`, `--data-dir=${path.join(root, "twin-data")}`, `--pid-file=${path.join(root, "twin.pid")}`],
    {
      detached: true,
      stdio: ["ignore", fs.openSync(path.join(root, "twin.log"), "a"), fs.openSync(path.join(root, "twin.log"), "a")],
      env: { ...env, PATH: `${toolchain.javaHome}/bin:/usr/bin:/bin`, JAVA_HOME: toolchain.javaHome },
    },
  );
  twinPid = twin.pid;
  const plain = new TrinoSession({ endpoint: `http://127.0.0.1:${port}`, user: "admin", attempts: 600 });
  for (const deadline = Date.now() + 180_000; ;) {
    try {
      await plain.query(demo.query);
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  // Warm both (JIT, plan caches, the login cache), then alternate so both see the same machine.
  for (let i = 0; i < 5; i++) {
    await secured.query(demo.query);
    await plain.query(demo.query);
  }
  const withSecurity: number[] = [];
  const withoutIt: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    for (const [session, times] of i % 2 === 0
      ? ([
          [secured, withSecurity],
          [plain, withoutIt],
        ] as const)
      : ([
          [plain, withoutIt],
          [secured, withSecurity],
        ] as const)) {
      const t0 = performance.now();
      await session.query(demo.query);
      times.push(performance.now() - t0);
    }
  }
  const a = median(withSecurity);
  const b = median(withoutIt);
  console.log(`identity benchmark (${os.availableParallelism()} cores; the demo query as admin; median of ${ROUNDS}, alternating)`);
  console.log(`  query with HTTPS and a password login:  ${a.toFixed(1)} ms`);
  console.log(`  query over plain HTTP, no login:        ${b.toFixed(1)} ms`);
  console.log(`  ratio: ${(a / b).toFixed(3)} (goal <= 1.05)`);
  console.log(`  cold up of the demo, identity included:  ${(coldUp / 1000).toFixed(1)} s`);
} finally {
  if (twinPid !== undefined) {
    try {
      process.kill(-twinPid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  await runOperation("destroy", target, quiet).catch((error: unknown) => console.error(`destroy failed: ${String(error)}`));
  await new Promise((r) => setTimeout(r, 3000));
  fs.rmSync(root, { recursive: true, force: true });
}
