// A Workflow's identity on a Kubernetes target, under mocks: it runs as a
// service account of its own only when a Policy of its Cluster names it
// (refused at preview otherwise), and the Cluster accepts that account's
// tokens from the Workflow's namespace only.
import { beforeEach, describe, expect, test } from "vitest";
import { installMocks } from "../support/mocks.js";

const mocks = await installMocks({
  config: { "strata:target": "kubernetes", "strata:kubeconfig": "apiVersion: v1\nkind: Config\n", "strata:helmCharts": "values" },
});
const { Cluster, Depot, Policy, StrataValidationError, Workflow, Workspace, strataProgram } = await import("@strata/user-kernel");

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
