// Workflows on the `kubernetes` target: the compiled WorkflowTemplate and
// CronWorkflow are created through the real engine and provider on a real
// API server that holds Argo Workflows' own CRDs (v4.0.5, as data files; no
// Argo controller runs), so the server validates them under Argo's schema.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type KubeCluster, startKubeCluster } from "../support/kube-cluster.js";
import { TestStack } from "../support/engine.js";
import type { ArgoCronWorkflow, ArgoWorkflowTemplate } from "@strata/user-kernel";

const { Cluster, Depot, Policy, Secret, Workflow, Workspace, strataProgram } = await import("@strata/user-kernel");
const { loadToolchain } = await import("@strata/cli");

const TOKEN = "wf-k8s-token-5d4c3b";
let cluster: KubeCluster;

const program = strataProgram(() => {
  const tpch = new Depot("tpch", { source: { kind: "tpch" } });
  const analytics = new Cluster("analytics", {
    depots: [tpch],
    policies: [new Policy("pipelines", { access: [{ users: ["workflow-nightly"], depot: "tpch", access: "read" }] })],
  });
  const team = new Workspace("pipelines", { owner: "data-platform" });
  const token = new Secret("export-token", { value: TOKEN, workspace: team });
  const nightly = new Workflow("nightly", {
    cluster: analytics,
    workspace: team,
    schedules: ["0 2 * * *", "30 14 * * 1-5"],
    timezone: "Europe/Paris",
    concurrency: "Replace",
    parallelism: 2,
    timeout: "2h",
    steps: [
      {
        name: "count",
        kind: "sql",
        sql: ["SELECT count(*) FROM tpch.tiny.nation"],
        retry: { limit: 2, backoff: { duration: "30s", factor: 2, maxDuration: "10m" } },
      },
      {
        name: "export",
        kind: "command",
        dependencies: ["count"],
        image: "python:3.12-slim",
        command: ["python3", "-c", "print('exported')"],
        env: { MODE: "full" },
        secrets: { EXPORT_TOKEN: token },
        timeout: "15m",
        retry: { limit: 1, policy: "Always" },
      },
    ],
  });
  // Runs after each successful run of nightly: started by nightly's exit handler.
  new Workflow("publish", {
    workspace: team,
    after: [nightly],
    steps: [{ name: "notify", kind: "command", image: "busybox:1.36", command: ["echo", "published"] }],
  });
  return {};
});
const stack = new TestStack("strata-wf-k8s", program);

function config() {
  return {
    "strata:target": { value: "kubernetes" },
    "strata:kubeconfigPath": { value: cluster.kubeconfigPath },
    "strata:helmCharts": { value: "values" },
    "strata:awaitWorkloads": { value: "false" },
  };
}

async function getJson<T extends ArgoWorkflowTemplate | ArgoCronWorkflow>(
  kind: string,
  name: string,
  namespace: string,
): Promise<T | undefined> {
  const result = await cluster.kubectl(["get", kind, name, "-n", namespace, "-o", "json"]);
  if (result.code !== 0) {
    if (/NotFound/.test(result.stderr)) return undefined;
    throw new Error(result.stderr);
  }
  return JSON.parse(result.stdout) as T;
}

beforeAll(async () => {
  cluster = await startKubeCluster();
  const crds = loadToolchain().argoCrdDir;
  if (!crds) throw new Error("the toolchain has no Argo CRDs: run scripts/setup.sh");
  // Argo's CRDs are too large for client-side apply (the last-applied annotation): server-side, as Argo documents.
  for (const file of ["argoproj.io_workflowtemplates.yaml", "argoproj.io_cronworkflows.yaml"]) {
    const applied = await cluster.kubectl(["apply", "--server-side", "-f", path.join(crds, file)]);
    if (applied.code !== 0) throw new Error(applied.stderr);
  }
  // `kubectl wait` fails at once on a CRD whose status has no conditions yet (just created): asked again until 60 s.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const established = await cluster.kubectl([
      "wait",
      "--for=condition=Established",
      "--timeout=60s",
      "crd/workflowtemplates.argoproj.io",
      "crd/cronworkflows.argoproj.io",
    ]);
    if (established.code === 0) break;
    if (!/status\.conditions accessor error/.test(established.stderr) || Date.now() > deadline) throw new Error(established.stderr);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}, 180_000);

afterAll(async () => {
  await stack.run("destroy", config()).catch(() => undefined);
  await cluster?.stop();
  stack.remove();
}, 180_000);

describe("a Workflow on the kubernetes target, under Argo's own CRDs", () => {
  test("up creates the WorkflowTemplate and CronWorkflow the API server accepts", async () => {
    await stack.run("up", config());
    const template = (await getJson<ArgoWorkflowTemplate>("workflowtemplates.argoproj.io", "nightly", "pipelines"))!;
    expect(template.spec.entrypoint).toBe("main");
    expect(template.spec.serviceAccountName).toBe("pipelines");
    expect(template.spec.parallelism).toBe(2);
    expect(template.spec.activeDeadlineSeconds).toBe(7200);
    expect(template.spec.templates[0]!.dag).toEqual({
      failFast: false,
      tasks: [
        { name: "count", template: "count" },
        { name: "export", template: "export", depends: "count.Succeeded" },
      ],
    });
    const [, count, exporter] = template.spec.templates;
    expect(count!.script!.command).toEqual([
      "trino",
      "--server=http://analytics-trino.strata.svc.cluster.local:8080",
      "--user=workflow-nightly",
      "--file",
    ]);
    expect(count!.retryStrategy).toEqual({
      limit: 2,
      retryPolicy: "OnFailure",
      backoff: { duration: "30s", factor: 2, maxDuration: "10m" },
    });
    expect(exporter!.container!.env).toEqual([
      { name: "MODE", value: "full" },
      { name: "EXPORT_TOKEN", valueFrom: { secretKeyRef: { name: "export-token", key: "value" } } },
    ]);
    expect(exporter!.activeDeadlineSeconds).toBe(900);
    const cron = (await getJson<ArgoCronWorkflow>("cronworkflows.argoproj.io", "nightly", "pipelines"))!;
    expect(cron.spec).toEqual({
      schedules: ["0 2 * * *", "30 14 * * 1-5"],
      timezone: "Europe/Paris",
      concurrencyPolicy: "Replace",
      suspend: false,
      workflowSpec: { workflowTemplateRef: { name: "nightly" } },
    });
    // publish runs after nightly: nightly's exit handler creates a Workflow from publish's template when it succeeded.
    expect(template.spec.onExit).toBe("strata-after");
    expect(template.spec.templates.find((t) => t.name === "strata-after")!.steps).toEqual([
      [{ name: "start-publish", template: "strata-start-publish", when: "{{workflow.status}} == Succeeded" }],
    ]);
    const start = template.spec.templates.find((t) => t.name === "strata-start-publish")!.resource!;
    expect(start.action).toBe("create");
    expect(JSON.parse(start.manifest)).toMatchObject({ kind: "Workflow", spec: { workflowTemplateRef: { name: "publish" } } });
    expect(await getJson<ArgoWorkflowTemplate>("workflowtemplates.argoproj.io", "publish", "pipelines")).toBeDefined();
    expect(await getJson<ArgoCronWorkflow>("cronworkflows.argoproj.io", "publish", "pipelines")).toBeUndefined();
    // The Secret's value is referenced, never copied into the objects.
    expect(JSON.stringify(template)).not.toContain(TOKEN);
    // The Workspace lets only DNS out: the sql steps of its runs may also reach the Cluster's Trino.
    expect(template.spec.podMetadata).toEqual({ labels: { "strata.dev/workflow": "nightly" } });
    const policy = await cluster.kubectl(["get", "networkpolicy", "workflow-nightly", "-n", "pipelines", "-o", "json"]);
    expect(policy.code).toBe(0);
    expect((JSON.parse(policy.stdout) as { spec: unknown }).spec).toEqual({
      podSelector: { matchLabels: { "strata.dev/workflow": "nightly" } },
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "strata" } },
              podSelector: { matchLabels: { "app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "analytics" } },
            },
          ],
          ports: [{ protocol: "TCP", port: 8080 }],
        },
      ],
    });
  });

  test("the API server refuses a broken field under Argo's schema, so acceptance above means something", async () => {
    const template = (await getJson<ArgoWorkflowTemplate>("workflowtemplates.argoproj.io", "nightly", "pipelines"))!;
    const broken = {
      apiVersion: template.apiVersion,
      kind: template.kind,
      metadata: { name: "nightly-broken", namespace: "pipelines" },
      spec: structuredClone(template.spec),
    };
    (broken.spec.templates[1]!.retryStrategy as { retryPolicy: string }).retryPolicy = "Sometimes";
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "argo-")), "broken.json");
    fs.writeFileSync(file, JSON.stringify(broken));
    const created = await cluster.kubectl(["create", "-f", file]);
    expect(created.code).not.toBe(0);
    expect(created.stderr).toContain('spec.templates[1].retryStrategy.retryPolicy: Unsupported value: "Sometimes"');
    const cron = (await getJson<ArgoCronWorkflow>("cronworkflows.argoproj.io", "nightly", "pipelines"))!;
    fs.writeFileSync(
      file,
      JSON.stringify({
        apiVersion: cron.apiVersion,
        kind: cron.kind,
        metadata: { name: "nightly-broken", namespace: "pipelines" },
        spec: { ...cron.spec, schedules: ["0 2 * * MON"] },
      }),
    );
    const refused = await cluster.kubectl(["create", "-f", file]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("spec.schedules[0]");
  });

  test("destroy removes them", async () => {
    await stack.run("destroy", config());
    expect(await getJson("workflowtemplates.argoproj.io", "nightly", "pipelines")).toBeUndefined();
    expect(await getJson("cronworkflows.argoproj.io", "nightly", "pipelines")).toBeUndefined();
    expect(await getJson("workflowtemplates.argoproj.io", "publish", "pipelines")).toBeUndefined();
  });
});
