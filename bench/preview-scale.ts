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
import {
  FreePort,
  LocalCertificateAuthority,
  LocalDirectory,
  LocalFile,
  LocalFileSet,
  LocalLinks,
  LocalPasswordFile,
  LocalProcess,
  LocalGeneratedSecret,
  LocalRandomValue,
  LocalServerCertificate,
  socketPathFor,
} from "@strata/cloud-kernel";

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

/** A bare component, as a hand-written program would group its resources. */
class Group extends pulumi.ComponentResource {
  constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.registerOutputs({});
  }
}

/**
 * The same local resources, written by hand: what a program without Strata
 * would register for the same result (the same pure compilers give the file
 * contents).
 */
function handWrittenStack(n: number, dataDir: string, trinoHome: string, javaHome: string, supervisorHome: string, grouped: boolean) {
  // With `grouped`, every resource sits in the same components as Strata's (same types, names and parents).
  const group = (type: string, name: string, parent?: pulumi.Resource) =>
    grouped ? new Group(type, name, parent ? { parent } : {}) : undefined;
  const under = (parent: pulumi.Resource | undefined) => (parent ? { parent } : {});
  return async () => {
    const catalogs: Record<string, string> = {};
    const specs = [];
    for (let i = 0; i < n / 4; i++) {
      const secret = group("strata:core:Secret", `secret-${i}`);
      const store = group("strata:cloud:LocalSecretStore", `secret-${i}-store`, secret);
      new LocalFile(
        `secret-${i}-store-file`,
        { path: path.join(dataDir, "secrets", `secret-${i}`), content: pulumi.secret(`value-${i}`), secret: true },
        under(store),
      );
      const team = group("strata:core:Workspace", `team-${i}`);
      new LocalDirectory(`team-${i}-directory`, { directory: path.join(dataDir, "workspaces", `team-${i}`) }, under(team));
      group("strata:core:Depot", `scratch-${i}`);
      group("strata:core:Policy", `readers-${i}`);
      const catalog = `scratch_${i}`;
      catalogs[`${catalog}.properties`] = renderProperties(compileCatalogProperties(catalog, { kind: "memory" }));
      specs.push({ name: `readers-${i}`, access: [{ users: [`user-${i}`], depot: catalog, access: "read" as const }] });
    }
    const root = path.join(dataDir, "clusters", "analytics");
    const etc = path.join(root, "etc");
    const rulesFile = path.join(etc, "rules.json");
    const compute = group("strata:core:Compute", "analytics-compute");
    group("strata:cloud:LocalNodePool", "analytics-compute-pool", compute);
    const cluster = group("strata:core:Cluster", "analytics");
    // Logins: a generated password (value and 0600 file, one resource) per user, the health check's, the shared secret,
    // the password file, the certificate.
    const login = (role: string) =>
      new LocalGeneratedSecret(`analytics-${role}`, { file: path.join(dataDir, "secrets", `analytics-${role}.password`) }, under(cluster))
        .value;
    const passwords: Record<string, pulumi.Output<string>> = {};
    for (let i = 0; i < n / 4; i++) passwords[`user-${i}`] = login(`login-user-${i}`);
    passwords[HEALTH_USER] = login("health-login");
    new LocalRandomValue("analytics-shared-secret", { bytes: 48 }, under(cluster));
    new LocalPasswordFile("analytics-passwords", { path: path.join(etc, "password.db"), users: passwords }, under(cluster));
    const authority = new LocalCertificateAuthority("strata-ca", {
      commonName: "Strata dev certificate authority",
      keyFile: path.join(dataDir, "secrets", "strata-ca.key"),
      certificateFile: path.join(dataDir, "tls", "ca.pem"),
    });
    new LocalServerCertificate(
      "analytics-certificate",
      {
        authority,
        commonName: "localhost",
        dnsNames: ["localhost"],
        ipAddresses: ["127.0.0.1"],
        keystoreFile: path.join(dataDir, "secrets", "analytics-trino-keystore.pem"),
      },
      under(cluster),
    );
    const port = new FreePort("analytics-port", under(cluster)).port;
    const plugins = new LocalLinks(
      "analytics-plugins",
      {
        directory: path.join(root, "plugin"),
        links: {
          memory: path.join(trinoHome, "plugin", "memory"),
          "password-authenticators": path.join(trinoHome, "plugin", "password-authenticators"),
        },
      },
      under(cluster),
    );
    const files = port.apply((p) =>
      compileTrinoServerFiles({
        nodeId: "analytics",
        port: p,
        heapMb: 1638,
        cpus: 2,
        dataDir: path.join(root, "data"),
        pluginDir: path.join(root, "plugin"),
        rulesFile,
        keystoreFile: path.join(dataDir, "secrets", "analytics-trino-keystore.pem"),
        caFile: path.join(dataDir, "tls", "ca.pem"),
        passwordFile: path.join(etc, "password.db"),
      }),
    );
    const roles: Record<string, string> = {
      "node.properties": "config-node",
      "config.properties": "config-server",
      "jvm.config": "config-jvm",
      "log.properties": "config-log",
      "access-control.properties": "config-access-control",
      "password-authenticator.properties": "config-password-authenticator",
    };
    const written: pulumi.Resource[] = Object.entries(roles).map(
      ([file, role]) =>
        new LocalFile(`analytics-${role}`, { path: path.join(etc, file), content: files.apply((f) => f[file]!) }, under(cluster)),
    );
    written.push(new LocalFileSet("analytics-catalogs", { directory: path.join(etc, "catalog"), files: catalogs }, under(cluster)));
    const depots = Object.keys(catalogs).map((f) => ({ name: f.replace(".properties", ""), catalog: f.replace(".properties", "") }));
    const server = new LocalProcess(
      "analytics-server",
      {
        supervisor: {
          home: supervisorHome,
          dir: path.join(dataDir, "supervisor"),
          socket: socketPathFor(path.join(dataDir, "supervisor")),
        },
        command: path.join(trinoHome, "bin", "launcher"),
        args: ["run", `--etc-dir=${etc}`],
        cwd: root,
        env: { JAVA_HOME: javaHome },
        logFile: path.join(root, "server.log"),
        port,
        health: {
          kind: "trino",
          user: HEALTH_USER,
          passwordFile: path.join(dataDir, "secrets", "analytics-health-login"),
          caFile: path.join(dataDir, "tls", "ca.pem"),
        },
        initialFiles: { [rulesFile]: renderRules(compilePolicies([], []).rules) },
      },
      { dependsOn: [plugins, ...written], ...under(cluster) },
    );
    new LocalFile(
      "analytics-access-rules",
      { path: rulesFile, content: renderRules(compilePolicies(specs, depots).rules), settleSeconds: RELOAD_SECONDS + 1 },
      under(cluster),
    );
    return { endpoint: pulumi.interpolate`https://127.0.0.1:${server.port}` };
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
  `preview of a generated local stack (2 cores; median of ${ROUNDS}; registrations = resources in the preview, the stack included)\n` +
    "grouped: the same components and resources, registered by hand (Strata's own cost is the difference)\n" +
    "resources only: the same local resources, without components\n",
);
process.stdout.write("N      strata     grouped    ratio  resources only  ratio  registrations strata/grouped/only\n");
for (const n of N) {
  const times: number[][] = [[], [], []];
  let registrations = [0, 0, 0];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate, so machine noise falls on all alike.
    const dataDir = path.join(os.homedir(), ".local", "share", "strata", "strata-scale-hand", "dev");
    const runs = [
      await preview(strataStack(n), "strata-scale"),
      await preview(
        handWrittenStack(n, dataDir, toolchain.trinoHome, toolchain.javaHome, toolchain.supervisorHome, true),
        "strata-scale-hand",
      ),
      await preview(
        handWrittenStack(n, dataDir, toolchain.trinoHome, toolchain.javaHome, toolchain.supervisorHome, false),
        "strata-scale-hand",
      ),
    ];
    runs.forEach((r, i) => times[i]!.push(r.ms));
    registrations = runs.map((r) => r.registrations);
  }
  const [s, g, o] = times.map(median) as [number, number, number];
  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padEnd(10);
  process.stdout.write(
    `${String(n).padEnd(6)} ${sec(s)} ${sec(g)} ${(s / g).toFixed(2).padEnd(6)} ${sec(o)}      ${(s / o).toFixed(2).padEnd(6)} ${registrations.join("/")}\n`,
  );
}
