// Values of the official Trino Helm chart for a Cluster on Kubernetes. Pure:
// tested without Pulumi. The chart is referenced, never re-written: these are
// only its documented values.
import type { ChartReference, Placement } from "@strata/cloud-kernel";

/** The official chart, pinned; its image is pinned separately to the Trino release the local target runs. */
export const TRINO_CHART: ChartReference = { repository: "https://trinodb.github.io/charts", chart: "trino", version: "1.40.0" };
export const TRINO_IMAGE_TAG = "476";
/** Where the access-rules ConfigMap is mounted (a directory mount: a subPath mount would never see updates). */
export const RULES_DIRECTORY = "/etc/trino/access-rules";
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
  ];
  return {
    image: { tag: TRINO_IMAGE_TAG },
    server: {
      workers: spec.workers.min,
      node: { environment: "strata" },
      config: { query: { maxMemory: `${perNode * Math.max(1, spec.workers.max)}MB` } },
      autoscaling: { enabled: spec.workers.max > spec.workers.min, maxReplicas: spec.workers.max, targetCPUUtilizationPercentage: 70 },
    },
    catalogs: { ...Object.fromEntries(CHART_DEFAULT_CATALOGS.map((c) => [c, null])), ...spec.catalogs },
    envFrom: [{ secretRef: { name: spec.credentialsSecret } }],
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
    coordinator: { ...node(spec, perNode), additionalConfigFiles: groupProperties },
    worker: node(spec, perNode),
    service: { type: "ClusterIP", port: 8080 },
    ...(spec.identity
      ? { serviceAccount: { create: true, name: spec.identity.serviceAccount, annotations: spec.identity.annotations } }
      : {}),
    securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true },
    containerSecurityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}
