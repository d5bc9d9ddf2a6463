import { describe, expect, test } from "vitest";
import { RULES, violations } from "./rules.js";

// For every rule: a compliant resource and a non-compliant one, with the violation expected.
const cases: Array<[string, string, Record<string, unknown>, Record<string, unknown>, string]> = [
  [
    "s3-encrypted-with-kms",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:key" } }] },
    { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    "not SSE-KMS",
  ],
  [
    "s3-public-access-blocked",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    { blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true },
    "blockPublicPolicy is not true",
  ],
  [
    "rds-private-encrypted",
    "aws:rds/instance:Instance",
    { storageEncrypted: true, publiclyAccessible: false },
    { storageEncrypted: true, publiclyAccessible: true },
    "publiclyAccessible is true",
  ],
  [
    "eks-endpoint-restricted",
    "aws:eks/cluster:Cluster",
    { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }, encryptionConfig: { resources: ["secrets"] } },
    { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }, encryptionConfig: { resources: ["secrets"] } },
    "open to the internet",
  ],
  [
    "gcs-private-uniform",
    "gcp:storage/bucket:Bucket",
    { uniformBucketLevelAccess: true, publicAccessPrevention: "enforced" },
    { uniformBucketLevelAccess: true, publicAccessPrevention: "inherited" },
    "publicAccessPrevention",
  ],
  [
    "cloudsql-private-tls",
    "gcp:sql/databaseInstance:DatabaseInstance",
    { settings: { ipConfiguration: { ipv4Enabled: false, sslMode: "ENCRYPTED_ONLY" } } },
    { settings: { ipConfiguration: { ipv4Enabled: true, sslMode: "ENCRYPTED_ONLY" } } },
    "public IPv4",
  ],
  [
    "gke-private-workload-identity",
    "gcp:container/cluster:Cluster",
    { privateClusterConfig: { enablePrivateNodes: true }, workloadIdentityConfig: { workloadPool: "p.svc.id.goog" } },
    { privateClusterConfig: { enablePrivateNodes: true } },
    "Workload Identity is off",
  ],
  [
    "azure-storage-private-tls",
    "azure-native:storage:StorageAccount",
    { allowBlobPublicAccess: false, enableHttpsTrafficOnly: true, minimumTlsVersion: "TLS1_2" },
    { allowBlobPublicAccess: false, minimumTlsVersion: "TLS1_0" },
    "minimumTlsVersion",
  ],
  [
    "azure-postgres-private",
    "azure-native:dbforpostgresql:Server",
    { network: { publicNetworkAccess: "Disabled" } },
    { network: { publicNetworkAccess: "Enabled" } },
    "not disabled",
  ],
  [
    "azure-key-vault-rbac",
    "azure-native:keyvault:Vault",
    { properties: { enableRbacAuthorization: true } },
    { properties: { enableRbacAuthorization: false } },
    "enableRbacAuthorization",
  ],
  [
    "kubernetes-restricted-pods",
    "kubernetes:apps/v1:Deployment",
    {
      spec: {
        template: {
          spec: {
            securityContext: { runAsNonRoot: true },
            containers: [
              {
                name: "api",
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                env: [{ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "t", key: "value" } } }],
              },
            ],
          },
        },
      },
    },
    {
      spec: {
        template: {
          spec: {
            securityContext: { runAsNonRoot: true },
            containers: [
              {
                name: "api",
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                env: [{ name: "DB_PASSWORD", value: "hunter2" }],
              },
            ],
          },
        },
      },
    },
    "DB_PASSWORD as a literal value",
  ],
  [
    "kubernetes-no-public-load-balancer",
    "kubernetes:core/v1:Service",
    { spec: { type: "ClusterIP" } },
    { spec: { type: "LoadBalancer" } },
    "type LoadBalancer",
  ],
  [
    "kubernetes-configmaps-hold-no-credentials",
    "kubernetes:core/v1:ConfigMap",
    { data: { "rules.json": "{}" } },
    { data: { "db-password": "x" } },
    "db-password looks like a credential",
  ],
];

describe("security rules", () => {
  test("every rule has a good and a bad case", () => {
    expect(cases.map((c) => c[0]).sort()).toEqual(RULES.map((r) => r.name).sort());
  });

  test.each(cases)("%s", (rule, type, good, bad, expected) => {
    expect(violations({ type, props: good })).toEqual([]);
    const found = violations({ type, props: bad });
    expect(found.length).toBeGreaterThan(0);
    expect(found.join("\n")).toContain(`${rule}: `);
    expect(found.join("\n")).toContain(expected);
  });

  test("resources of other types are not judged", () => {
    expect(violations({ type: "aws:ec2/vpc:Vpc", props: { publiclyAccessible: true } })).toEqual([]);
  });
});
