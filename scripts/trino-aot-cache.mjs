// Builds the JDK's ahead-of-time cache for Trino (JEP 514/515): one training
// run of the server, started and stopped here with a small query, after which
// the JVM writes the classes it loaded and linked, and the profiles it
// gathered, to one file. Servers started with `-XX:AOTCache=<file>` then
// start about 40 % faster (docs/architecture.md, "Trino's start-up"). A
// cache that no longer fits (another JDK or Trino) only costs that speed:
// the JVM prints an error line and starts without it.
//
//   node scripts/trino-aot-cache.mjs <trinoHome> <javaHome> <output file>
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const [trinoHome, javaHome, output] = process.argv.slice(2);
if (!trinoHome || !javaHome || !output) {
  console.error("usage: node scripts/trino-aot-cache.mjs <trinoHome> <javaHome> <output file>");
  process.exit(2);
}

const port = await new Promise((resolve) => {
  const server = net.createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const root = fs.mkdtempSync(path.join(os.tmpdir(), "trino-aot-"));
const etc = path.join(root, "etc");
fs.mkdirSync(path.join(etc, "catalog"), { recursive: true });
fs.mkdirSync(path.join(root, "plugin"));
fs.symlinkSync(path.join(trinoHome, "plugin", "tpch"), path.join(root, "plugin", "tpch"));
const properties = (entries) =>
  `${Object.entries(entries)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n")}\n`;
fs.writeFileSync(
  path.join(etc, "node.properties"),
  properties({
    "node.environment": "strata",
    "node.id": "aot",
    "node.data-dir": path.join(root, "data"),
    "node.internal-address": "127.0.0.1",
    "node.bind-ip": "127.0.0.1",
  }),
);
fs.writeFileSync(
  path.join(etc, "config.properties"),
  properties({
    coordinator: "true",
    "node-scheduler.include-coordinator": "true",
    "http-server.http.port": port,
    "discovery.uri": `http://127.0.0.1:${port}`,
    "plugin.dir": path.join(root, "plugin"),
    "query.max-memory": "512MB",
    "query.max-memory-per-node": "512MB",
  }),
);
// The same JVM options as a Cluster's server (trino-config.ts), and the cache to write at exit.
fs.writeFileSync(
  path.join(etc, "jvm.config"),
  [
    "-server",
    "-Xmx1024m",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.attach.allowAttachSelf=true",
    `-XX:AOTCacheOutput=${output}.tmp`,
    "",
  ].join("\n"),
);
fs.writeFileSync(path.join(etc, "catalog", "tpch.properties"), properties({ "connector.name": "tpch" }));

const log = fs.openSync(path.join(root, "server.log"), "a");
const server = spawn(path.join(trinoHome, "bin", "launcher"), ["run", `--etc-dir=${etc}`, `--data-dir=${path.join(root, "data")}`], {
  stdio: ["ignore", log, log],
  env: { ...process.env, JAVA_HOME: javaHome, PATH: `${javaHome}/bin:${process.env.PATH}` },
});
const exited = new Promise((resolve) => server.once("exit", resolve));
const base = `http://127.0.0.1:${port}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function train() {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const info = await fetch(`${base}/v1/info`).then(
      (r) => r.json(),
      () => undefined,
    );
    if (info && info.starting === false) break;
    if (server.exitCode !== null || Date.now() > deadline) throw new Error("the training server did not start");
    await sleep(500);
  }
  // A query, until the node is announced and it finishes: the classes of planning and execution load too.
  for (let attempt = 0; attempt < 60; attempt++) {
    let page = await (
      await fetch(`${base}/v1/statement`, {
        method: "POST",
        headers: { "X-Trino-User": "aot" },
        body: "SELECT count(*) FROM tpch.tiny.nation",
      })
    ).json();
    while (page.nextUri) {
      await sleep(50);
      page = await (await fetch(page.nextUri, { headers: { "X-Trino-User": "aot" } })).json();
    }
    if (!page.error) return;
    await sleep(1000);
  }
  throw new Error("the training query did not finish");
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
let failure;
try {
  await train();
  console.log(`trained in ${elapsed()}`);
} catch (error) {
  failure = error;
}
// The JVM writes the cache as it exits.
server.kill("SIGTERM");
await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 300_000).unref())]);
if (server.exitCode === null) server.kill("SIGKILL");
console.log(`stopped after ${elapsed()}`);
fs.closeSync(log);
const written = fs.existsSync(`${output}.tmp`) && fs.statSync(`${output}.tmp`).size > 0;
if (failure || !written) {
  console.error(`no cache written: ${failure?.message ?? "the JVM wrote no file"} (log: ${path.join(root, "server.log")})`);
  fs.rmSync(`${output}.tmp`, { force: true });
  process.exit(1);
}
fs.renameSync(`${output}.tmp`, output);
fs.rmSync(root, { recursive: true, force: true });
console.log(`${output}: ${(fs.statSync(output).size / 1e6).toFixed(0)} MB`);
process.exit(0);
