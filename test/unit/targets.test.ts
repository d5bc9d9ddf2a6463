// The demo program (stacks/local) under mocks on every Kubernetes target:
// the Trino chart's values carry every Depot's catalog and no plaintext
// secret, the access-rules object every Policy's rules, and changing only
// `strata:target` changes the cloud resources and nothing in the
// Kubernetes data plane.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { type Registered, installMocks } from "../support/mocks.js";
import { cloudMockOptions } from "./clouds/mock-options.js";

const targets = ["kubernetes", "aws", "gcp", "azure"] as const;
const WAREHOUSE_PASSWORD = "mock-warehouse-password-31";
const ADMIN_PASSWORD = "mock-admin-password-77";
const API_TOKEN = "mock-api-token-55";
const HOST = "pg.internal.example";

const CLIENT_SECRET = "mock-oidc-client-secret-42";
const ISSUER = "https://login.example.com/realms/data";
// Each cloud's cluster answers with its own service-account issuer, as the shared cloud suite's mocks do.
const cloudMocks = await cloudMockOptions(HOST, { cloudOutputs: true });
const mocks = await installMocks({
  stack: "prod",
  calls: cloudMocks.calls,
  outputs: {
    ...cloudMocks.outputs,
    // The control plane a prod data plane reads (stacks/control-plane's outputs).
    "pulumi:pulumi:StackReference": () => ({
      outputs: {
        policies: demoPolicies("US"),
        groups: { admins: ["admin"], analysts: ["analyst"] },
        warehousePassword: WAREHOUSE_PASSWORD,
      },
    }),
  },
});
const pulumi = await import("@pulumi/pulumi");
const { violations } = await import("@strata/policy-pack/rules");
const { compilePolicies } = await import("@strata/core-kernel");
const demoModule = (await import("../../stacks/local/program.js")) as {
  default: () => Promise<Record<string, unknown>>;
  demoPolicies: (region?: string) => Record<string, unknown>;
};
const program = demoModule.default;
const demoPolicies = demoModule.demoPolicies;
const cloudConfig = {
  "aws:region": "eu-west-1",
  "gcp:project": "acme-data",
  "gcp:region": "europe-west1",
  "azure-native:location": "westeurope",
};

/** Deploys the demo program on a target under mocks; resolves with every registration and the outputs. */
async function deploy(target: (typeof targets)[number]) {
  pulumi.runtime.setAllConfig(
    {
      ...cloudConfig,
      "strata:target": target,
      "strata:environment": "prod",
      "strata:helmCharts": "install",
      "strata:kubeconfig": "apiVersion: v1\nkind: Config\n",
      "strata:postgresHost": HOST,
      // The administrator the cloud targets' managed servers get.
      "strata:postgresAdminUser": "strata_admin",
      "strata:postgresAdminPassword": ADMIN_PASSWORD,
      // The existing nodes carry the labels and taint a cloud target's node pool is given.
      "strata:nodeSelector": JSON.stringify({ "strata.dev/compute": "analytics-compute" }),
      "strata:tolerations": JSON.stringify([{ key: "strata.dev/compute", value: "analytics-compute", effect: "NoSchedule" }]),
      "strata-test:warehousePassword": WAREHOUSE_PASSWORD,
      "strata-test:campaignsApiToken": API_TOKEN,
      "strata-test:oidcIssuer": ISSUER,
      "strata-test:oidcClientId": "trino",
      "strata-test:oidcClientSecret": CLIENT_SECRET,
    },
    [
      "strata:kubeconfig",
      "strata:postgresAdminPassword",
      "strata-test:warehousePassword",
      "strata-test:campaignsApiToken",
      "strata-test:oidcClientSecret",
    ],
  );
  mocks.registered.length = 0;
  const outputs = await program();
  await mocks.settle();
  return { registered: [...mocks.registered], outputs };
}

const deployed = new Map<string, Registered[]>();
for (const target of targets) deployed.set(target, (await deploy(target)).registered);

/** The issuer of the cluster's service-account tokens that Trino is given. */
function requiredIssuer(registered: Registered[]): string | undefined {
  const values = registered.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "trino")!.inputs.values as {
    server: { coordinatorExtraConfig: string };
  };
  return /jwt\.required-issuer=(.*)/.exec(values.server.coordinatorExtraConfig)?.[1];
}

/**
 * Kubernetes objects as comparable text: type, name and inputs (the provider, which differs by cluster,
 * left out, and the service-account issuer, which is each cluster's own, as a placeholder).
 */
function kubernetesObjects(registered: Registered[]): string[] {
  return registered
    .filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"))
    .map((r) => `${r.type} ${r.name} ${JSON.stringify(r.inputs).replace(/(jwt\.required-issuer=)[^\\]*/, "$1<issuer>")}`)
    .sort();
}

describe.each(targets)("the demo platform on %s (mocks)", (target) => {
  const registered = deployed.get(target)!;
  const byType = (type: string) => registered.filter((r) => r.type === type);

  test("the Trino chart's values carry every Depot's catalog, credentials by reference only", () => {
    const release = byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "trino")!;
    expect(release.inputs).toMatchObject({
      version: "1.40.0",
      repositoryOpts: { repo: "https://trinodb.github.io/charts" },
      namespace: "strata",
    });
    const values = release.inputs.values as Record<string, unknown>;
    // Every Depot's catalog, and the chart's own default catalogs removed (null deletes them in Helm's merge).
    expect(
      Object.entries(values.catalogs as object)
        .filter(([, v]) => v !== null)
        .map(([k]) => k)
        .sort(),
    ).toEqual(["tpch", "warehouse"]);
    expect((values.catalogs as Record<string, unknown>).tpcds).toBeNull();
    expect((values.catalogs as Record<string, string>).warehouse).toContain(`jdbc:postgresql://${HOST}:5432/warehouse?sslmode=require`);
    expect((values.catalogs as Record<string, string>).warehouse).toContain("connection-password=${ENV:STRATA_DEPOT_WAREHOUSE_PASSWORD}");
    expect(values.envFrom).toEqual([
      { secretRef: { name: "analytics-depot-credentials" } },
      { secretRef: { name: "analytics-trino-security" } },
    ]);
    // People sign in with the configured provider, workloads with the cluster's own service-account tokens.
    const authentication = (values.server as { coordinatorExtraConfig: string }).coordinatorExtraConfig;
    expect(authentication).toContain(`http-server.authentication.oauth2.issuer=${ISSUER}`);
    expect(authentication).toContain("http-server.authentication.oauth2.client-secret=${ENV:STRATA_OIDC_CLIENT_SECRET}");
    expect(authentication).toContain("http-server.authentication.jwt.required-audience=trino.strata.analytics");
    const issuers: Record<string, RegExp> = {
      kubernetes: /^https:\/\/kubernetes\.default\.svc$/,
      aws: /^https:\/\/oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/EXAMPLE$/,
      gcp: /^https:\/\/container\.googleapis\.com\/v1\/projects\/[^/]+\/locations\/europe-west1\/clusters\/[^/]+$/,
      azure: /^https:\/\/\S+$/,
    };
    expect(requiredIssuer(registered)).toMatch(issuers[target]!);
    expect(values.configMounts).toContainEqual({
      name: "access-rules",
      configMap: "analytics-access-rules",
      path: "/etc/trino/access-rules",
    });
    const everything = JSON.stringify(byType("kubernetes:helm.sh/v3:Release").map((r) => r.inputs));
    for (const secret of [WAREHOUSE_PASSWORD, ADMIN_PASSWORD, API_TOKEN, CLIENT_SECRET]) expect(everything).not.toContain(secret);
  });

  test("coordinator and workers are sized and placed by the Compute", () => {
    const values = byType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "trino")!.inputs.values as Record<
      string,
      Record<string, unknown>
    >;
    for (const role of ["coordinator", "worker"]) {
      expect(values[role]).toMatchObject({
        nodeSelector: { "strata.dev/compute": "analytics-compute" },
        tolerations: [{ key: "strata.dev/compute", operator: "Equal", value: "analytics-compute", effect: "NoSchedule" }],
        jvm: { maxHeapSize: "1310M" },
        resources: { requests: { memory: "1638Mi" }, limits: { memory: "1638Mi" } },
      });
    }
    expect(values.server).toMatchObject({ workers: 1, autoscaling: { enabled: true, maxReplicas: 3 } });
  });

  test("the access-rules ConfigMap holds every Policy's rules", () => {
    const rules = JSON.parse(
      (byType("kubernetes:core/v1:ConfigMap").find((r) => r.name === "analytics-access-rules")!.inputs.data as Record<string, string>)[
        "rules.json"
      ]!,
    );
    // Exactly what the Cluster's compiler makes of the demo's policies and groups.
    const specs = Object.entries(demoPolicies()).map(([name, args]) => ({ name, ...(args as object) }));
    const depots = ["tpch", "warehouse"].map((d) => ({ name: d, catalog: d }));
    expect(rules).toEqual(compilePolicies(specs as never, depots, { admins: ["admin"], analysts: ["analyst"] }).rules);
    expect(rules.tables).toContainEqual({
      user: "analyst",
      catalog: "warehouse",
      schema: "public",
      table: "customers",
      privileges: ["SELECT"],
      columns: [{ name: "email", mask: `regexp_replace("email", '^[^@]+', '***')` }],
      filter: "(region = 'EU')",
    });
  });

  test("credentials are Kubernetes Secrets; stateful data is protected outside dev", () => {
    const secrets = byType("kubernetes:core/v1:Secret")
      .map((r) => r.name)
      .sort();
    expect(secrets).toEqual([
      "analytics-depot-credentials",
      // The nodes' shared secret and the provider's client secret (environment), and the server's key and certificate.
      "analytics-security",
      "analytics-tls",
      "campaigns-api-token-kubernetes",
      "oidc-client-secret-kubernetes",
      "warehouse-credentials",
      "warehouse-password-kubernetes",
    ]);
    const workspace = byType("kubernetes:core/v1:Namespace").find((r) => r.name === "marketing-namespace")!;
    expect(workspace.inputs.metadata).toMatchObject({ name: "marketing" });
    for (const config of byType("kubernetes:core/v1:ConfigMap")) {
      for (const secret of [WAREHOUSE_PASSWORD, ADMIN_PASSWORD, API_TOKEN, CLIENT_SECRET])
        expect(JSON.stringify(config.inputs)).not.toContain(secret);
    }
  });

  test("every resource passes the security policy pack", () => {
    const found = registered.flatMap((r) =>
      violations({ type: r.type, props: r.inputs as Record<string, unknown> }).map((v) => `${r.type} ${r.name}: ${v}`),
    );
    expect(found).toEqual([]);
  });

  test("the Argo Workflows controller is installed once, from its pinned chart", () => {
    const argo = byType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "argo-workflows");
    expect(argo).toHaveLength(1);
    expect(argo[0]!.inputs).toMatchObject({ version: "0.45.19", repositoryOpts: { repo: "https://argoproj.github.io/argo-helm" } });
    expect(argo[0]!.inputs.values).toMatchObject({ server: { enabled: false }, crds: { install: true } });
  });
});

describe("changing only strata:target", () => {
  test("leaves every Kubernetes object of the data plane identical", () => {
    const reference = kubernetesObjects(deployed.get("kubernetes")!);
    expect(reference.length).toBeGreaterThanOrEqual(20);
    for (const target of ["aws", "gcp", "azure"]) {
      const objects = kubernetesObjects(deployed.get(target)!);
      expect(
        objects.filter((o) => !reference.includes(o)),
        target,
      ).toEqual([]);
      expect(objects, target).toEqual(reference);
    }
  });

  test("changes the cloud resources: none on kubernetes, each cloud's own elsewhere", () => {
    const cloudTypes = (target: string) => [
      ...new Set(
        deployed
          .get(target)!
          // (Strata's own plugin resources, the stack's certificate authority among them, are the same on every target.)
          .filter((r) => r.custom && !r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:") && !r.type.startsWith("strata:"))
          .map((r) => r.type.split(":")[0]),
      ),
    ];
    expect(cloudTypes("kubernetes")).toEqual([]);
    expect(cloudTypes("aws")).toEqual(["aws"]);
    expect(cloudTypes("gcp")).toEqual(["gcp"]);
    expect(cloudTypes("azure")).toEqual(["azure-native"]);
  });
});

describe("the cloud stack templates, with their own per-environment config", () => {
  const stacks = path.resolve(import.meta.dirname, "..", "..", "stacks");
  const cases = ["aws", "gcp", "azure"].flatMap((cloud) => ["dev", "prod"].map((env) => [cloud, env] as const));

  test.each(cases)("stacks/%s Pulumi.%s.yaml deploys the demo platform", async (cloud, env) => {
    const file = parse(fs.readFileSync(path.join(stacks, cloud, `Pulumi.${env}.yaml`), "utf8")) as { config: Record<string, string> };
    // The project's keys, as the template's Pulumi.yaml names them, under the mocks' project.
    const config = Object.fromEntries(
      Object.entries(file.config).map(([k, v]) => [k.replace(`strata-${cloud}:`, "strata-test:"), String(v)]),
    );
    pulumi.runtime.setAllConfig(
      {
        ...config,
        "strata:postgresAdminPassword": ADMIN_PASSWORD,
        "strata-test:warehousePassword": WAREHOUSE_PASSWORD,
        "strata-test:campaignsApiToken": API_TOKEN,
      },
      ["strata:postgresAdminPassword", "strata-test:warehousePassword", "strata-test:campaignsApiToken"],
    );
    mocks.registered.length = 0;
    const outputs = await program();
    await mocks.settle();
    expect(outputs.kubernetesCluster).toBeDefined();
    const cluster = mocks.registered.find((r) => r.name === "platform-cluster")!;
    expect(cluster.type).toBe(`strata:cloud:${{ aws: "Aws", gcp: "Gcp", azure: "Azure" }[cloud]}KubernetesCluster`);
    // prod reads its policies from the control plane's stack outputs.
    const reference = mocks.registered.filter((r) => r.type === "pulumi:pulumi:StackReference").map((r) => r.inputs.name);
    expect(reference).toEqual(env === "prod" ? ["acme/strata-control-plane/prod"] : []);
    const rules = (mocks.registered.find((r) => r.name === "analytics-access-rules")!.inputs.data as Record<string, string>)["rules.json"]!;
    expect(rules).toContain(env === "prod" ? "region = 'US'" : "region = 'EU'");
  });
});

const { RULES } = await import("@strata/policy-pack/rules");
const { scramVerifier } = await import("@strata/cloud-kernel");

describe.each(targets)("the warehouse's migrations Job on %s (mocks)", (target) => {
  const registered = deployed.get(target)!;

  test("gets the owner's password as a SCRAM verifier in its Secret, never in clear", () => {
    const credentials = registered.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "warehouse-credentials")!;
    // Marked secret as a whole (the engine encrypts it in state), holding the verifier only.
    expect(credentials.inputs.stringData).toEqual({
      [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
      value: { PGPASSWORD: ADMIN_PASSWORD, OWNER_PASSWORD_VERIFIER: scramVerifier(WAREHOUSE_PASSWORD, "warehouse_owner") },
    });
    const job = registered.find((r) => r.type === "kubernetes:batch/v1:Job" && r.name === "warehouse-migrate")!;
    type JobSpec = { template: { spec: { containers: Array<{ env: Array<{ name: string }> }> } } };
    const env = (job.inputs.spec as JobSpec).template.spec.containers[0]!.env;
    expect(env.find((e) => e.name === "OWNER_PASSWORD_VERIFIER")).toEqual({
      name: "OWNER_PASSWORD_VERIFIER",
      valueFrom: { secretKeyRef: { name: "warehouse-postgres", key: "OWNER_PASSWORD_VERIFIER" } },
    });
    expect(JSON.stringify([credentials.inputs, job.inputs])).not.toContain(WAREHOUSE_PASSWORD);
  });
});

describe("the security policy pack on every stack template (mocks)", () => {
  const stacks = path.resolve(import.meta.dirname, "..", "..", "stacks");
  /** Every violation among the registered resources, as `type name: rule: problem`. */
  const check = (registered: Registered[]) =>
    registered.flatMap((r) =>
      violations({ type: r.type, props: r.inputs as Record<string, unknown> }).map((v) => `${r.type} ${r.name}: ${v}`),
    );
  /** The rules that had something to check, in the pack's order: zero violations of rules that applied to nothing prove nothing. */
  const applied = (registered: Registered[]) =>
    RULES.filter((rule) => registered.some((r) => rule.types.includes(r.type))).map((rule) => rule.name);
  const inPackOrder = (names: string[]) => RULES.map((rule) => rule.name).filter((name) => names.includes(name));
  const kubernetesRules = ["kubernetes-restricted-pods", "kubernetes-no-public-load-balancer", "kubernetes-configmaps-hold-no-credentials"];
  const cloudRules: Record<string, string[]> = {
    aws: ["rds-private-encrypted", "eks-endpoint-restricted"],
    gcp: ["cloudsql-private-tls", "gke-private-workload-identity"],
    azure: ["azure-postgres-private", "azure-key-vault-rbac"],
  };
  const cases = ["aws", "gcp", "azure"].flatMap((cloud) => ["dev", "prod"].map((env) => [cloud, env] as const));

  test.each(cases)("stacks/%s with its Pulumi.%s.yaml: no violation; an insecure copy of its workload is reported", async (cloud, env) => {
    const file = parse(fs.readFileSync(path.join(stacks, cloud, `Pulumi.${env}.yaml`), "utf8")) as { config: Record<string, string> };
    // The project's keys, as the template's Pulumi.yaml names them, under the mocks' project.
    const config = Object.fromEntries(
      Object.entries(file.config).map(([k, v]) => [k.replace(`strata-${cloud}:`, "strata-test:"), String(v)]),
    );
    const secrets = {
      "strata:postgresAdminPassword": ADMIN_PASSWORD,
      "strata-test:warehousePassword": WAREHOUSE_PASSWORD,
      "strata-test:campaignsApiToken": API_TOKEN,
    };
    pulumi.runtime.setAllConfig({ ...config, ...secrets }, Object.keys(secrets));
    const template = (await import(`../../stacks/${cloud}/program.js`)) as { default: () => Promise<Record<string, unknown>> };
    mocks.registered.length = 0;
    await template.default();
    await mocks.settle();
    const registered = [...mocks.registered];
    expect(check(registered)).toEqual([]);
    expect(applied(registered)).toEqual(inPackOrder([...cloudRules[cloud]!, ...kubernetesRules]));

    // The same check on the same resources, one of them made insecure, reports exactly that one.
    const deployment = registered.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
    const insecure = structuredClone(deployment);
    type PodTemplate = { template: { spec: { securityContext: { runAsNonRoot: boolean } } } };
    (insecure.inputs.spec as PodTemplate).template.spec.securityContext.runAsNonRoot = false;
    expect(check(registered.map((r) => (r === deployment ? insecure : r)))).toEqual([
      `kubernetes:apps/v1:Deployment ${deployment.name}: kubernetes-restricted-pods: ` +
        "the pod may run as root (securityContext.runAsNonRoot is not true)",
    ]);
  });

  test("stacks/control-plane: no violation, and nothing a rule applies to (it creates no cloud or Kubernetes resources)", async () => {
    pulumi.runtime.setAllConfig({ "strata-test:warehousePassword": WAREHOUSE_PASSWORD }, ["strata-test:warehousePassword"]);
    const template = (await import("../../stacks/control-plane/program.js")) as { default: () => Promise<Record<string, unknown>> };
    mocks.registered.length = 0;
    const outputs = await template.default();
    await mocks.settle();
    const registered = [...mocks.registered];
    expect(Object.keys(outputs).sort()).toEqual(["catalog", "groups", "policies", "warehousePassword"]);
    expect(
      registered
        .filter((r) => r.type === "strata:core:Policy")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["admins", "analysts"]);
    expect(check(registered)).toEqual([]);
    expect(applied(registered)).toEqual([]);
    // A credential-looking key in a ConfigMap, among its resources, would be reported.
    const configMap = { type: "kubernetes:core/v1:ConfigMap", name: "leaky", custom: true, inputs: { data: { DB_PASSWORD: "x" } } };
    expect(check([...registered, configMap as unknown as Registered])).toEqual([
      "kubernetes:core/v1:ConfigMap leaky: kubernetes-configmaps-hold-no-credentials: key DB_PASSWORD looks like a credential",
    ]);
  });
});
