// Workloads' identities on a Kubernetes target, under mocks: a Workflow and a
// Service run as service accounts of their own only when a Policy of their
// Cluster names them (refused at preview otherwise), with a projected token
// bound to the Cluster, and the Cluster lets in their pods only.
import { beforeEach, describe, expect, test } from "vitest";
import { installMocks } from "../support/mocks.js";

const mocks = await installMocks({
  config: { "strata:target": "kubernetes", "strata:kubeconfig": "apiVersion: v1\nkind: Config\n", "strata:helmCharts": "values" },
});
const { Cluster, Depot, Policy, Service, StrataValidationError, Workflow, Workspace, strataProgram } = await import("@strata/user-kernel");

beforeEach(() => {
  mocks.registered.length = 0;
});

/** Declares a Cluster whose Policy names `accounts`, and a Workflow with a sql step in Workspace "pipelines". */
function declare(accounts: string[]) {
  const tpch = new Depot("tpch", { source: { kind: "tpch" } });
  const cluster = new Cluster("analytics", {
    depots: [tpch],
    policies: [new Policy("pipelines", { access: [{ serviceAccounts: accounts, depot: "tpch", access: "read" }] })],
  });
  new Workflow("nightly", {
    cluster,
    workspace: new Workspace("pipelines"),
    steps: [{ name: "count", kind: "sql", sql: "SELECT count(*) FROM tpch.tiny.nation" }],
  });
}

describe("a Service's login on the kubernetes target (mocks)", () => {
  test("its own service account's token and the Cluster's authority, named in its environment; its pods let in and out", async () => {
    await strataProgram(() => {
      const tpch = new Depot("tpch", { source: { kind: "tpch" } });
      const cluster = new Cluster("analytics", {
        depots: [tpch],
        policies: [new Policy("apis", { access: [{ serviceAccounts: ["service-orders-api"], depot: "tpch", access: "read" }] })],
      });
      new Service("orders-api", { image: "ghcr.io/acme/orders-api:1.4.2", cluster, workspace: new Workspace("shop") });
      return {};
    })();
    await mocks.settle();
    const byName = (type: string, name: string) => mocks.registered.find((r) => r.type === type && r.name === name)!;
    expect(byName("kubernetes:core/v1:ServiceAccount", "orders-api-service-account").inputs).toMatchObject({
      metadata: { name: "service-orders-api", namespace: "shop" },
      automountServiceAccountToken: false,
    });
    const pod = (
      byName("kubernetes:apps/v1:Deployment", "orders-api-workload-deployment").inputs.spec as {
        template: { spec: { serviceAccountName: string; volumes: unknown[]; containers: { env: unknown[]; volumeMounts: unknown[] }[] } };
      }
    ).template.spec;
    expect(pod.serviceAccountName).toBe("service-orders-api");
    expect(pod.volumes).toContainEqual({
      name: "strata-trino-token",
      projected: { sources: [{ serviceAccountToken: { audience: "trino.strata.analytics", expirationSeconds: 3600, path: "token" } }] },
    });
    expect(pod.volumes).toContainEqual({ name: "strata-trino-ca", configMap: { name: "orders-api-trino-ca" } });
    expect(pod.containers[0]!.env).toEqual(
      expect.arrayContaining([
        { name: "STRATA_TRINO_SERVER", value: "https://analytics-trino.strata.svc.cluster.local:8443" },
        { name: "STRATA_TRINO_USER", value: "service-orders-api" },
        { name: "STRATA_TRINO_TOKEN_FILE", value: "/var/run/secrets/strata/trino/token" },
        { name: "STRATA_TRINO_CA_FILE", value: "/etc/strata/trino-ca/ca.crt" },
      ]),
    );
    const ingress = byName("kubernetes:networking.k8s.io/v1:NetworkPolicy", "analytics-network-policy").inputs.spec as {
      ingress: { from: unknown[] }[];
    };
    expect(ingress.ingress[0]!.from).toContainEqual({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } },
      podSelector: { matchLabels: { "strata.dev/kind": "service", "strata.dev/name": "orders-api" } },
    });
    const egress = byName("kubernetes:networking.k8s.io/v1:NetworkPolicy", "orders-api-egress").inputs.spec as {
      egress: { ports: unknown }[];
    };
    expect(egress.egress[0]!.ports).toEqual([{ protocol: "TCP", port: 8443 }]);
  });
});

describe("a Workflow's login on the kubernetes target (mocks)", () => {
  test("a named workflow runs as its own service account, and Trino maps its tokens from its namespace only", async () => {
    await strataProgram(() => {
      declare(["workflow-nightly"]);
      return {};
    })();
    await mocks.settle();
    const account = mocks.registered.find((r) => r.type === "kubernetes:core/v1:ServiceAccount" && r.name === "nightly-service-account")!;
    expect(account.inputs).toMatchObject({
      metadata: { name: "workflow-nightly", namespace: "pipelines" },
      automountServiceAccountToken: false,
    });
    const binding = mocks.registered.find(
      (r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding" && r.name === "nightly-role-binding",
    )!;
    expect(binding.inputs).toMatchObject({
      roleRef: { kind: "Role", name: "workspace-member" },
      subjects: [{ kind: "ServiceAccount", name: "workflow-nightly", namespace: "pipelines" }],
    });
    const network = mocks.registered.find(
      (r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.name === "analytics-network-policy",
    )!;
    expect((network.inputs.spec as { ingress: { from: unknown[] }[] }).ingress[0]!.from).toContainEqual({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "pipelines" } },
      podSelector: { matchLabels: { "strata.dev/workflow": "nightly" } },
    });
  });

  // Last: a refused program leaves registrations the mocks never settle.
  test("a workflow no Policy names is refused, with the fix", async () => {
    let error: unknown;
    try {
      await strataProgram(() => {
        declare(["workflow-other"]);
        return {};
      })();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StrataValidationError);
    expect(String(error)).toContain('runs as service account "workflow-nightly", which no Policy of Cluster "analytics" names');
    expect(String(error)).toContain('add a Policy granting serviceAccounts: ["workflow-nightly"]');
  });
});
