// Values of the official Trino Helm chart for a Cluster on Kubernetes. Pure:
// tested without Pulumi. The chart is referenced, never re-written: these are
// only its documented values.
import type { ChartReference, Placement } from "@strata/cloud-kernel";
import { SHARED_SECRET_ENV } from "./trino-config.js";

/** The official chart, pinned; its image is pinned separately to the Trino release the local target runs. */
export const TRINO_CHART: ChartReference = { repository: "https://trinodb.github.io/charts", chart: "trino", version: "1.40.0" };
export const TRINO_IMAGE_TAG = "476";
/** Where the access-rules ConfigMap is mounted (a directory mount: a subPath mount would never see updates). */
export const RULES_DIRECTORY = "/etc/trino/access-rules";
/** Where the server's key and certificate chain are mounted (`tls-combined.pem`, from a Secret). */
export const TLS_DIRECTORY = "/etc/trino/tls";
export const TLS_KEYSTORE_KEY = "tls-combined.pem";
/** Where the identity provider's certificate authority is mounted (`ca.crt`, from a ConfigMap), when it has a private one. */
export const IDENTITY_PROVIDER_CA_DIRECTORY = "/etc/trino/identity-provider-ca";
/** The pods' own service-account authority, which signs the API server's certificate (its JWKS endpoint). */
export const SERVICE_ACCOUNT_CA_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
/** The API server's JWKS, as pods reach it. */
export const IN_CLUSTER_JWKS_URL = "https://kubernetes.default.svc/openid/v1/jwks";
/** The HTTPS port of the coordinator's Service (the chart keeps 8080 for probes and node traffic; it authenticates nobody). */
export const HTTPS_PORT = 8443;
/** The chart's plain HTTP port (its probes and `discovery.uri` use it). */
export const PLAIN_PORT = 8080;
export const GROUPS_DIRECTORY = "/etc/trino/groups";
/**
 * The catalogs the chart (1.40.0) declares in its own default values. Helm
 * merges the values we give into the chart's defaults, so a catalog left
 * out would still be served; each one no Depot declares is set to null,
 * which Helm's merge takes as "delete".
 */
export const CHART_DEFAULT_CATALOGS = ["tpch", "tpcds"] as const;

/** Seconds between reloads of the access rules in the pods (the kubelet's ConfigMap sync adds up to a minute). */
export const KUBERNETES_RELOAD_SECONDS = 5;

export interface TrinoHelmSpec {
  /** Catalog name -> properties file text (credentials as `${ENV:...}` references only). */
  catalogs: Record<string, string>;
  /** Secret holding the catalogs' credentials as environment variables. */
  credentialsSecret: string;
  /** ConfigMap holding `rules.json`. */
  rulesConfigMap: string;
  /** ConfigMap holding `groups.txt`, when the Cluster has groups. */
  groupsConfigMap?: string;
  /**
   * Who may log in, and how the server proves itself: the coordinator's
   * authentication properties (kubernetes-identity.ts), the Secret holding
   * the internal shared secret and the identity provider's client secret as
   * environment variables, the Secret holding the server's `tls-combined.pem`,
   * and the ConfigMap holding the identity provider's `ca.crt` when it has a private one.
   */
  security: { authentication: string; environmentSecret: string; tlsSecret: string; identityProviderCaConfigMap?: string };
  cpus: number;
  podMemoryMb: number;
  heapMb: number;
  workers: { min: number; max: number };
  placement: Placement;
  /**
   * The pods' own service account, mapped by the cloud's workload identity to
   * an identity that may use the lakehouse stores (no keys), when the Cluster
   * mounts a lakehouse. @default the namespace's default service account
   */
  identity?: { serviceAccount: string; annotations: Record<string, string>; podLabels: Record<string, string> };
}

function node(spec: TrinoHelmSpec, queryMemoryPerNodeMb: number) {
  const memory = `${spec.podMemoryMb}Mi`;
  return {
    ...(spec.identity && Object.keys(spec.identity.podLabels).length > 0 ? { labels: spec.identity.podLabels } : {}),
    jvm: { maxHeapSize: `${spec.heapMb}M` },
    config: { query: { maxMemoryPerNode: `${queryMemoryPerNodeMb}MB` } },
    resources: { requests: { cpu: String(spec.cpus), memory }, limits: { memory } },
    nodeSelector: spec.placement.nodeSelector,
    tolerations: spec.placement.tolerations,
    // Rules are reloaded in place; without this the chart would roll every pod on a Policy change.
    annotations: { "checksum/access-control-config": "" },
  };
}

/** The chart values of a Cluster. */
export function compileTrinoHelmValues(spec: TrinoHelmSpec): Record<string, unknown> {
  // Half the heap for queries, as on the local target.
  const perNode = Math.floor(spec.heapMb / 2);
  const groupProperties = spec.groupsConfigMap
    ? {
        "group-provider.properties": [
          "group-provider.name=file",
          `file.group-file=${GROUPS_DIRECTORY}/groups.txt`,
          `file.refresh-period=${KUBERNETES_RELOAD_SECONDS}s`,
          "",
        ].join("\n"),
      }
    : {};
  const mounts = [
    { name: "access-rules", configMap: spec.rulesConfigMap, path: RULES_DIRECTORY },
    ...(spec.groupsConfigMap ? [{ name: "groups", configMap: spec.groupsConfigMap, path: GROUPS_DIRECTORY }] : []),
    ...(spec.security.identityProviderCaConfigMap
      ? [{ name: "identity-provider-ca", configMap: spec.security.identityProviderCaConfigMap, path: IDENTITY_PROVIDER_CA_DIRECTORY }]
      : []),
  ];
  return {
    image: { tag: TRINO_IMAGE_TAG },
    server: {
      workers: spec.workers.min,
      node: { environment: "strata" },
      config: {
        query: { maxMemory: `${perNode * Math.max(1, spec.workers.max)}MB` },
        // HTTPS on the coordinator (the keystore reloads within a minute of a renewal, without a restart).
        https: { enabled: true, port: HTTPS_PORT, keystore: { path: `${TLS_DIRECTORY}/${TLS_KEYSTORE_KEY}` } },
      },
      // Coordinator only: the workers bind none of these properties, and Trino refuses properties it does not use.
      coordinatorExtraConfig: spec.security.authentication,
      autoscaling: { enabled: spec.workers.max > spec.workers.min, maxReplicas: spec.workers.max, targetCPUUtilizationPercentage: 70 },
    },
    catalogs: { ...Object.fromEntries(CHART_DEFAULT_CATALOGS.map((c) => [c, null])), ...spec.catalogs },
    envFrom: [{ secretRef: { name: spec.credentialsSecret } }, { secretRef: { name: spec.security.environmentSecret } }],
    // Every node signs its internal requests with the shared secret, read from the environment (never a ConfigMap).
    additionalConfigProperties: [`internal-communication.shared-secret=\${ENV:${SHARED_SECRET_ENV}}`],
    accessControl: {
      type: "properties",
      properties: [
        "access-control.name=file",
        `security.config-file=${RULES_DIRECTORY}/rules.json`,
        `security.refresh-period=${KUBERNETES_RELOAD_SECONDS}s`,
        "",
      ].join("\n"),
    },
    configMounts: mounts,
    coordinator: {
      ...node(spec, perNode),
      additionalConfigFiles: groupProperties,
      secretMounts: [{ name: "tls", secretName: spec.security.tlsSecret, path: TLS_DIRECTORY }],
    },
    worker: node(spec, perNode),
    service: { type: "ClusterIP", port: PLAIN_PORT },
    ...(spec.identity
      ? { serviceAccount: { create: true, name: spec.identity.serviceAccount, annotations: spec.identity.annotations } }
      : {}),
    securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true },
    containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}
