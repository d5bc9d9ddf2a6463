// Strata's security rules, as pure checks of one resource's type and inputs.
// The policy pack (index.ts) runs them as CrossGuard policies; the tests run
// them on good and bad resources and on every resource our templates create.

/** A resource as a policy sees it: its type token and its inputs. */
export interface ResourceUnderTest {
  type: string;
  props: Record<string, unknown>;
}

/** One security rule. */
export interface SecurityRule {
  name: string;
  description: string;
  /** Resource types it applies to. */
  types: string[];
  /** What is wrong with the resource; empty when it complies. */
  check(props: Record<string, unknown>): string[];
}

type Props = Record<string, unknown>;

function at(props: unknown, ...path: string[]): unknown {
  let value: unknown = props;
  for (const key of path) value = typeof value === "object" && value !== null ? (value as Props)[key] : undefined;
  return value;
}

const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|API_?KEY|CREDENTIAL)/i;

/** Pod specs of a Kubernetes workload (Deployment, Job, ...), wherever the kind keeps its template. */
function podSpecs(props: Props): Props[] {
  const spec = at(props, "spec", "template", "spec") ?? at(props, "spec", "jobTemplate", "spec", "template", "spec");
  return spec ? [spec as Props] : [];
}

export const RULES: SecurityRule[] = [
  {
    name: "s3-encrypted-with-kms",
    description: "S3 buckets are encrypted with a customer-managed KMS key.",
    types: ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"],
    check: (p) => {
      const rules = (at(p, "rules") as Props[] | undefined) ?? [];
      return rules.some(
        (r) =>
          at(r, "applyServerSideEncryptionByDefault", "sseAlgorithm") === "aws:kms" &&
          at(r, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"),
      )
        ? []
        : ["the bucket's default encryption is not SSE-KMS with a key of ours"];
    },
  },
  {
    name: "s3-public-access-blocked",
    description: "S3 public access blocks turn on all four protections.",
    types: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    check: (p) =>
      ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]
        .filter((k) => p[k] !== true)
        .map((k) => `${k} is not true`),
  },
  {
    name: "rds-private-encrypted",
    description: "RDS instances are encrypted, private, and not skipping the final snapshot outside dev.",
    types: ["aws:rds/instance:Instance"],
    check: (p) => [
      ...(p.storageEncrypted === true ? [] : ["storageEncrypted is not true"]),
      ...(p.publiclyAccessible === true ? ["publiclyAccessible is true"] : []),
    ],
  },
  {
    name: "eks-endpoint-restricted",
    description: "An EKS API endpoint is private, or public only to listed networks; secrets are envelope-encrypted.",
    types: ["aws:eks/cluster:Cluster"],
    check: (p) => {
      const problems: string[] = [];
      if (at(p, "vpcConfig", "endpointPublicAccess") !== false) {
        const cidrs = (at(p, "vpcConfig", "publicAccessCidrs") as string[] | undefined) ?? ["0.0.0.0/0"];
        if (cidrs.length === 0 || cidrs.some((c) => OPEN_CIDRS.includes(c)))
          problems.push("the public API endpoint is open to the internet");
      }
      if (!at(p, "encryptionConfig")) problems.push("Kubernetes secrets are not encrypted with a KMS key");
      return problems;
    },
  },
  {
    name: "gcs-private-uniform",
    description: "GCS buckets use uniform access and enforce public access prevention.",
    types: ["gcp:storage/bucket:Bucket"],
    check: (p) => [
      ...(p.uniformBucketLevelAccess === true ? [] : ["uniformBucketLevelAccess is not true"]),
      ...(p.publicAccessPrevention === "enforced" ? [] : ["publicAccessPrevention is not enforced"]),
    ],
  },
  {
    name: "cloudsql-private-tls",
    description: "Cloud SQL instances have no public IP and accept encrypted connections only.",
    types: ["gcp:sql/databaseInstance:DatabaseInstance"],
    check: (p) => [
      ...(at(p, "settings", "ipConfiguration", "ipv4Enabled") === false ? [] : ["it has a public IPv4 address"]),
      ...(["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"].includes(at(p, "settings", "ipConfiguration", "sslMode") as string)
        ? []
        : ["unencrypted connections are accepted"]),
    ],
  },
  {
    name: "gke-private-workload-identity",
    description: "GKE clusters have private nodes and Workload Identity.",
    types: ["gcp:container/cluster:Cluster"],
    check: (p) => [
      ...(at(p, "privateClusterConfig", "enablePrivateNodes") === true ? [] : ["nodes have public addresses"]),
      ...(at(p, "workloadIdentityConfig", "workloadPool") ? [] : ["Workload Identity is off"]),
    ],
  },
  {
    name: "azure-storage-private-tls",
    description: "Storage accounts allow no public blob access and HTTPS with TLS >= 1.2 only.",
    types: ["azure-native:storage:StorageAccount"],
    check: (p) => [
      ...(p.allowBlobPublicAccess === false ? [] : ["allowBlobPublicAccess is not false"]),
      ...(p.enableHttpsTrafficOnly === false ? ["enableHttpsTrafficOnly is false"] : []),
      ...(p.minimumTlsVersion === "TLS1_2" || p.minimumTlsVersion === "TLS1_3" ? [] : ["minimumTlsVersion is below TLS1_2"]),
    ],
  },
  {
    name: "azure-postgres-private",
    description: "PostgreSQL Flexible Servers have public network access disabled.",
    types: ["azure-native:dbforpostgresql:Server"],
    check: (p) => (at(p, "network", "publicNetworkAccess") === "Disabled" ? [] : ["public network access is not disabled"]),
  },
  {
    name: "azure-key-vault-rbac",
    description: "Key Vaults use Azure RBAC (no access policies) and soft delete.",
    types: ["azure-native:keyvault:Vault"],
    check: (p) => [
      ...(at(p, "properties", "enableRbacAuthorization") === true ? [] : ["enableRbacAuthorization is not true"]),
      ...(at(p, "properties", "enableSoftDelete") === false ? ["soft delete is off"] : []),
    ],
  },
  {
    name: "kubernetes-restricted-pods",
    description: "Workloads run as non-root, without privilege escalation or extra capabilities, and take credentials from Secrets only.",
    types: ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"],
    check: (p) => {
      const problems: string[] = [];
      for (const spec of podSpecs(p)) {
        if (at(spec, "securityContext", "runAsNonRoot") !== true)
          problems.push("the pod may run as root (securityContext.runAsNonRoot is not true)");
        for (const container of (at(spec, "containers") as Props[] | undefined) ?? []) {
          const name = String(container.name);
          if (at(container, "securityContext", "privileged") === true) problems.push(`container ${name} is privileged`);
          if (at(container, "securityContext", "allowPrivilegeEscalation") !== false)
            problems.push(`container ${name} allows privilege escalation`);
          const drop = (at(container, "securityContext", "capabilities", "drop") as string[] | undefined) ?? [];
          if (!drop.includes("ALL")) problems.push(`container ${name} keeps Linux capabilities (drop ALL)`);
          for (const env of (container.env as Props[] | undefined) ?? []) {
            if (SECRET_NAME.test(String(env.name)) && env.value !== undefined)
              problems.push(`container ${name} has ${String(env.name)} as a literal value, not from a Secret`);
          }
        }
      }
      return problems;
    },
  },
  {
    name: "kubernetes-no-public-load-balancer",
    description: "Services stay inside the cluster; exposure goes through a TLS Ingress.",
    types: ["kubernetes:core/v1:Service"],
    check: (p) =>
      at(p, "spec", "type") === "LoadBalancer" || at(p, "spec", "type") === "NodePort"
        ? [`type ${String(at(p, "spec", "type"))} exposes it outside the cluster`]
        : [],
  },
  {
    name: "kubernetes-configmaps-hold-no-credentials",
    description: "ConfigMaps hold no keys named like credentials (they belong in Secrets).",
    types: ["kubernetes:core/v1:ConfigMap"],
    check: (p) =>
      Object.keys((p.data as Props | undefined) ?? {})
        .filter((k) => SECRET_NAME.test(k))
        .map((k) => `key ${k} looks like a credential`),
  },
];

/** Every violation of every rule by one resource, as `rule: problem`. Pure. */
export function violations(resource: ResourceUnderTest): string[] {
  return RULES.filter((r) => r.types.includes(resource.type)).flatMap((r) =>
    r.check(resource.props).map((problem) => `${r.name}: ${problem}`),
  );
}
