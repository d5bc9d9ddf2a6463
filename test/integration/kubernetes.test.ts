// The `kubernetes` target against a real API server (etcd + kube-apiserver +
// kube-controller-manager on loopback) with the real engine and the real
// Pulumi Kubernetes provider. No kubelet runs here, so workloads are not
// awaited (strata:awaitWorkloads=false) and the Helm charts, which cannot be
// fetched, are exported as values (strata:helmCharts=values).
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type KubeCluster, startKubeCluster } from "../support/kube-cluster.js";
import { TestStack } from "../support/engine.js";

const demo = (await import("../../stacks/local/program.js")) as { default: () => Promise<Record<string, unknown>> };
const { Secret, strataProgram } = await import("@strata/user-kernel");

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

type PodSpec = { nodeSelector?: Record<string, string>; tolerations?: unknown[]; containers: Array<{ env?: Array<{ name: string; value?: string }> }> };

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

    const namespaces = (await kubectlJson(["get", "namespaces", "-l", "app.kubernetes.io/managed-by=strata"])).items!.map((n) => (n.metadata as { name: string }).name);
    expect(namespaces.sort()).toEqual(["marketing", "strata"]);

    // Workspace: quota (status filled by the controller manager), RBAC, default-deny network policy.
    const quota = await kubectlJson(["get", "resourcequota", "workspace", "-n", "marketing"]);
    expect((quota.status as { hard: Record<string, string> }).hard).toMatchObject({ pods: "50", "requests.memory": "32Gi" });
    const role = await kubectlJson(["get", "role", "workspace-member", "-n", "marketing"]);
    expect(JSON.stringify(role.rules)).toContain("deployments");
    const policy = await kubectlJson(["get", "networkpolicy", "default-deny", "-n", "marketing"]);
    expect(policy.spec).toMatchObject({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });

    // Secrets: the values reach Kubernetes Secrets, never ConfigMaps or workload specs.
    const secrets = (await kubectlJson(["get", "secrets", "-A", "-l", "app.kubernetes.io/managed-by=strata"])).items!.map(
      (s) => `${(s.metadata as { namespace: string }).namespace}/${(s.metadata as { name: string }).name}`,
    );
    expect(secrets.sort()).toEqual(["marketing/campaigns-api-token", "strata/analytics-depot-credentials", "strata/warehouse-password", "strata/warehouse-postgres"]);
    const credentials = await kubectlJson(["get", "secret", "analytics-depot-credentials", "-n", "strata"]);
    expect(Buffer.from((credentials.data as Record<string, string>).STRATA_DEPOT_WAREHOUSE_PASSWORD!, "base64").toString()).toBe(WAREHOUSE_PASSWORD);
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
    const releases = outputs.helmReleases!.value as Array<{ name: string; chart: string; version: string; values: Record<string, unknown> }>;
    expect(releases.map((r) => `${r.chart}@${r.version}`).sort()).toEqual(["argo-workflows@0.45.19", "trino@1.40.0"]);
    const trino = releases.find((r) => r.chart === "trino")!;
    expect(Object.keys(trino.values.catalogs as object).sort()).toEqual(["tpch", "warehouse"]);
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

  test("the workspace's service account may manage workloads in its namespace only", async () => {
    const canI = async (verb: string, resource: string, namespace: string) =>
      (await cluster.kubectl(["auth", "can-i", verb, resource, "-n", namespace, "--as", "system:serviceaccount:marketing:marketing"])).stdout.trim();
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
    const error = await oversized.run("up", { ...config(), "strata:namespacePrefix": { value: "errors-" }, "strata:nodeSelector": { value: '{"pool":"not valid!"}' } }).catch((e: Error) => e);
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
