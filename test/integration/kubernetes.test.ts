// The `kubernetes` target against a real API server (etcd + kube-apiserver +
// kube-controller-manager on loopback) with the real engine and the real
// Pulumi Kubernetes provider. No kubelet runs here, so workloads are not
// awaited (strata:awaitWorkloads=false) and the Helm charts, which cannot be
// fetched, are exported as values (strata:helmCharts=values).
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type KubeCluster, startKubeCluster } from "../support/kube-cluster.js";
import { TestStack, base64Forms } from "../support/engine.js";

const demo = (await import("../../stacks/local/program.js")) as { default: () => Promise<Record<string, unknown>> };
const { Secret, strataProgram } = await import("@strata/user-kernel");
const { WORKSPACE_ROLE_RULES } = await import("@strata/cloud-kernel");
const { scramVerifier } = await import("@strata/cloud-kernel");
const { openStack, runPulumiCli, stackConsoleSource } = await import("@strata/cli");
const { accessRows } = await import("@strata/console");

const WAREHOUSE_PASSWORD = "k8s-warehouse-pw-7f3a9c";
const ADMIN_PASSWORD = "k8s-admin-pw-1b2c3d";
const API_TOKEN = "k8s-api-token-9e8d7c";
const NODE_SELECTOR = { "strata.dev/pool": "data" };
const TOLERATIONS = [{ key: "dedicated", value: "data", effect: "NoSchedule" }];

let cluster: KubeCluster;
const stack = new TestStack("strata-k8s", demo.default);

function config(extra: Record<string, string> = {}) {
  return {
    "strata:target": { value: "kubernetes" },
    "strata:kubeconfigPath": { value: cluster.kubeconfigPath },
    "strata:helmCharts": { value: "values" },
    "strata:awaitWorkloads": { value: "false" },
    "strata:nodeSelector": { value: JSON.stringify(NODE_SELECTOR) },
    "strata:tolerations": { value: JSON.stringify(TOLERATIONS) },
    "strata:postgresHost": { value: "warehouse-db.example.internal" },
    "strata:postgresAdminPassword": { value: ADMIN_PASSWORD, secret: true },
    "strata-k8s:warehousePassword": { value: WAREHOUSE_PASSWORD, secret: true },
    "strata-k8s:campaignsApiToken": { value: API_TOKEN, secret: true },
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, { value: v }])),
  };
}

async function kubectlJson(args: string[]): Promise<Record<string, unknown> & { items?: Array<Record<string, unknown>> }> {
  const result = await cluster.kubectl([...args, "-o", "json"]);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** Polls `read` every 250 ms until `done` accepts its value; fails after `seconds` with the last value read. */
async function eventually<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} not there after ${seconds} s: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Each secret, in clear and in base64 at every alignment, with the files of a stack holding it. */
function secretsIn(stack: TestStack, secrets: string[]): Record<string, string[]> {
  return stack.filesHolding(secrets.flatMap((value) => [value, ...base64Forms(value)]));
}

/** The same, in the engine's output. */
function secretsInLog(stack: TestStack, secrets: string[]): string[] {
  return secrets.flatMap((value) => [value, ...base64Forms(value)]).filter((needle) => stack.log.includes(needle));
}

type PodSpec = {
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  containers: Array<{ env?: Array<{ name: string; value?: string }> }>;
};

beforeAll(async () => {
  cluster = await startKubeCluster();
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  fs.rmSync(stack.root, { recursive: true, force: true });
});

describe("the demo platform on the kubernetes target, against a real API server", () => {
  let outputs: Record<string, { value: unknown }>;

  test("up creates the Workspace, Secrets, Compute placement, Service, migrations Job and Cluster objects", async () => {
    const result = await stack.run("up", config());
    outputs = result.outputs;
    expect(result.changes.create).toBeGreaterThan(15);

    const namespaces = (await kubectlJson(["get", "namespaces", "-l", "app.kubernetes.io/managed-by=strata"])).items!.map(
      (n) => (n.metadata as { name: string }).name,
    );
    expect(namespaces.sort()).toEqual(["marketing", "strata"]);

    // Workspace: quota (status filled by the controller manager, in its own time), RBAC, default-deny network policy.
    const quotaHard = async () =>
      ((await kubectlJson(["get", "resourcequota", "workspace", "-n", "marketing"])).status as { hard?: object } | undefined)?.hard;
    const hard = await eventually("the ResourceQuota's status.hard", quotaHard, (value) => value !== undefined);
    expect(hard).toEqual({ "limits.cpu": "8", "limits.memory": "32Gi", pods: "50", "requests.cpu": "8", "requests.memory": "32Gi" });
    const role = await kubectlJson(["get", "role", "workspace-member", "-n", "marketing"]);
    expect(role.rules).toEqual(WORKSPACE_ROLE_RULES);
    const policy = await kubectlJson(["get", "networkpolicy", "default-deny", "-n", "marketing"]);
    expect(policy.spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      egress: [
        {
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    });

    // Secrets: the values reach Kubernetes Secrets, never ConfigMaps or workload specs.
    const secrets = (await kubectlJson(["get", "secrets", "-A", "-l", "app.kubernetes.io/managed-by=strata"])).items!.map(
      (s) => `${(s.metadata as { namespace: string }).namespace}/${(s.metadata as { name: string }).name}`,
    );
    expect(secrets.sort()).toEqual([
      "marketing/campaigns-api-token",
      "strata/analytics-depot-credentials",
      // The nodes' shared secret, and the coordinator's key and certificate (HTTPS).
      "strata/analytics-trino-security",
      "strata/analytics-trino-tls",
      "strata/warehouse-password",
      "strata/warehouse-postgres",
    ]);
    const credentials = await kubectlJson(["get", "secret", "analytics-depot-credentials", "-n", "strata"]);
    expect(Buffer.from((credentials.data as Record<string, string>).STRATA_DEPOT_WAREHOUSE_PASSWORD!, "base64").toString()).toBe(
      WAREHOUSE_PASSWORD,
    );
    // The migrations Job gets the owner's password as a SCRAM verifier only, never the plaintext.
    const migrationCredentials = (await kubectlJson(["get", "secret", "warehouse-postgres", "-n", "strata"])).data as object;
    const decoded = Object.fromEntries(
      Object.entries(migrationCredentials).map(([key, value]) => [key, Buffer.from(value as string, "base64").toString()]),
    );
    expect(decoded).toEqual({
      PGPASSWORD: ADMIN_PASSWORD,
      OWNER_PASSWORD_VERIFIER: scramVerifier(WAREHOUSE_PASSWORD, "warehouse_owner"),
    });
    const configMaps = JSON.stringify(await kubectlJson(["get", "configmaps", "-A", "-l", "app.kubernetes.io/managed-by=strata"]));
    for (const value of [WAREHOUSE_PASSWORD, ADMIN_PASSWORD, API_TOKEN]) expect(configMaps).not.toContain(value);

    // Every workload is placed by the Compute: nodeSelector and tolerations.
    const deployment = await kubectlJson(["get", "deployment", "campaigns-api", "-n", "marketing"]);
    const jobs = (await kubectlJson(["get", "jobs", "-n", "strata", "-l", "strata.dev/name=warehouse"])).items!;
    expect(jobs).toHaveLength(1);
    const podSpecs = [deployment, jobs[0]!].map((w) => (w.spec as { template: { spec: PodSpec } }).template.spec);
    for (const spec of podSpecs) {
      expect(spec.nodeSelector).toEqual(NODE_SELECTOR);
      expect(spec.tolerations).toEqual([{ ...TOLERATIONS[0], operator: "Equal" }]);
      expect(JSON.stringify(spec)).not.toContain(API_TOKEN);
      expect(JSON.stringify(spec)).not.toContain(ADMIN_PASSWORD);
    }
    expect(JSON.stringify(podSpecs[0])).toContain('"secretKeyRef":{"key":"value","name":"campaigns-api-token"}');

    // Service: Deployment + Service + HorizontalPodAutoscaler.
    const hpa = await kubectlJson(["get", "hpa", "campaigns-api", "-n", "marketing"]);
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 4, scaleTargetRef: { kind: "Deployment", name: "campaigns-api" } });
    const service = await kubectlJson(["get", "service", "campaigns-api", "-n", "marketing"]);
    expect(service.spec).toMatchObject({ type: "ClusterIP" });
    expect(outputs.campaignsApi!.value).toBe("http://campaigns-api.marketing.svc.cluster.local:8080");

    // Cluster: access rules in a ConfigMap; the chart's release exported with every Depot's catalog.
    const rules = await kubectlJson(["get", "configmap", "analytics-access-rules", "-n", "strata"]);
    expect((rules.data as Record<string, string>)["rules.json"]).toContain("region = 'EU'");
    const releases = outputs.helmReleases!.value as Array<{
      name: string;
      chart: string;
      version: string;
      values: Record<string, unknown>;
    }>;
    expect(releases.map((r) => `${r.chart}@${r.version}`).sort()).toEqual(["argo-workflows@0.45.19", "trino@1.40.0"]);
    const trino = releases.find((r) => r.chart === "trino")!;
    // The chart's own default catalogs are nulled (Helm's merge deletes them); the Depots' are served.
    const catalogs = trino.values.catalogs as Record<string, string | null>;
    expect(
      Object.keys(catalogs)
        .filter((c) => catalogs[c] !== null)
        .sort(),
    ).toEqual(["tpch", "warehouse"]);
    expect(catalogs.tpcds).toBeNull();
    expect(JSON.stringify(trino.values)).toContain("analytics-access-rules");
    for (const value of [WAREHOUSE_PASSWORD, ADMIN_PASSWORD, API_TOKEN]) expect(JSON.stringify(releases)).not.toContain(value);
  }, 300_000);

  test("a second preview changes nothing", async () => {
    const result = await stack.run("preview", config());
    expect(Object.keys(result.changes)).toEqual(["same"]);
  }, 180_000);

  test("a Policy change updates only the access-rules ConfigMap", async () => {
    const before = stack.log.length;
    const preview = await stack.run("preview", config({ "strata-k8s:analystRegion": "US" }));
    expect(preview.changes).toMatchObject({ update: 1 });
    expect(Object.keys(preview.changes).sort()).toEqual(["same", "update"]);
    const diff = stack.log.slice(before);
    expect(diff).toMatch(/~ kubernetes:core\/v1:ConfigMap: \(update\)[\s\S]*analytics-access-rules/);
    expect(diff).toContain("region = 'US'");
    const up = await stack.run("up", config({ "strata-k8s:analystRegion": "US" }));
    expect(up.changes).toMatchObject({ update: 1 });
    const rules = await kubectlJson(["get", "configmap", "analytics-access-rules", "-n", "strata"]);
    expect((rules.data as Record<string, string>)["rules.json"]).toContain("region = 'US'");
  }, 240_000);

  test("the console's Access page shows the rules Trino mounts: the ConfigMap as last deployed", async () => {
    const rules = await (await stackConsoleSource(stack.target())).accessRules();
    expect(rules.map((r) => r.cluster)).toEqual(["analytics"]);
    const customers = accessRows(rules[0]!.rules).filter((r) => r.table === "customers" && r.filter !== undefined);
    expect(customers.map((r) => [r.subject, r.catalog, r.filter, Object.keys(r.masks)])).toEqual([
      ["user analyst", "warehouse", "(region = 'US')", ["email"]],
    ]);
  });

  test("neither the stack's state and config nor the engine's output holds a secret, in clear or in base64", () => {
    // Encrypted state and stack config hold ciphertext only, so no file may hold a secret in any form; the values
    // legitimately live in the API server's Secrets (etcd, in the cluster's own directory), which is not scanned here.
    const secrets = [WAREHOUSE_PASSWORD, ADMIN_PASSWORD, API_TOKEN];
    // The scan reads the state: the access rules (no secret) are there in clear.
    expect(stack.filesHolding(["analytics-access-rules"])["analytics-access-rules"]).toContain(
      path.join(stack.home, "state", ".pulumi", "stacks", "strata-k8s", "dev.json"),
    );
    expect(secretsIn(stack, secrets)).toEqual({});
    expect(stack.log).toContain("kubernetes:core/v1:Secret");
    expect(secretsInLog(stack, secrets)).toEqual([]);
  });

  test("the workspace's service account may manage workloads in its namespace only", async () => {
    const canI = async (verb: string, resource: string, namespace: string) =>
      (
        await cluster.kubectl(["auth", "can-i", verb, resource, "-n", namespace, "--as", "system:serviceaccount:marketing:marketing"])
      ).stdout.trim();
    expect(await canI("create", "deployments", "marketing")).toBe("yes");
    expect(await canI("get", "secrets", "marketing")).toBe("yes");
    expect(await canI("create", "deployments", "strata")).toBe("no");
    expect(await canI("get", "secrets", "strata")).toBe("no");
    expect(await canI("delete", "namespaces", "marketing")).toBe("no");
  }, 60_000);

  test("destroy leaves no namespace, secret or RBAC object behind", async () => {
    await stack.run("destroy", config());
    for (const kind of ["namespaces", "secrets", "roles", "rolebindings", "configmaps", "jobs", "deployments"]) {
      const left = await kubectlJson(["get", kind, "-A", "-l", "app.kubernetes.io/managed-by=strata"]);
      expect(left.items, kind).toEqual([]);
    }
    expect((await cluster.kubectl(["get", "namespace", "marketing"])).code).not.toBe(0);
  }, 300_000);
});

describe("errors on the kubernetes target", () => {
  const oversized = new TestStack(
    "strata-k8s-errors",
    strataProgram(() => {
      // Kubernetes keeps at most 1 MiB per Secret; Strata does not check the size itself.
      new Secret("oversized", { value: "x".repeat(1024 * 1024 + 1) });
      return {};
    }),
  );
  afterAll(async () => {
    await oversized.run("destroy", { ...config(), "strata:namespacePrefix": { value: "errors-" } }).catch(() => undefined);
    fs.rmSync(oversized.root, { recursive: true, force: true });
  });

  test("our validation catches an invalid node label at preview, before anything is created", async () => {
    const error = await oversized
      .run("up", { ...config(), "strata:namespacePrefix": { value: "errors-" }, "strata:nodeSelector": { value: '{"pool":"not valid!"}' } })
      .catch((e: Error) => e);
    expect(String(error)).toContain('strata:nodeSelector.pool="not valid!" is not a valid Kubernetes label value');
    expect((await cluster.kubectl(["get", "namespace", "errors-strata"])).code).not.toBe(0);
  }, 120_000);

  test("the API server's own rejection names the primitive", async () => {
    const error = await oversized.run("up", { ...config(), "strata:namespacePrefix": { value: "errors-" } }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/Secret "oversized": kubernetes:core\/v1:Secret "oversized-kubernetes" failed: .*Too long/);
  }, 180_000);
});

describe("a prod stack on the kubernetes target", () => {
  const prod = new TestStack("strata-k8s", demo.default, "prod");
  const prodConfig = () => ({ ...config(), "strata:environment": { value: "prod" }, "strata:namespacePrefix": { value: "prod-" } });
  afterAll(async () => {
    // Whatever a failed test left: no protection, no stack, no namespace.
    await runPulumiCli(prod.target(), ["state", "unprotect", "--all", "--yes"]).catch(() => undefined);
    await prod.run("destroy", prodConfig()).catch(() => undefined);
    await cluster?.kubectl(["delete", "namespace", "prod-marketing", "prod-strata", "--ignore-not-found", "--wait=true"]);
    prod.remove();
  });

  test("protects and retains the data-bearing Workspace namespace in state, and destroy is refused", async () => {
    await prod.run("up", prodConfig());
    const deployment = await (await openStack(prod.target())).exportStack();
    type StateResource = { urn: string; type: string; protect?: boolean; retainOnDelete?: boolean };
    const resources = (deployment.deployment?.resources ?? []) as StateResource[];
    // On this target only a Workspace's namespace holds data (statefulChildOptions): Databases live on an
    // existing server and Secrets have no cloud store.
    const kept = resources
      .filter((r) => r.protect || r.retainOnDelete)
      .map((r) => ({ type: r.type, name: r.urn.split("::").at(-1), protect: r.protect, retainOnDelete: r.retainOnDelete }));
    expect(kept).toEqual([{ type: "kubernetes:core/v1:Namespace", name: "marketing-namespace", protect: true, retainOnDelete: true }]);
    expect(resources.length).toBeGreaterThan(15);

    const before = await prod.resourceTypes();
    await expect(prod.run("destroy", prodConfig())).rejects.toThrow(/protected/);
    expect(await prod.resourceTypes()).toEqual(before);
    expect((await cluster.kubectl(["get", "namespace", "prod-marketing"])).code).toBe(0);
  }, 240_000);

  test("after a deliberate unprotect, destroy empties the stack and retains the namespace, which is then deleted by hand", async () => {
    await runPulumiCli(prod.target(), ["state", "unprotect", "--all", "--yes"]);
    await prod.run("destroy", prodConfig());
    expect(await prod.resourceTypes()).toEqual([]);
    expect((await cluster.kubectl(["get", "namespace", "prod-strata"])).code).not.toBe(0);
    // Retained: the namespace outlives the stack, emptied of what the stack put in it.
    const retained = await cluster.kubectl(["get", "namespace", "prod-marketing", "-o", "jsonpath={.status.phase}"]);
    expect(retained).toMatchObject({ code: 0, stdout: "Active" });
    const kinds = "secrets,serviceaccounts,roles,resourcequotas,networkpolicies,deployments";
    const left = await kubectlJson(["get", kinds, "-n", "prod-marketing", "-l", "app.kubernetes.io/managed-by=strata"]);
    expect(left.items).toEqual([]);
    await cluster.kubectl(["delete", "namespace", "prod-marketing", "--wait=true"]);
    expect((await cluster.kubectl(["get", "namespace", "prod-marketing"])).code).not.toBe(0);
  }, 240_000);
});

describe("the kubeconfig as a secret config value (strata:kubeconfig)", () => {
  const INLINE_TOKEN = "k8s-inline-token-2a6f0e";
  const inline = new TestStack(
    "strata-k8s-inline",
    strataProgram(() => {
      new Secret("inline-token", { value: INLINE_TOKEN });
      return {};
    }),
  );
  // No strata:kubeconfigPath: the kubeconfig itself, client key included, is the secret value.
  const inlineConfig = () => ({
    "strata:target": { value: "kubernetes" },
    "strata:kubeconfig": { value: fs.readFileSync(cluster.kubeconfigPath, "utf8"), secret: true },
    "strata:namespacePrefix": { value: "inline-" },
    "strata:helmCharts": { value: "values" },
    "strata:awaitWorkloads": { value: "false" },
  });
  const clientKey = () => /client-key-data: (\S+) /.exec(fs.readFileSync(cluster.kubeconfigPath, "utf8"))![1]!;
  afterAll(async () => {
    await inline.run("destroy", inlineConfig()).catch(() => undefined);
    inline.remove();
  });

  test("deploys with it, keeps it out of state and logs in clear, and destroys", async () => {
    await inline.run("up", inlineConfig());
    const secret = await kubectlJson(["get", "secret", "inline-token", "-n", "inline-strata"]);
    expect(Buffer.from((secret.data as Record<string, string>).value!, "base64").toString()).toBe(INLINE_TOKEN);
    // The client key (base64 in the kubeconfig) and the token, in any form, only as ciphertext.
    expect(clientKey().length).toBeGreaterThan(1000);
    expect(secretsIn(inline, [clientKey(), INLINE_TOKEN])).toEqual({});
    expect(secretsInLog(inline, [clientKey(), INLINE_TOKEN])).toEqual([]);

    await inline.run("destroy", inlineConfig());
    expect(await inline.resourceTypes()).toEqual([]);
    expect((await cluster.kubectl(["get", "namespace", "inline-strata"])).code).not.toBe(0);
  }, 180_000);
});
