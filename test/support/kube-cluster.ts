// A real Kubernetes control plane on loopback for the `kubernetes` target's
// tests: etcd, kube-apiserver (TLS, RBAC) and kube-controller-manager (quota
// status, garbage collection, namespace deletion), built by scripts/setup.sh.
// There is no scheduler or kubelet: objects, not running pods.
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { loadToolchain } from "@strata/cli";

const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops processes by pid: SIGTERM, then SIGKILL after 5 s. */
async function stopPids(pids: number[]): Promise<void> {
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 5000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
}

// Pids of a run that died before stopping its cluster; the next run stops them.
const PID_FILE = path.join(os.tmpdir(), "strata-kube-cluster.pids");

async function openssl(dir: string, args: string[]): Promise<void> {
  await run("openssl", args, { cwd: dir });
}

/** CA, API server serving certificate, admin client certificate, service-account key pair. */
async function makeCertificates(dir: string): Promise<void> {
  const days = ["-days", "2"];
  await openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", ...days, "-subj", "/CN=strata-test-ca"]);
  fs.writeFileSync(
    path.join(dir, "apiserver.ext"),
    "subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.0.0.1\n",
  );
  for (const [name, subject, ext] of [
    ["apiserver", "/CN=kube-apiserver", ["-extfile", "apiserver.ext"]],
    ["admin", "/O=system:masters/CN=strata-admin", []],
  ] as const) {
    await openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
    await openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, ...days, ...ext]);
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

/** Polls `ready` every 250 ms; fails after `seconds` with the end of the component's log. */
async function waitFor(what: string, seconds: number, ready: () => Promise<boolean>, log: string): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await ready())) {
    if (Date.now() > deadline) {
      const tail = fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-2000) : "(no log)";
      throw new Error(`${what} not ready in ${seconds} s: ${tail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A running control plane: its kubeconfig, a kubectl on it, and stop(). */
export interface KubeCluster {
  readonly kubeconfigPath: string;
  readonly dir: string;
  kubectl(args: string[]): Promise<{ stdout: string; stderr: string; code: number }>;
  stop(): Promise<void>;
}

/** Starts etcd, the API server and the controller manager; resolves once the API server is ready. */
export async function startKubeCluster(): Promise<KubeCluster> {
  const toolchain = loadToolchain();
  const bin = toolchain.kubernetesBin;
  if (!bin || !fs.existsSync(path.join(bin, "kube-apiserver"))) throw new Error("No Kubernetes binaries in the toolchain: run scripts/setup.sh");
  if (fs.existsSync(PID_FILE)) {
    await stopPids(fs.readFileSync(PID_FILE, "utf8").split("\n").filter(Boolean).map(Number));
    fs.rmSync(PID_FILE, { force: true });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-kube-"));
  await makeCertificates(dir);
  const [etcdPort, peerPort, apiPort, cmPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const kubeconfigPath = path.join(dir, "kubeconfig");
  fs.writeFileSync(kubeconfigPath, kubeconfig(dir, apiPort), { mode: 0o600 });
  const pids: number[] = [];
  const start = (name: string, args: string[]) => {
    const log = fs.openSync(path.join(dir, `${name}.log`), "a");
    const child = spawn(path.join(bin, name), args, { cwd: dir, stdio: ["ignore", log, log], detached: true });
    child.unref();
    pids.push(child.pid!);
    fs.writeFileSync(PID_FILE, pids.join("\n"));
  };
  const f = (file: string) => path.join(dir, file);
  const kubectl = async (args: string[]) => {
    try {
      const { stdout, stderr } = await run(path.join(bin, "kubectl"), ["--kubeconfig", kubeconfigPath, ...args]);
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? "", stderr: e.stderr ?? "", code: typeof e.code === "number" ? e.code : 1 };
    }
  };
  const stop = async () => {
    await stopPids([...pids].reverse());
    fs.rmSync(PID_FILE, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    start("etcd", [
      "--data-dir", f("etcd"), "--name", "default",
      "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
      "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl, "--initial-cluster", `default=${peerUrl}`,
    ]);
    // The API server gives up when etcd is not answering yet (a loaded machine starts etcd slowly).
    await waitFor("etcd", 60, async () => {
      const response = await fetch(`${etcdUrl}/health`).catch(() => undefined);
      return response?.ok === true && ((await response.json()) as { health?: string }).health === "true";
    }, f("etcd.log"));
    start("kube-apiserver", [
      `--etcd-servers=${etcdUrl}`, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${apiPort}`,
      "--endpoint-reconciler-type=none", `--client-ca-file=${f("ca.crt")}`, `--tls-cert-file=${f("apiserver.crt")}`,
      `--tls-private-key-file=${f("apiserver.key")}`, `--service-account-key-file=${f("sa.pub")}`,
      `--service-account-signing-key-file=${f("sa.key")}`, "--service-account-issuer=https://kubernetes.default.svc",
      "--service-cluster-ip-range=10.0.0.0/24", "--authorization-mode=RBAC", `--cert-dir=${f("apiserver-certs")}`,
    ]);
    await waitFor("kube-apiserver", 60, async () => {
      const ready = await kubectl(["get", "--raw", "/readyz"]);
      return ready.code === 0 && ready.stdout.trim() === "ok";
    }, f("kube-apiserver.log"));
    start("kube-controller-manager", [
      `--kubeconfig=${kubeconfigPath}`, "--leader-elect=false", `--cluster-signing-cert-file=${f("ca.crt")}`,
      `--cluster-signing-key-file=${f("ca.key")}`, `--service-account-private-key-file=${f("sa.key")}`,
      `--root-ca-file=${f("ca.crt")}`, "--bind-address=127.0.0.1", `--secure-port=${cmPort}`, "--use-service-account-credentials=true",
    ]);
    return { kubeconfigPath, dir, kubectl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
