// Benchmark: the local data platform demo through Strata, against a bare
// floor that starts the same PostgreSQL and Trino with the same
// configuration and runs the same first query. Prints figures; asserts nothing.
//
//   bash scripts/setup.sh && node bench/local-platform.ts
//
// Figures: cold up to first query (Strata and floor, and their ratio),
// no-op up, destroy. Goals: cold up <= 1.1 x floor, no-op up (preview included) <= 2 s.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { loadTemplate, loadToolchain, runOperation } from "@strata/cli";
// Node runs the benchmarks from their TypeScript source: the module is named by its own file.
import { writeTrinoSecurity } from "./trino-security.ts";
import {
  PLUGINS_OF,
  SHARED_SECRET_ENV,
  TrinoSession,
  compileCatalogProperties,
  passwordFromFile,
  ICEBERG_CATALOG_MIGRATION,
  compilePolicies,
  compileTrinoServerFiles,
  renderGroups,
  renderProperties,
  renderRules,
  trinoAotCacheFile,
} from "@strata/user-kernel";

const PASSWORD = "bench-password-0123456789";
const toolchain = loadToolchain();
const template = await loadTemplate("local");
const templateModule = (await import(path.join(template.workDir, "program.js"))) as {
  demo: { query: string };
  policies: Record<string, object>;
  lakePolicies: () => Record<string, object>;
  groups: Record<string, string[]>;
  CLUSTER_MEMORY_MB: number;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const javaRelease = /^JAVA_VERSION="([^"]+)"/m.exec(fs.readFileSync(path.join(toolchain.javaHome, "release"), "utf8"))![1]!;
const aotCache = trinoAotCacheFile(toolchain.trinoHome, javaRelease);

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, performance.now() - started];
}

// ---------------------------------------------------------------- Strata

async function strata(
  skipPreview: boolean,
): Promise<{ cold: number; noop: number; noopNoRefresh: number; noopSkipPreview: number; destroy: number }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "strata-bench-"));
  fs.chmodSync(root, 0o711);
  const workDir = path.join(root, "work");
  fs.mkdirSync(workDir);
  // A fresh work directory holding only the project name: the runner runs the template's program inline.
  fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: strata-local\nruntime: nodejs\n");
  const target = { workDir, program: template.program, stackName: "dev", home: path.join(root, "home") };
  const quiet = { onOutput: () => undefined };
  try {
    const [, cold] = await timed(async () => {
      const result = await runOperation(
        "up",
        { ...target, config: { warehousePassword: { value: PASSWORD, secret: true } } },
        { ...quiet, skipPreview },
      );
      const logins = result.outputs.logins!.value as Record<string, string>;
      await new TrinoSession({
        endpoint: result.outputs.endpoint!.value as string,
        user: "admin",
        password: passwordFromFile(logins.admin!),
        ca: fs.readFileSync(result.outputs.caFile!.value as string, "utf8"),
      }).query(templateModule.demo.query);
    });
    const [, noop] = await timed(() => runOperation("up", target, quiet));
    const [, noopNoRefresh] = await timed(() => runOperation("up", target, { ...quiet, refresh: false }));
    const [, noopSkipPreview] = await timed(() => runOperation("up", target, { ...quiet, skipPreview: true, refresh: false }));
    const [, destroy] = await timed(() => runOperation("destroy", target, quiet));
    return { cold, noop, noopNoRefresh, noopSkipPreview, destroy };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- floor

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 250));
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

/** The same PostgreSQL and Trino, started by hand, to the same first query. */
async function floor(): Promise<number> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "strata-floor-"));
  fs.chmodSync(root, 0o711);
  const asRoot = os.userInfo().uid === 0;
  const ids = asRoot
    ? { uid: Number(execFileSync("id", ["-u", "postgres"]).toString()), gid: Number(execFileSync("id", ["-g", "postgres"]).toString()) }
    : {};
  const children: ChildProcess[] = [];
  const bin = toolchain.postgresBin;
  try {
    return (
      await timed(async () => {
        // PostgreSQL: initdb, server, database, owner role, the template's migrations.
        const pg = path.join(root, "pg");
        const socket = path.join(root, "s");
        for (const dir of [pg, socket]) {
          fs.mkdirSync(dir, { mode: 0o700 });
          if (ids.uid !== undefined) fs.chownSync(dir, ids.uid, ids.gid!);
        }
        const asServer = { ...ids, cwd: "/" };
        execFileSync(
          `${bin}/initdb`,
          ["-D", pg, "--auth-local=peer", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"],
          { ...asServer, stdio: "ignore" },
        );
        const pgPort = await freePort();
        const pgLog = fs.openSync(path.join(root, "pg.log"), "a");
        if (ids.uid !== undefined) fs.fchownSync(pgLog, ids.uid, ids.gid!);
        children.push(
          spawn(
            `${bin}/postgres`,
            ["-D", pg, "-p", String(pgPort), "-k", socket, "-c", "listen_addresses=127.0.0.1", "-c", "shared_buffers=128MB"],
            { ...asServer, detached: true, stdio: ["ignore", pgLog, pgLog] },
          ),
        );
        await until(() => listening(pgPort));
        const psql = (db: string, sql: string) =>
          execFileSync(
            `${bin}/psql`,
            ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-h", socket, "-p", String(pgPort), "-d", db, "-f", "-"],
            { ...asServer, input: sql },
          );
        psql("postgres", `CREATE ROLE warehouse_owner LOGIN PASSWORD '${PASSWORD}';`);
        execFileSync(
          `${bin}/psql`,
          ["-X", "-q", "-h", socket, "-p", String(pgPort), "-d", "postgres", "-c", "CREATE DATABASE warehouse OWNER warehouse_owner"],
          asServer,
        );
        const migrations = path.join(template.workDir, "migrations");
        for (const file of fs.readdirSync(migrations).sort()) {
          psql("warehouse", `SET ROLE warehouse_owner;\n${fs.readFileSync(path.join(migrations, file), "utf8")}`);
        }
        // The lakehouse: its Iceberg catalog's database and tables, the runs database, the data folder.
        for (const db of ["lake_catalog", "strata_runs"]) {
          psql("postgres", `CREATE ROLE ${db}_owner LOGIN PASSWORD '${PASSWORD}';`);
          execFileSync(
            `${bin}/psql`,
            ["-X", "-q", "-h", socket, "-p", String(pgPort), "-d", "postgres", "-c", `CREATE DATABASE ${db} OWNER ${db}_owner`],
            asServer,
          );
        }
        psql("lake_catalog", `SET ROLE lake_catalog_owner;\n${ICEBERG_CATALOG_MIGRATION.sql}`);
        const lakeFiles = path.join(root, "lake-files");
        fs.mkdirSync(lakeFiles, { mode: 0o700 });

        // Trino: the same files Strata writes, from the same compilers.
        const trinoPort = await freePort();
        const etc = path.join(root, "etc");
        const plugins = path.join(root, "plugin");
        fs.mkdirSync(path.join(etc, "catalog"), { recursive: true });
        fs.mkdirSync(plugins);
        for (const p of [...PLUGINS_OF.lakehouse, ...PLUGINS_OF.postgresql, ...PLUGINS_OF.tpch, "password-authenticators"]) {
          fs.symlinkSync(path.join(toolchain.trinoHome, "plugin", p), path.join(plugins, p));
        }
        const heapMb = Math.floor(templateModule.CLUSTER_MEMORY_MB * 0.8);
        const security = writeTrinoSecurity(root, ["admin", "analyst", "guest"]);
        const files = compileTrinoServerFiles({
          nodeId: "analytics",
          port: trinoPort,
          heapMb,
          cpus: os.availableParallelism(),
          dataDir: path.join(root, "data"),
          pluginDir: plugins,
          rulesFile: path.join(etc, "rules.json"),
          groupsFile: path.join(etc, "groups.txt"),
          keystoreFile: security.keystoreFile,
          caFile: security.caFile,
          passwordFile: security.passwordFile,
          // The same start-up cache a Cluster uses, when setup built one.
          ...(fs.existsSync(aotCache) ? { aotCache } : {}),
        });
        for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(etc, name), content);
        fs.writeFileSync(
          path.join(etc, "catalog", "warehouse.properties"),
          renderProperties(
            compileCatalogProperties("warehouse", {
              kind: "postgresql",
              host: "127.0.0.1",
              port: pgPort,
              database: "warehouse",
              user: "warehouse_owner",
            }),
          ),
        );
        fs.writeFileSync(
          path.join(etc, "catalog", "tpch.properties"),
          renderProperties(compileCatalogProperties("tpch", { kind: "tpch" })),
        );
        fs.writeFileSync(
          path.join(etc, "catalog", "lake.properties"),
          renderProperties(
            compileCatalogProperties("lake", {
              kind: "lakehouse",
              host: "127.0.0.1",
              port: pgPort,
              database: "lake_catalog",
              user: "lake_catalog_owner",
              warehouseUrl: `file://${lakeFiles}`,
            }),
          ),
        );
        const specs = Object.entries({ ...templateModule.policies, ...templateModule.lakePolicies() }).map(([name, args]) => ({
          name,
          ...args,
        }));
        const depots = [
          { name: "lake", catalog: "lake" },
          { name: "warehouse", catalog: "warehouse" },
          { name: "tpch", catalog: "tpch" },
        ];
        fs.writeFileSync(path.join(etc, "rules.json"), renderRules(compilePolicies(specs, depots, templateModule.groups).rules));
        fs.writeFileSync(path.join(etc, "groups.txt"), renderGroups(templateModule.groups));
        const trinoLog = fs.openSync(path.join(root, "trino.log"), "a");
        children.push(
          spawn(
            path.join(toolchain.trinoHome, "bin", "launcher"),
            ["run", `--etc-dir=${etc}`, `--data-dir=${path.join(root, "data")}`, `--pid-file=${path.join(root, "launcher.pid")}`],
            {
              cwd: root,
              detached: true,
              stdio: ["ignore", trinoLog, trinoLog],
              env: {
                PATH: `${toolchain.javaHome}/bin:/usr/local/bin:/usr/bin:/bin`,
                JAVA_HOME: toolchain.javaHome,
                STRATA_DEPOT_WAREHOUSE_PASSWORD: PASSWORD,
                STRATA_DEPOT_LAKE_PASSWORD: PASSWORD,
                [SHARED_SECRET_ENV]: security.sharedSecret,
              },
            },
          ),
        );
        // The first query is retried while Trino is starting, as any client would.
        const session = new TrinoSession({
          endpoint: `https://127.0.0.1:${trinoPort}`,
          user: "admin",
          password: security.passwords.admin!,
          ca: security.ca,
          attempts: 600,
        });
        await until(async () => {
          try {
            await session.query(templateModule.demo.query);
            return true;
          } catch {
            return false;
          }
        });
      })
    )[1];
  } finally {
    for (const child of children.reverse()) {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
    fs.rmSync(root, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- run

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const machine = `${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB`;
const id = createHash("sha256").update(templateModule.demo.query).digest("hex").slice(0, 8);
console.log(`local platform benchmark (${machine}; first query ${id}: the demo query as admin; median of ${REPEAT})`);
// Floor and Strata alternate, so both see the same machine state on average.
const floors: number[] = [];
const runs: Array<Awaited<ReturnType<typeof strata>>> = [];
const skipped: number[] = [];
for (let i = 0; i < REPEAT; i++) {
  floors.push(await floor());
  runs.push(await strata(false));
  skipped.push((await strata(true)).cold);
}
const pick = (key: keyof (typeof runs)[number]) => median(runs.map((r) => r[key]));
const floorMs = median(floors);
const rows: Array<[string, string]> = [
  ["floor: bare PostgreSQL + Trino to first query", `${seconds(floorMs)}  (${floors.map(seconds).join(", ")})`],
  ["strata: cold up to first query", `${seconds(pick("cold"))}  (${runs.map((r) => seconds(r.cold)).join(", ")})`],
  ["ratio strata / floor (goal <= 1.1)", (pick("cold") / floorMs).toFixed(2)],
  ["strata: cold up --skip-preview to first query", `${seconds(median(skipped))}  (${skipped.map(seconds).join(", ")})`],
  ["ratio with --skip-preview", (median(skipped) / floorMs).toFixed(2)],
  ["strata: no-op up, refresh and preview first (goal <= 2 s)", seconds(pick("noop"))],
  ["strata: no-op up --no-refresh", seconds(pick("noopNoRefresh"))],
  ["strata: no-op up --no-refresh --skip-preview", seconds(pick("noopSkipPreview"))],
  ["strata: destroy", seconds(pick("destroy"))],
];
for (const [label, value] of rows) console.log(`${label.padEnd(60)} ${value}`);
