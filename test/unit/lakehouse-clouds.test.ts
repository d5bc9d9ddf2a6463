// A lakehouse Depot on aws, gcp and azure, under mocks (no cloud is
// reachable here): its Iceberg catalog tables are applied by a migrations Job
// on the metastore's managed server, its files live in the cloud's
// ObjectStore, and Trino reaches them with its own service account mapped to
// a cloud identity: the catalog holds no key, the chart gets the service
// account's annotations. On the `kubernetes` target it is refused at preview.
import { describe, expect, test } from "vitest";
import { type Registered, installMocks } from "../support/mocks.js";
import { cloudMockOptions } from "./clouds/mock-options.js";

const HOST = "pg.internal.example";
const mocks = await installMocks({ stack: "dev", ...(await cloudMockOptions(HOST, { cloudOutputs: true })) });
const pulumi = await import("@pulumi/pulumi");
const { Cluster, Database, Depot, Policy, Secret, capabilitiesFor, strataProgram, ICEBERG_CATALOG_MIGRATION } =
  await import("@strata/user-kernel");

const program = strataProgram((platform) => {
  const password = new Secret("lake-password", { value: pulumi.secret("mock-lake-password-42") });
  const metastore = new Database("lake-catalog", { password });
  const Store = capabilitiesFor(platform.context.target).ObjectStore;
  // The kubernetes target has no ObjectStore: a bucket made elsewhere stands in, for the refusal.
  const storage = Store
    ? new Store("lake-files", { network: platform.kubernetes?.cloud?.network })
    : ({ url: pulumi.output("s3://made-elsewhere"), bucketName: pulumi.output("made-elsewhere") } as unknown as InstanceType<
        NonNullable<typeof Store>
      >);
  const lake = new Depot("lake", { source: { kind: "lakehouse", metastore, storage } });
  new Cluster("analytics", {
    depots: [lake],
    policies: [new Policy("readers", { access: [{ users: ["ann"], depot: "lake", access: "read" }] })],
  });
  return {};
});

async function deploy(
  target: "aws" | "gcp" | "azure" | "kubernetes",
): Promise<{ registered: Registered[]; outputs: Record<string, unknown> }> {
  pulumi.runtime.setAllConfig(
    {
      "strata:target": target,
      "strata:dataDir": "/var/lib/strata/test",
      "strata:helmCharts": "values",
      "aws:region": "eu-west-1",
      "gcp:project": "strata-test-project",
      "gcp:region": "europe-west1",
      "azure-native:location": "westeurope",
      "strata:kubeconfig": "apiVersion: v1\nkind: Config\n",
      "strata:postgresHost": HOST,
      "strata:postgresAdminPassword": "mock-admin-password-77",
    },
    ["strata:kubeconfig", "strata:postgresAdminPassword"],
  );
  mocks.registered.length = 0;
  const outputs = await program();
  await mocks.settle();
  return { registered: [...mocks.registered], outputs };
}

/** The chart values this test reads. */
interface TrinoValues {
  catalogs: Record<string, string>;
  serviceAccount: { create: boolean; name: string; annotations: Record<string, string> };
  coordinator: { labels?: Record<string, string> };
  worker: { labels?: Record<string, string> };
}

/** Resolves an output the program exported (Helm releases left as values). */
function resolved<T>(value: unknown): Promise<T> {
  return new Promise((resolve) => pulumi.output(value as T).apply((v) => resolve(v as T)));
}

const expected = {
  aws: {
    catalog: ["fs.native-s3.enabled=true", "s3.region=eu-west-1"],
    annotation: "eks.amazonaws.com/role-arn",
    labels: undefined,
  },
  gcp: { catalog: ["fs.native-gcs.enabled=true"], annotation: "iam.gke.io/gcp-service-account", labels: undefined },
  azure: {
    catalog: ["fs.native-azure.enabled=true", "azure.auth-type=DEFAULT"],
    annotation: "azure.workload.identity/client-id",
    labels: { "azure.workload.identity/use": "true" },
  },
} as const;

describe.each(["aws", "gcp", "azure"] as const)("a lakehouse on %s (mocks)", (target) => {
  test("catalog tables by a Job, files in the cloud's store, Trino's own service account mapped to a cloud identity, no key", async () => {
    const { registered, outputs } = await deploy(target);
    // The Iceberg catalog's tables: a migrations Job of the lakehouse, on the metastore's server.
    const configMaps = registered.filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.name.startsWith("lake-"));
    const migration = configMaps.find((c) => JSON.stringify(c.inputs.data ?? {}).includes("iceberg_tables"));
    expect(migration, "a ConfigMap holding the Iceberg catalog migration").toBeDefined();
    expect(Object.values(migration!.inputs.data as Record<string, string>)).toContain(ICEBERG_CATALOG_MIGRATION.sql);
    expect(registered.some((r) => r.type === "kubernetes:batch/v1:Job" && r.name.startsWith("lake-"))).toBe(true);

    const releases = await resolved<Array<{ name: string; values: TrinoValues }>>(outputs.helmReleases);
    const trino = releases.find((r) => r.name === "analytics")!;
    const catalog = trino.values.catalogs.lake!;
    expect(catalog.split("\n")).toEqual(
      expect.arrayContaining(["connector.name=iceberg", "iceberg.catalog.type=jdbc", ...expected[target].catalog]),
    );
    expect(catalog).toContain(`iceberg.jdbc-catalog.connection-url=jdbc:postgresql://${HOST}:5432/lake_catalog?sslmode=require`);
    expect(catalog).toContain("iceberg.jdbc-catalog.connection-password=${ENV:STRATA_DEPOT_LAKE_PASSWORD}");
    expect(catalog).not.toMatch(/access-key|secret-key|\.key=|client-secret/);
    expect(catalog).not.toContain("mock-lake-password-42");
    expect(trino.values.serviceAccount).toMatchObject({ create: true, name: "analytics-trino" });
    expect(Object.keys(trino.values.serviceAccount.annotations)).toEqual([expected[target].annotation]);
    expect(trino.values.coordinator.labels).toEqual(expected[target].labels);
    expect(trino.values.worker.labels).toEqual(expected[target].labels);
    // The identity the annotation names is the one StoreAccess made for this service account.
    expect(
      registered.some((r) => r.type.startsWith(`strata:cloud:`) && r.type.endsWith("StoreAccess") && r.name === "analytics-store-access"),
    ).toBe(true);
  });
});

test("the kubernetes target has no object store: a lakehouse is refused at preview", async () => {
  await expect(deploy("kubernetes")).rejects.toThrow(
    'Depot "lake": source.kind="lakehouse" needs an ObjectStore and workload identity, which the kubernetes target does not offer',
  );
});
