// Workflows and identity on the `kubernetes` target: the compiled
// WorkflowTemplate and CronWorkflow are created through the real engine and
// provider on a real API server that holds Argo Workflows' own CRDs (v4.0.5,
// as data files; no Argo controller runs), so the server validates them under
// Argo's schema. The Cluster's sign-in is then checked for real: a Trino
// started here with exactly the authentication properties Strata gave the
// chart accepts a real Keycloak's tokens and the API server's own
// service-account tokens, and refuses everything else.
import { execFileSync } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, sign } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type KubeCluster, startKubeCluster } from "../support/kube-cluster.js";
import { type Keycloak, type TestRealm, startKeycloak } from "../support/keycloak.js";
import { type TestTrino, parseProperties, startTestTrino, statement } from "../support/trino-server.js";
import { TestStack } from "../support/engine.js";
import type { ArgoCronWorkflow, ArgoWorkflowTemplate } from "@strata/user-kernel";

const { Cluster, Depot, Policy, Secret, Workflow, Workspace, strataProgram } = await import("@strata/user-kernel");
const { loadToolchain } = await import("@strata/cli");

const TOKEN = "wf-k8s-token-5d4c3b";
const CLIENT_SECRET = "wf-k8s-oidc-client-secret-8e7f6a";
const AUDIENCE = "trino.strata.analytics";
let cluster: KubeCluster;
let keycloak: Keycloak;
let trino: TestTrino | undefined;

// The organisation's provider: alice is an analyst, bob is in no group, and someone registered a person named
// like the workflow. Another realm (another issuer) has an alice too.
const REALMS: TestRealm[] = [
  {
    name: "strata",
    client: { id: "trino", secret: CLIENT_SECRET },
    groups: ["analysts"],
    users: [
      { name: "alice", password: "alice-pw-3c2b1a", groups: ["analysts"] },
      { name: "bob", password: "bob-pw-4d3c2b", groups: [] },
      { name: "workflow-nightly", password: "impostor-pw-5e4d3c", groups: ["analysts"] },
    ],
  },
  {
    name: "other",
    client: { id: "trino", secret: "other-client-secret-6f5e4d" },
    groups: ["analysts"],
    users: [{ name: "alice", password: "alice-other-pw-7a6f5e", groups: ["analysts"] }],
  },
];

const program = strataProgram(() => {
  const tpch = new Depot("tpch", { source: { kind: "tpch" } });
  const analytics = new Cluster("analytics", {
    depots: [tpch],
    policies: [
      new Policy("pipelines", { access: [{ serviceAccounts: ["workflow-nightly"], depot: "tpch", access: "read" }] }),
      // A group of the identity provider: its members are known from their tokens only.
      new Policy("analysts", { access: [{ groups: ["analysts"], depot: "tpch", access: "read" }] }),
    ],
    identityProvider: {
      issuer: keycloak.issuer("strata"),
      clientId: "trino",
      clientSecret: new Secret("oidc-client-secret", { value: CLIENT_SECRET }),
    },
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
let helmValues: Record<string, Record<string, unknown>> | undefined;

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
  // The provider starts beside the control plane: both take seconds.
  const provider = startKeycloak(REALMS);
  cluster = await startKubeCluster();
  keycloak = await provider;
  const crds = loadToolchain().argoCrdDir;
  if (!crds) throw new Error("the toolchain has no Argo CRDs: run scripts/setup.sh");
  // Argo's CRDs are too large for client-side apply (the last-applied annotation): server-side, as Argo documents.
  const certManagerCrds = loadToolchain().certManagerCrdDir;
  if (!certManagerCrds) throw new Error("the toolchain has no cert-manager CRDs: run scripts/setup.sh --tests");
  for (const file of [
    path.join(crds, "argoproj.io_workflowtemplates.yaml"),
    path.join(crds, "argoproj.io_cronworkflows.yaml"),
    path.join(certManagerCrds, "cert-manager.io_certificates.yaml"),
  ]) {
    const applied = await cluster.kubectl(["apply", "--server-side", "-f", file]);
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
      "crd/certificates.cert-manager.io",
    ]);
    if (established.code === 0) break;
    if (!/status\.conditions accessor error/.test(established.stderr) || Date.now() > deadline) throw new Error(established.stderr);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}, 180_000);

afterAll(async () => {
  await trino?.stop();
  await stack.run("destroy", config()).catch(() => undefined);
  await cluster?.stop();
  await keycloak?.stop();
  stack.remove();
}, 180_000);

async function kubectlJson(args: string[]): Promise<Record<string, unknown>> {
  const result = await cluster.kubectl([...args, "-o", "json"]);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** A token of the API server for a service account (TokenRequest), bound to `audience`. */
async function serviceAccountToken(namespace: string, account: string, audience: string): Promise<string> {
  const result = await cluster.kubectl(["create", "token", account, "-n", namespace, "--audience", audience, "--duration", "10m"]);
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout.trim();
}

/** A token signed with the API server's own service-account key, with the claims given (e.g. long expired). */
function signedWithClusterKey(claims: Record<string, unknown>): string {
  const key = createPrivateKey(fs.readFileSync(path.join(cluster.dir, "sa.key")));
  // The key id as the API server computes it: the SHA-256 of the public key's DER, base64url.
  const kid = createHash("sha256")
    .update(createPublicKey(key).export({ type: "spki", format: "der" }))
    .digest("base64url");
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const body = `${part({ alg: "RS256", kid })}.${part(claims)}`;
  return `${body}.${sign("sha256", Buffer.from(body), key).toString("base64url")}`;
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString()));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

describe("a Workflow on the kubernetes target, under Argo's own CRDs", () => {
  test("up creates the WorkflowTemplate and CronWorkflow the API server accepts", async () => {
    const result = await stack.run("up", config());
    helmValues = (result.outputs.helmReleases!.value as Array<{ chart: string; values: Record<string, Record<string, unknown>> }>).find(
      (r) => r.chart === "trino",
    )!.values;
    const template = (await getJson<ArgoWorkflowTemplate>("workflowtemplates.argoproj.io", "nightly", "pipelines"))!;
    expect(template.spec.entrypoint).toBe("main");
    // Its own identity: a service account named as its user, whose projected token is its login to the Cluster.
    expect(template.spec.serviceAccountName).toBe("workflow-nightly");
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
      "sh",
      "-c",
      "exec 'trino' '--server=https://analytics-trino.strata.svc.cluster.local:8443' '--user=workflow-nightly' " +
        "'--truststore-path=/etc/strata/trino-ca/ca.crt' " +
        '--access-token="$(cat /var/run/secrets/strata/trino/token)" --file "$0"',
    ]);
    expect((template.spec as { volumes?: unknown }).volumes).toEqual([
      {
        name: "strata-trino-token",
        projected: { sources: [{ serviceAccountToken: { audience: AUDIENCE, expirationSeconds: 3600, path: "token" } }] },
      },
      { name: "strata-trino-ca", configMap: { name: "nightly-trino-ca" } },
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
          ports: [{ protocol: "TCP", port: 8443 }],
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

  test("the workflow's identity: a service account without a mounted token, the Workspace's role, the Cluster's authority", async () => {
    const account = await kubectlJson(["get", "serviceaccount", "workflow-nightly", "-n", "pipelines"]);
    expect(account.automountServiceAccountToken).toBe(false);
    const binding = (await kubectlJson(["get", "rolebinding", "workflow-nightly", "-n", "pipelines"])) as {
      roleRef: unknown;
      subjects: unknown;
    };
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "workspace-member" });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "workflow-nightly", namespace: "pipelines" }]);
    const mine = (await kubectlJson(["get", "configmap", "nightly-trino-ca", "-n", "pipelines"])) as { data: Record<string, string> };
    const clusters = (await kubectlJson(["get", "configmap", "analytics-trino-ca", "-n", "strata"])) as { data: Record<string, string> };
    expect(mine.data["ca.crt"]).toBe(clusters.data["ca.crt"]);
    expect(mine.data["ca.crt"]).toMatch(/^-----BEGIN CERTIFICATE-----/);
    // Trino reads the API server's public keys without credentials: the discovery role is granted to anyone.
    const jwks = await get(`${cluster.server}/openid/v1/jwks`, fs.readFileSync(path.join(cluster.dir, "ca.crt"), "utf8"));
    expect(jwks.status).toBe(200);
    expect((JSON.parse(jwks.body) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });

  test("the Cluster's NetworkPolicy lets in Trino's own pods and the named workflow's pods, from no other namespace", async () => {
    const policy = (await kubectlJson(["get", "networkpolicy", "analytics-trino", "-n", "strata"])) as {
      spec: {
        podSelector: unknown;
        policyTypes: string[];
        ingress: {
          from: { namespaceSelector: { matchLabels: Record<string, string> }; podSelector: { matchLabels: Record<string, string> } }[];
          ports: unknown;
        }[];
      };
    };
    expect(policy.spec.podSelector).toEqual({
      matchLabels: { "app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "analytics" },
    });
    expect(policy.spec.policyTypes).toEqual(["Ingress"]);
    expect(policy.spec.ingress).toHaveLength(1);
    expect(policy.spec.ingress[0]!.ports).toEqual([
      { protocol: "TCP", port: 8443 },
      { protocol: "TCP", port: 8080 },
    ]);
    // Which namespaces each source selects, asked of the API server itself, with a namespace no Policy grants beside them.
    await cluster.kubectl(["create", "namespace", "intruder"]);
    const selected = async (labels: Record<string, string>) => {
      const selector = Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      const list = (await kubectlJson(["get", "namespaces", "-l", selector])) as { items: { metadata: { name: string } }[] };
      return list.items.map((n) => n.metadata.name);
    };
    const sources = await Promise.all(
      policy.spec.ingress[0]!.from.map(async (f) => [await selected(f.namespaceSelector.matchLabels), f.podSelector.matchLabels] as const),
    );
    expect(sources).toEqual([
      [["strata"], { "app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": "analytics" }],
      // Only nightly's pods: publish, in the same Workspace, runs no query and is not let in.
      [["pipelines"], { "strata.dev/workflow": "nightly" }],
    ]);
  });

  test("the chart's values carry the sign-in settings and no secret; no ConfigMap holds one", async () => {
    const authentication = parseProperties(helmValues!.server!.coordinatorExtraConfig as string);
    expect(authentication).toMatchObject({
      "http-server.authentication.type": "JWT,OAUTH2",
      "http-server.authentication.allow-insecure-over-http": "false",
      "http-server.authentication.oauth2.issuer": keycloak.issuer("strata"),
      "http-server.authentication.oauth2.client-secret": "${ENV:STRATA_OIDC_CLIENT_SECRET}",
      "http-server.authentication.jwt.key-file": "https://kubernetes.default.svc/openid/v1/jwks",
      "http-server.authentication.jwt.required-issuer": "https://kubernetes.default.svc",
      "http-server.authentication.jwt.required-audience": AUDIENCE,
    });
    const security = (await kubectlJson(["get", "secret", "analytics-trino-security", "-n", "strata"])) as { data: Record<string, string> };
    const shared = Buffer.from(security.data.STRATA_TRINO_SHARED_SECRET!, "base64").toString();
    expect(Buffer.from(security.data.STRATA_OIDC_CLIENT_SECRET!, "base64").toString()).toBe(CLIENT_SECRET);
    expect(shared.length).toBeGreaterThanOrEqual(48);
    const tls = (await kubectlJson(["get", "secret", "analytics-trino-tls", "-n", "strata"])) as { data: Record<string, string> };
    const keystore = Buffer.from(tls.data["tls-combined.pem"]!, "base64").toString();
    expect(keystore).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const keyLine = keystore.split("\n")[1]!;
    const configMaps = JSON.stringify(await kubectlJson(["get", "configmaps", "--all-namespaces"]));
    const values = JSON.stringify(helmValues);
    for (const secret of [shared, CLIENT_SECRET, keyLine]) {
      expect(configMaps).not.toContain(secret);
      expect(values).not.toContain(secret);
    }
  });

  test("a Trino with exactly these properties: people by the provider's tokens (groups reach the Policy), workloads by their own", async () => {
    const authentication = parseProperties(helmValues!.server!.coordinatorExtraConfig as string);
    const apiCa = path.join(cluster.dir, "ca.crt");
    // Pods reach the API server as kubernetes.default.svc; this machine reaches it on loopback, with the same keys.
    authentication["http-server.authentication.jwt.key-file"] = `${cluster.server}/openid/v1/jwks`;
    authentication["jwk.http-client.trust-store-path"] = apiCa;
    const rules = ((await kubectlJson(["get", "configmap", "analytics-access-rules", "-n", "strata"])) as { data: Record<string, string> })
      .data["rules.json"]!;
    trino = await startTestTrino({ authentication, rules, environment: { STRATA_OIDC_CLIENT_SECRET: CLIENT_SECRET } });
    const run = (headers: Record<string, string>, sql = "SELECT count(*) FROM tpch.tiny.nation") =>
      statement(trino!.endpoint, { ca: trino!.ca, headers, sql });
    const bearer = (token: string, user?: string) => ({ Authorization: `Bearer ${token}`, ...(user ? { "X-Trino-User": user } : {}) });

    // People: alice's group is the provider's, named by a Policy; bob has no group, so nothing.
    const alice = await keycloak.token("strata", "alice");
    expect(await run(bearer(alice))).toMatchObject({ status: 200, state: "FINISHED", rows: [[25]] });
    expect(await run(bearer(alice), "SELECT current_user")).toMatchObject({ rows: [["alice"]] });
    expect((await run(bearer(await keycloak.token("strata", "bob")))).error).toMatch(
      /^PERMISSION_DENIED: Access Denied: Cannot access catalog tpch/,
    );
    // Another issuer's alice, no token, a broken token: refused before any query.
    expect((await run(bearer(await keycloak.token("other", "alice")))).status).toBe(401);
    expect((await run({ "X-Trino-User": "alice" })).status).toBe(401);
    expect((await run(bearer(`${alice.slice(0, -4)}AAAA`))).status).toBe(401);
    // A person registered under a workload's name cannot be it.
    expect((await run(bearer(await keycloak.token("strata", "workflow-nightly")))).status).toBe(401);

    // Workloads: the API server's token for the workflow's service account, bound to the Cluster's audience.
    const nightly = await serviceAccountToken("pipelines", "workflow-nightly", AUDIENCE);
    expect(await run(bearer(nightly), "SELECT current_user")).toMatchObject({ status: 200, rows: [["workflow-nightly"]] });
    expect(await run(bearer(nightly))).toMatchObject({ state: "FINISHED", rows: [[25]] });
    // Another audience, the same name in another namespace, an expired token: refused.
    expect((await run(bearer(await serviceAccountToken("pipelines", "workflow-nightly", "vault")))).status).toBe(401);
    await cluster.kubectl(["create", "serviceaccount", "workflow-nightly", "-n", "intruder"]);
    expect((await run(bearer(await serviceAccountToken("intruder", "workflow-nightly", AUDIENCE)))).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: "https://kubernetes.default.svc", aud: [AUDIENCE], sub: "system:serviceaccount:pipelines:workflow-nightly" };
    expect((await run(bearer(signedWithClusterKey({ ...claims, iat: now - 60, nbf: now - 60, exp: now + 600 })))).status).toBe(200);
    expect((await run(bearer(signedWithClusterKey({ ...claims, iat: now - 1200, nbf: now - 1200, exp: now - 600 })))).status).toBe(401);

    // No one acts as another, and the plain HTTP port authenticates nobody.
    expect((await run(bearer(alice, "workflow-nightly"))).error).toBe(
      "PERMISSION_DENIED: Access Denied: User alice cannot impersonate user workflow-nightly",
    );
    expect((await run(bearer(nightly, "alice"))).error).toBe(
      "PERMISSION_DENIED: Access Denied: User workflow-nightly cannot impersonate user alice",
    );
    const plain = await statement(trino.plainEndpoint, { ca: trino.ca, headers: { "X-Trino-User": "alice" }, sql: "SELECT 1" });
    expect(plain.status).toBeGreaterThanOrEqual(400);
    expect(plain.status).toBeLessThan(500);
  });

  test("with the cluster's cert-manager: a Certificate the API server accepts under cert-manager's own CRD replaces the stack's", async () => {
    // The organisation's authority, which cert-manager's issuer signs with (no cert-manager controller runs here).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-issuer-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=internal-ca",
        "-days",
        "2",
        "-keyout",
        path.join(dir, "ca.key"),
        "-out",
        path.join(dir, "ca.pem"),
      ],
      { stdio: "pipe" },
    );
    const issuerCa = fs.readFileSync(path.join(dir, "ca.pem"), "utf8");
    fs.rmSync(dir, { recursive: true, force: true });
    const withIssuer = {
      ...config(),
      "strata:certManagerIssuer": { value: "ClusterIssuer/internal-ca" },
      "strata:certManagerIssuerCertificate": { value: issuerCa },
    };
    await stack.run("up", withIssuer);
    // Read back from the server: a field cert-manager's schema does not know would have been pruned.
    const certificate = (await kubectlJson(["get", "certificates.cert-manager.io", "analytics-trino", "-n", "strata"])) as {
      spec: Record<string, unknown>;
    };
    const service = "analytics-trino";
    expect(certificate.spec).toEqual({
      secretName: "analytics-trino-tls",
      commonName: `${service}.strata.svc`,
      dnsNames: [service, `${service}.strata`, `${service}.strata.svc`, `${service}.strata.svc.cluster.local`],
      usages: ["server auth", "digital signature", "key encipherment"],
      privateKey: { algorithm: "RSA", size: 2048, encoding: "PKCS8", rotationPolicy: "Always" },
      duration: "2160h",
      renewBefore: "720h",
      additionalOutputFormats: [{ type: "CombinedPEM" }],
      secretTemplate: { labels: expect.objectContaining({ "strata.dev/kind": "cluster" }) as unknown },
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "internal-ca" },
    });
    // The Secret is cert-manager's to write now: the one signed by the stack's authority is gone.
    expect((await cluster.kubectl(["get", "secret", "analytics-trino-tls", "-n", "strata"])).stderr).toMatch(/NotFound/);
    // Clients trust the issuer's authority: the Cluster's ConfigMap and the workflow's copy in its own namespace.
    const ca = (await kubectlJson(["get", "configmap", "analytics-trino-ca", "-n", "strata"])) as { data: Record<string, string> };
    expect(ca.data["ca.crt"]).toBe(issuerCa.trim() + "\n");
    const copy = (await kubectlJson(["get", "configmap", "nightly-trino-ca", "-n", "pipelines"])) as { data: Record<string, string> };
    expect(copy.data["ca.crt"]).toBe(ca.data["ca.crt"]);
  });

  test("destroy removes them", async () => {
    await stack.run("destroy", config());
    expect(await getJson("workflowtemplates.argoproj.io", "nightly", "pipelines")).toBeUndefined();
    expect(await getJson("cronworkflows.argoproj.io", "nightly", "pipelines")).toBeUndefined();
    expect(await getJson("workflowtemplates.argoproj.io", "publish", "pipelines")).toBeUndefined();
  });
});
