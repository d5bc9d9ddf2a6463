// One suite, every cloud: each capability is deployed under mocks in a dev
// and a prod environment, with the caller's provider; the suite asserts the
// child resource types, that every child got the caller's provider, and the
// cloud's security expectations (./aws.ts, ./gcp.ts, ./azure.ts).
import { beforeEach, describe, expect, test } from "vitest";
import { type TestCloud, cloudsUnderTest } from "../../support/clouds.js";
import { installMocks } from "../../support/mocks.js";
import { CAPABILITIES, type CloudExpectations, type Environment } from "./expectations.js";

// STRATA_TEST_CLOUDS=aws,gcp narrows the suite while working on one cloud; under CI it fails the file instead
// (scripts/run-tests.mjs refuses to start too), so a narrowed run can never pass for a whole one.
const clouds = cloudsUnderTest(process.env);
const loaders: Record<TestCloud, () => Promise<{ default: CloudExpectations }>> = {
  aws: () => import("./aws.js"),
  gcp: () => import("./gcp.js"),
  azure: () => import("./azure.js"),
};
const expectations = Object.fromEntries(await Promise.all(clouds.map(async (c) => [c, (await loaders[c]()).default] as const))) as Record<
  TestCloud,
  CloudExpectations
>;
const mocks = await installMocks({
  stack: "dev",
  config: Object.assign({}, ...clouds.map((c) => expectations[c].config)),
  calls: Object.assign({}, ...clouds.map((c) => expectations[c].calls ?? {})),
  outputs: Object.assign({}, ...clouds.map((c) => expectations[c].outputs ?? {})),
});
const kernel = await import("@strata/cloud-kernel");

beforeEach(async () => {
  await mocks.settle();
  mocks.registered.length = 0;
});

describe.each(clouds)("cloud target %s", (cloud) => {
  const expected = expectations[cloud];
  const capabilities = kernel.cloudCapabilities(cloud);

  function deploy(capability: (typeof CAPABILITIES)[number], environment: Environment) {
    const platform = kernel.createPlatform(
      kernel.contextFromConfig({ get: (k) => ({ target: cloud, environment })[k] }, "strata-test", environment),
    );
    const provider = expected.makeProvider(`${cloud}-${environment}-caller`);
    const opts = { providers: [provider] };
    const network = new capabilities.Network(`net-${environment}`, { platform }, opts);
    const cluster = new capabilities.KubernetesCluster(`k8s-${environment}`, { platform, network }, opts);
    const base = { platform, network };
    switch (capability) {
      case "Network":
      case "KubernetesCluster":
        return;
      case "NodePool":
        new capabilities.NodePool(
          `pool-${environment}`,
          {
            ...base,
            cluster,
            cpus: 4,
            memoryMb: 16384,
            minNodes: 1,
            maxNodes: 3,
            labels: { "strata.dev/compute": "analytics" },
            taints: [{ key: "strata.dev/compute", value: "analytics", effect: "NoSchedule" }],
          },
          opts,
        );
        break;
      case "ObjectStore":
        new capabilities.ObjectStore(`lake-${environment}`, base, opts);
        break;
      case "PostgresServer":
        new capabilities.PostgresServer(`pg-${environment}`, { ...base, adminPassword: "not-a-real-password" }, opts);
        break;
      case "SecretStore":
        new capabilities.SecretStore(`secret-${environment}`, { ...base, value: "not-a-real-secret" }, opts);
        break;
      case "StoreAccess": {
        const store = new capabilities.ObjectStore(`access-${environment}-lake`, base, opts);
        new capabilities.StoreAccess(
          `access-${environment}`,
          { ...base, cluster, stores: [store], namespace: "strata", serviceAccount: "analytics-trino" },
          opts,
        );
        break;
      }
    }
  }

  describe.each(["dev", "prod"] as const)("%s environment", (environment) => {
    test.each(CAPABILITIES)("%s: child types, caller's provider, security", async (capability) => {
      deploy(capability, environment);
      await mocks.settle();
      // Children register asynchronously: a capability's own resources are those named after it.
      const prefix = {
        Network: "net",
        KubernetesCluster: "k8s",
        NodePool: "pool",
        ObjectStore: "lake",
        PostgresServer: "pg",
        SecretStore: "secret",
        StoreAccess: "access",
      }[capability];
      const own = mocks.registered.filter((r) => r.name.startsWith(`${prefix}-${environment}`));
      const check = expected.capabilities[capability];
      const types = new Set(own.map((r) => r.type));
      for (const type of check.types) expect(types, `${capability} registers ${type}`).toContain(type);
      // Every cloud resource uses the caller's provider (Kubernetes providers the cluster makes are not cloud resources).
      const cloudChildren = own.filter(
        (r) => r.custom && r.type.startsWith(`${expected.package}:`) && !r.type.startsWith("pulumi:providers:"),
      );
      expect(cloudChildren.length).toBeGreaterThan(0);
      for (const child of cloudChildren) {
        expect(child.provider ?? "", `${child.type} ${child.name} uses the caller's provider`).toContain(`${cloud}-${environment}-caller`);
      }
      for (const [, assertion] of check.secure) assertion(own, environment);
    });
  });

  test("security checks are named", () => {
    for (const capability of CAPABILITIES) expect(expected.capabilities[capability].secure.length, capability).toBeGreaterThan(0);
  });
});
