// Benchmark: `preview` of a generated local stack of N primitives through
// Strata, against a hand-written Pulumi program that registers the same
// local resources (same types, names and inputs) without Strata's
// components. Prints time and registrations per N; asserts nothing.
//
//   bash scripts/setup.sh && node bench/preview-scale.ts [N ...]
//
// The stack, per group of four primitives: a Secret, a Workspace, a memory
// Depot and a Policy letting one user read it; then one Cluster mounting
// every Depot under every Policy. Goal: Strata at most 1.1 x the
// hand-written program at every N, and both linear in N.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { runOperation } from "@strata/cli";
import {
  Cluster,
  Compute,
  Depot,
  HEALTH_USER,
  Policy,
  RELOAD_SECONDS,
  Secret,
  Workspace,
  compileCatalogProperties,
  compilePolicies,
  compileTrinoServerFiles,
  renderProperties,
  renderRules,
  strataProgram,
} from "@strata/user-kernel";
import { FreePort, LocalDirectory, LocalFile, LocalFileSet, LocalLinks, LocalProcess } from "@strata/cloud-kernel";

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const N = sizes.length > 0 ? sizes : [50, 200, 1000];
const ROUNDS = 3;

/** The generated stack through Strata's primitives. */
function strataStack(n: number) {
  return strataProgram(() => {
    const depots: Depot[] = [];
    const policies: Policy[] = [];
    for (let i = 0; i < n / 4; i++) {
      new Secret(`secret-${i}`, { value: pulumi.secret(`value-${i}`) });
      new Workspace(`team-${i}`);
      const depot = new Depot(`scratch-${i}`, { source: { kind: "memory" } });
      depots.push(depot);
      policies.push(new Policy(`readers-${i}`, { access: [{ users: [`user-${i}`], depot: depot.catalogName, access: "read" }] }));
    }
    const cluster = new Cluster("analytics", { compute: new Compute("analytics-compute", { memoryMb: 2048, cpus: 2 }), depots, policies });
    return { endpoint: cluster.endpoint };
  });
}

/**
 * The same local resources, written by hand: what a program without Strata
 * would register for the same result (the same pure compilers give the file
 * contents).
 */
function handWrittenStack(n: number, dataDir: string, trinoHome: string, javaHome: string) {
  return async () => {
    const catalogs: Record<string, string> = {};
    const specs = [];
    for (let i = 0; i < n / 4; i++) {
      new LocalFile(`secret-${i}-store-file`, {
        path: path.join(dataDir, "secrets", `secret-${i}`),
        content: pulumi.secret(`value-${i}`),
        secret: true,
      });
      new LocalDirectory(`team-${i}-directory`, { directory: path.join(dataDir, "workspaces", `team-${i}`) });
      const catalog = `scratch_${i}`;
      catalogs[`${catalog}.properties`] = renderProperties(compileCatalogProperties(catalog, { kind: "memory" }));
      specs.push({ name: `readers-${i}`, access: [{ users: [`user-${i}`], depot: catalog, access: "read" as const }] });
    }
    const root = path.join(dataDir, "clusters", "analytics");
    const etc = path.join(root, "etc");
    const rulesFile = path.join(etc, "rules.json");
    const port = new FreePort("analytics-port").port;
    const plugins = new LocalLinks("analytics-plugins", {
      directory: path.join(root, "plugin"),
      links: { memory: path.join(trinoHome, "plugin", "memory") },
    });
    const files = port.apply((p) =>
      compileTrinoServerFiles({
        nodeId: "analytics",
        port: p,
        heapMb: 1638,
        cpus: 2,
        dataDir: path.join(root, "data"),
        pluginDir: path.join(root, "plugin"),
        rulesFile,
      }),
    );
    const roles: Record<string, string> = {
      "node.properties": "config-node",
      "config.properties": "config-server",
      "jvm.config": "config-jvm",
      "log.properties": "config-log",
      "access-control.properties": "config-access-control",
    };
    const written: pulumi.Resource[] = Object.entries(roles).map(
      ([file, role]) => new LocalFile(`analytics-${role}`, { path: path.join(etc, file), content: files.apply((f) => f[file]!) }),
    );
    written.push(new LocalFileSet("analytics-catalogs", { directory: path.join(etc, "catalog"), files: catalogs }));
    const depots = Object.keys(catalogs).map((f) => ({ name: f.replace(".properties", ""), catalog: f.replace(".properties", "") }));
    const server = new LocalProcess(
      "analytics-server",
      {
        command: path.join(trinoHome, "bin", "launcher"),
        args: ["run", `--etc-dir=${etc}`],
        cwd: root,
        env: { JAVA_HOME: javaHome },
        logFile: path.join(root, "server.log"),
        port,
        health: { kind: "trino", user: HEALTH_USER },
        initialFiles: { [rulesFile]: renderRules(compilePolicies([], []).rules) },
      },
      { dependsOn: [plugins, ...written] },
    );
    new LocalFile("analytics-access-rules", {
      path: rulesFile,
      content: renderRules(compilePolicies(specs, depots).rules),
      settleSeconds: RELOAD_SECONDS + 1,
    });
    return { endpoint: pulumi.interpolate`http://127.0.0.1:${server.port}` };
  };
}

async function preview(program: pulumi.automation.PulumiFn, project: string): Promise<{ ms: number; registrations: number }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "strata-scale-"));
  fs.chmodSync(root, 0o711);
  const workDir = path.join(root, "work");
  fs.mkdirSync(workDir);
  fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), `name: ${project}\nruntime: nodejs\n`);
  try {
    const target = { workDir, stackName: "dev", program, home: path.join(root, "home") };
    const started = performance.now();
    const result = await runOperation("preview", target);
    const ms = performance.now() - started;
    return { ms, registrations: Object.values(result.changes).reduce((a, b) => a + b, 0) };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const { loadToolchain } = await import("@strata/cli");
const toolchain = loadToolchain();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
process.stdout.write(
  `preview of a generated local stack (2 cores; median of ${ROUNDS}; registrations = resources in the preview, the stack included)\n`,
);
process.stdout.write("N      strata          hand-written    ratio  registrations strata/hand\n");
for (const n of N) {
  const ours: number[] = [];
  const theirs: number[] = [];
  let registrations = [0, 0];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate, so machine noise falls on both alike.
    const a = await preview(strataStack(n), "strata-scale");
    const dataDir = path.join(os.homedir(), ".local", "share", "strata", "strata-scale-hand", "dev");
    const b = await preview(handWrittenStack(n, dataDir, toolchain.trinoHome, toolchain.javaHome), "strata-scale-hand");
    ours.push(a.ms);
    theirs.push(b.ms);
    registrations = [a.registrations, b.registrations];
  }
  const [s, h] = [median(ours), median(theirs)];
  process.stdout.write(
    `${String(n).padEnd(6)} ${`${(s / 1000).toFixed(2)} s`.padEnd(15)} ${`${(h / 1000).toFixed(2)} s`.padEnd(15)} ${(s / h).toFixed(2).padEnd(6)} ${registrations[0]}/${registrations[1]}\n`,
  );
}
