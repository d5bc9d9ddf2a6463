import * as pulumi from "@pulumi/pulumi";
import {
  type ChildFactory,
  HelmChartRelease,
  type StoreAccess,
  capabilitiesFor,
  configMapObject,
  secretObject,
  strataLabels,
} from "@strata/cloud-kernel";
import { compilePolicies, renderRules } from "../policy/compile.js";
import { TRINO_CHART, compileTrinoHelmValues } from "./helm-values.js";
import { type ClusterNative, type ClusterSpec, depotRefs, staticColumnTypes } from "./index.js";
import { renderGroups } from "./trino-config.js";

/** The chart's service name for a release: the release name, suffixed "-trino" unless it contains it (Helm's fullname rule). */
export function trinoServiceName(release: string): string {
  return release.includes("trino") ? release : `${release}-trino`;
}

/**
 * Kubernetes targets: a Secret with the catalogs' credentials (read by Trino
 * as environment variables through `${ENV:...}`), a ConfigMap with the access
 * rules (and one with the groups), and the official Trino chart, its
 * coordinator and workers sized and placed by the Compute.
 */
export function deployClusterOnKubernetes(
  children: ChildFactory,
  spec: ClusterSpec,
): { endpoint: pulumi.Output<string>; port: pulumi.Output<number>; native: ClusterNative } {
  const cluster = children.platform.kubernetes!;
  const { name, depots, compute } = spec;
  const namespace = cluster.namespace;
  const labels = strataLabels("Cluster", name);
  const groups = Object.keys(spec.groups).length > 0 ? spec.groups : undefined;
  const { rules } = compilePolicies(spec.policies, depotRefs(depots), spec.groups, staticColumnTypes(depots));
  const environment = pulumi.all(depots.map((d) => d.environment)).apply((envs) => Object.assign({}, ...envs) as Record<string, string>);
  const credentials = secretObject(children, "depot-credentials", { name: `${name}-depot-credentials`, namespace, labels }, environment);
  const accessRules = configMapObject(
    children,
    "access-rules",
    { name: `${name}-access-rules`, namespace, labels },
    { "rules.json": renderRules(rules) },
  );
  const groupsMap = groups
    ? configMapObject(children, "groups", { name: `${name}-groups`, namespace, labels }, { "groups.txt": renderGroups(groups) })
    : undefined;
  // Lakehouse stores are reached with the pods' own service account, mapped to a cloud identity (no keys).
  const stores = depots.flatMap((d) => (d.source.kind === "lakehouse" ? [d.source.storage] : []));
  const serviceAccount = `${name}-trino`;
  let storeAccess: StoreAccess | undefined;
  if (stores.length > 0) {
    const Access = capabilitiesFor(children.platform.context.target).StoreAccess!;
    storeAccess = new Access(
      children.name("store-access"),
      { platform: children.platform, network: cluster.cloud!.network, stores, cluster: cluster.cloud!.cluster, namespace, serviceAccount },
      children.options(),
    );
  }
  const identity = storeAccess
    ? storeAccess.serviceAccountAnnotations.apply((annotations) => ({ serviceAccount, annotations, podLabels: storeAccess!.podLabels }))
    : pulumi.output(undefined);
  const values = pulumi
    .all([pulumi.all(depots.map((d) => pulumi.all([d.catalogName, d.catalogProperties]))), identity])
    .apply(([catalogs, identity]) =>
      compileTrinoHelmValues({
        catalogs: Object.fromEntries(catalogs),
        credentialsSecret: `${name}-depot-credentials`,
        rulesConfigMap: `${name}-access-rules`,
        ...(groups ? { groupsConfigMap: `${name}-groups` } : {}),
        cpus: compute.cpus,
        podMemoryMb: compute.podMemoryMb,
        heapMb: compute.heapMb,
        workers: compute.nodes,
        placement: compute.placement,
        ...(identity === undefined ? {} : { identity }),
      }),
    );
  const release = new HelmChartRelease(
    children.name("trino"),
    { platform: children.platform, chart: TRINO_CHART, namespace, releaseName: name, values },
    children.options({ dependsOn: [credentials, accessRules, ...(groupsMap ? [groupsMap] : [])] }),
  );
  return {
    endpoint: pulumi.interpolate`http://${trinoServiceName(name)}.${namespace}.svc.cluster.local:8080`,
    port: pulumi.output(8080),
    native: { kind: "kubernetes", release, credentials, accessRules, ...(storeAccess ? { storeAccess } : {}) },
  };
}
