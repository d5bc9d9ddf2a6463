// A real Kubernetes control plane on loopback for the `kubernetes` target's
// tests: etcd, kube-apiserver (TLS, RBAC) and kube-controller-manager (quota
// status, garbage collection, namespace deletion), built by scripts/setup.sh.
// There is no scheduler or kubelet: objects, not running pods.
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { loadToolchain } from "@strata/cli";
import { freePort } from "./processes.js";

const run = promisify(execFile);

/** A process this fixture started: its pid and start time, which together prove it is still that process. */
export interface OwnedProcess {
  readonly name: string;
  readonly pid: number;
  /** Field 22 of /proc/PID/stat: clock ticks after boot at which it started. */
  readonly startTime: string;
}

/** Field 22 of /proc/PID/stat, or undefined when the process is gone or a zombie. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses; the fields after it start past the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  return fields[19];
}

/** Whether the pid is still the process that was recorded (a reused pid has another start time). */
export function stillRunning(owned: OwnedProcess): boolean {
  return processStartTime(owned.pid) === owned.startTime;
}

/**
 * Stops processes it can prove are the recorded ones: SIGTERM, then SIGKILL
 * after 5 s. A pid whose start time differs belongs to someone else now and
 * is never signalled.
 */
export async function stopOwned(processes: readonly OwnedProcess[]): Promise<void> {
  const signal = (owned: OwnedProcess, name: NodeJS.Signals) => {
    if (!stillRunning(owned)) return;
    try {
      process.kill(owned.pid, name);
    } catch {
      // Ended between the check and the signal.
    }
  };
  for (const owned of processes) signal(owned, "SIGTERM");
  const deadline = Date.now() + 5000;
  while (processes.some(stillRunning) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const owned of processes) signal(owned, "SIGKILL");
  const killed = Date.now() + 2000;
  while (processes.some(stillRunning) && Date.now() < killed) await new Promise((r) => setTimeout(r, 50));
}

/** What a run records in its own pid file, so a later run can clean up after it if it died. */
interface RunRecord {
  /** The test process that started the cluster. */
  owner: OwnedProcess;
  /** The run's directory (certificates, etcd data, logs). */
  dir: string;
  processes: OwnedProcess[];
}

const PID_FILE_PREFIX = "strata-kube-cluster-";
const RUN_DIR_PREFIX = "strata-kube-";

function isOwnedProcess(value: unknown): value is OwnedProcess {
  const p = value as OwnedProcess;
  return typeof p === "object" && p !== null && Number.isInteger(p.pid) && p.pid > 0 && typeof p.startTime === "string";
}

function readRunRecord(file: string): RunRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as RunRecord;
    const processes = Array.isArray(record.processes) && record.processes.every(isOwnedProcess);
    return isOwnedProcess(record.owner) && typeof record.dir === "string" && processes ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a run's pid file whole (temporary file + rename): a reader never sees half of one. */
function writeRunRecord(file: string, record: RunRecord): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(record), { mode: 0o600 });
  fs.renameSync(temporary, file);
}

/**
 * Cleans up after runs that died before stopping their cluster: for each pid
 * file in `directory` whose owner is gone, stops the recorded processes that
 * are provably still the same (start time matches), removes the run's
 * directory and the pid file. Runs whose owner still runs are left alone.
 * Resolves with the pid files removed.
 */
export async function cleanStaleRuns(directory = os.tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of fs.readdirSync(directory)) {
    if (!entry.startsWith(PID_FILE_PREFIX) || !entry.endsWith(".json")) continue;
    const file = path.join(directory, entry);
    const record = readRunRecord(file);
    // Not ours to judge (foreign or damaged): nothing is signalled on its word.
    if (!record || stillRunning(record.owner)) continue;
    await stopOwned([...record.processes].reverse());
    if (path.dirname(record.dir) === directory && path.basename(record.dir).startsWith(RUN_DIR_PREFIX)) {
      fs.rmSync(record.dir, { recursive: true, force: true });
    }
    fs.rmSync(file, { force: true });
    removed.push(file);
  }
  return removed;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run("openssl", args, { cwd: dir });
}

/** CA, API server serving certificate, admin client certificate, service-account key pair. */
async function makeCertificates(dir: string): Promise<void> {
  const days = ["-days", "2"];
  await openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    ...days,
    "-subj",
    "/CN=strata-test-ca",
  ]);
  fs.writeFileSync(
    path.join(dir, "apiserver.ext"),
    "subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.0.0.1\n",
  );
  for (const [name, subject, ext] of [
    ["apiserver", "/CN=kube-apiserver", ["-extfile", "apiserver.ext"]],
    ["admin", "/O=system:masters/CN=strata-admin", []],
  ] as const) {
    await openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
    await openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      ...days,
      ...ext,
    ]);
  }
  await openssl(dir, ["genrsa", "-out", "sa.key", "2048"]);
  await openssl(dir, ["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
}

function kubeconfig(dir: string, port: number): string {
  const b64 = (file: string) => fs.readFileSync(path.join(dir, file)).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: strata-test`,
    `  cluster: { server: "https://127.0.0.1:${port}", certificate-authority-data: ${b64("ca.crt")} }`,
    "users:",
    "- name: admin",
    `  user: { client-certificate-data: ${b64("admin.crt")}, client-key-data: ${b64("admin.key")} }`,
    "contexts:",
    "- name: strata-test",
    "  context: { cluster: strata-test, user: admin }",
    "current-context: strata-test",
    "",
  ].join("\n");
}

/** A component that exited while we waited for it because its port was taken after we picked it. */
class PortClash extends Error {}

/** A started component: where it logs, and its exit code once it has ended. */
interface Component {
  readonly name: string;
  readonly log: string;
  exitCode?: number | null;
}

const logTail = (log: string) => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-2000) : "(no log)");

/**
 * Polls `ready` every 250 ms; fails after `seconds`, or as soon as the
 * component exits, with the end of its log (a PortClash when the log says a
 * port was in use).
 */
async function waitFor(component: Component, seconds: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await ready())) {
    if (component.exitCode !== undefined) {
      const tail = logTail(component.log);
      const message = `${component.name} exited (${component.exitCode}) before it was ready: ${tail}`;
      throw /address already in use/i.test(tail) ? new PortClash(message) : new Error(message);
    }
    if (Date.now() > deadline) throw new Error(`${component.name} not ready in ${seconds} s: ${logTail(component.log)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Whether an HTTPS health endpoint on loopback answers 200 (the component's own self-signed certificate). */
function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = https.get({ host: "127.0.0.1", port, path: "/healthz", rejectUnauthorized: false, timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on("error", () => resolve(false));
    request.on("timeout", () => request.destroy());
  });
}

/** A running control plane: its kubeconfig, a kubectl on it, and stop(). */
export interface KubeCluster {
  readonly kubeconfigPath: string;
  readonly dir: string;
  /** The API server's URL (`https://127.0.0.1:<port>`); its certificate is signed by `<dir>/ca.crt`. */
  readonly server: string;
  kubectl(args: string[]): Promise<{ stdout: string; stderr: string; code: number }>;
  stop(): Promise<void>;
}

/** Attempts at starting the control plane when a picked port was taken before a component bound it. */
const PORT_ATTEMPTS = 3;

/**
 * Starts etcd, the API server and the controller manager; resolves once all
 * three answer. Each run records its processes (pid and start time) in a pid
 * file of its own in the temporary directory, and first cleans up after runs
 * that died without stopping theirs.
 */
export async function startKubeCluster(): Promise<KubeCluster> {
  const toolchain = loadToolchain();
  const bin = toolchain.kubernetesBin;
  if (!bin || !fs.existsSync(path.join(bin, "kube-apiserver")))
    throw new Error("No Kubernetes binaries in the toolchain: run scripts/setup.sh");
  await cleanStaleRuns();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), RUN_DIR_PREFIX));
  const pidFile = path.join(os.tmpdir(), `${PID_FILE_PREFIX}${path.basename(dir)}.json`);
  const owner: OwnedProcess = { name: "test runner", pid: process.pid, startTime: processStartTime(process.pid)! };
  const processes: OwnedProcess[] = [];
  const record = () => writeRunRecord(pidFile, { owner, dir, processes });
  const f = (file: string) => path.join(dir, file);
  const kubeconfigPath = f("kubeconfig");
  const start = (name: string, args: string[]): Component => {
    const component: Component = { name, log: f(`${name}.log`) };
    const log = fs.openSync(component.log, "w");
    const child = spawn(path.join(bin, name), args, { cwd: dir, stdio: ["ignore", log, log], detached: true });
    fs.closeSync(log);
    child.once("exit", (code) => (component.exitCode = code));
    child.once("error", () => (component.exitCode ??= null));
    child.unref();
    const startTime = child.pid === undefined ? undefined : processStartTime(child.pid);
    if (startTime === undefined) throw new Error(`${name} did not start: ${logTail(component.log)}`);
    processes.push({ name, pid: child.pid!, startTime });
    record();
    return component;
  };
  const kubectl = async (args: string[]) => {
    try {
      const { stdout, stderr } = await run(path.join(bin, "kubectl"), ["--kubeconfig", kubeconfigPath, ...args]);
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? "", stderr: e.stderr ?? "", code: typeof e.code === "number" ? e.code : 1 };
    }
  };
  const stopProcesses = async () => {
    await stopOwned([...processes].reverse());
    processes.length = 0;
  };
  const stop = async () => {
    await stopProcesses();
    fs.rmSync(pidFile, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    record();
    await makeCertificates(dir);
    for (let attempt = 1; ; attempt++) {
      // Free when picked, but another process may bind one before our component does: then we pick again.
      const [etcdPort, peerPort, apiPort, cmPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
      fs.writeFileSync(kubeconfigPath, kubeconfig(dir, apiPort), { mode: 0o600 });
      try {
        const etcdUrl = `http://127.0.0.1:${etcdPort}`;
        const peerUrl = `http://127.0.0.1:${peerPort}`;
        const etcd = start("etcd", [
          "--data-dir",
          f("etcd"),
          "--name",
          "default",
          "--listen-client-urls",
          etcdUrl,
          "--advertise-client-urls",
          etcdUrl,
          "--listen-peer-urls",
          peerUrl,
          "--initial-advertise-peer-urls",
          peerUrl,
          "--initial-cluster",
          `default=${peerUrl}`,
        ]);
        // The API server gives up when etcd is not answering yet (a loaded machine starts etcd slowly).
        await waitFor(etcd, 60, async () => {
          // Bounded: whatever holds the port may accept and never answer.
          const response = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
          return response?.ok === true && ((await response.json()) as { health?: string }).health === "true";
        });
        const apiServer = start("kube-apiserver", [
          `--etcd-servers=${etcdUrl}`,
          "--bind-address=127.0.0.1",
          "--advertise-address=127.0.0.1",
          `--secure-port=${apiPort}`,
          "--endpoint-reconciler-type=none",
          `--client-ca-file=${f("ca.crt")}`,
          `--tls-cert-file=${f("apiserver.crt")}`,
          `--tls-private-key-file=${f("apiserver.key")}`,
          `--service-account-key-file=${f("sa.pub")}`,
          `--service-account-signing-key-file=${f("sa.key")}`,
          "--service-account-issuer=https://kubernetes.default.svc",
          "--service-cluster-ip-range=10.0.0.0/24",
          "--authorization-mode=RBAC",
          `--cert-dir=${f("apiserver-certs")}`,
        ]);
        await waitFor(apiServer, 60, async () => {
          const ready = await kubectl(["get", "--raw", "/readyz", "--request-timeout=5s"]);
          return ready.code === 0 && ready.stdout.trim() === "ok";
        });
        const controllerManager = start("kube-controller-manager", [
          `--kubeconfig=${kubeconfigPath}`,
          "--leader-elect=false",
          `--cluster-signing-cert-file=${f("ca.crt")}`,
          `--cluster-signing-key-file=${f("ca.key")}`,
          `--service-account-private-key-file=${f("sa.key")}`,
          `--root-ca-file=${f("ca.crt")}`,
          "--bind-address=127.0.0.1",
          `--secure-port=${cmPort}`,
          "--use-service-account-credentials=true",
        ]);
        // Quota status, garbage collection and namespace deletion all need it: a clash on its port must not go unnoticed.
        await waitFor(controllerManager, 60, () => healthy(cmPort));
        return { kubeconfigPath, dir, server: `https://127.0.0.1:${apiPort}`, kubectl, stop };
      } catch (error) {
        if (!(error instanceof PortClash) || attempt >= PORT_ATTEMPTS) throw error;
        await stopProcesses();
        record();
        // A fresh start: no etcd data of the failed attempt; its logs kept for reading.
        fs.rmSync(f("etcd"), { recursive: true, force: true });
        for (const name of ["etcd", "kube-apiserver", "kube-controller-manager"]) {
          if (fs.existsSync(f(`${name}.log`))) fs.renameSync(f(`${name}.log`), f(`${name}.attempt-${attempt}.log`));
        }
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
