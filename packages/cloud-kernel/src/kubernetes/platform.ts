import type { Provider } from "@pulumi/kubernetes/provider.js";
import type * as pulumi from "@pulumi/pulumi";
import { type KubernetesSettings, type TargetName, type ValidationIssue, onKubernetes, programValue, setProgramValue } from "../base/index.js";
import type { CloudCapabilities, KubernetesCluster, Network } from "../capabilities.js";

/** A PostgreSQL server that exists already (the `kubernetes` target) or that the platform created. */
export interface PostgresEndpoint {
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  adminUser: pulumi.Input<string>;
  /** Secret. */
  adminPassword: pulumi.Output<string>;
}

/**
 * The Kubernetes cluster a program's data plane is placed on, shared by every
 * primitive of the program: the same code path for an existing cluster
 * (`kubernetes` target) and for the clusters aws, gcp and azure create.
 */
export interface KubernetesPlatform {
  readonly target: TargetName;
  /** Provider of the cluster: every Kubernetes object is created with it. */
  readonly provider: Provider;
  /** Namespace of the platform's own objects (Clusters, Secrets, migrations). */
  readonly namespace: pulumi.Output<string>;
  readonly settings: KubernetesSettings;
  /** Cloud targets: the cloud's capabilities and the network and cluster created for the platform. */
  readonly cloud?: { capabilities: CloudCapabilities; network: Network; cluster: KubernetesCluster };
  /** `kubernetes` target: the existing PostgreSQL server Databases are created on, when configured. */
  readonly postgres?: PostgresEndpoint;
  /** Password of the administrator of PostgreSQL servers the platform creates (cloud targets), when configured. */
  readonly postgresAdminPassword?: pulumi.Output<string>;
}

const PLATFORM = "kubernetes-platform";
const RELEASES = "helm-releases";

/** Makes `platform` the one primitives of this program run are placed on. */
export function useKubernetesPlatform(platform: KubernetesPlatform): void {
  setProgramValue(PLATFORM, platform);
}

/** The platform of this program run, if one was set up. */
export function kubernetesPlatform(): KubernetesPlatform | undefined {
  return programValue<KubernetesPlatform>(PLATFORM);
}

/** An issue when a primitive on a Kubernetes target is declared without a platform; none on the local target. */
export function platformIssues(primitive: string, name: string, target: TargetName): ValidationIssue[] {
  if (!onKubernetes(target) || kubernetesPlatform()) return [];
  return [
    {
      primitive,
      name,
      field: "strata:target",
      value: "a Kubernetes target",
      problem: "needs the platform's Kubernetes cluster, and none was set up in this program",
      fix: "declare primitives inside strataProgram(...), which connects to (or creates) the cluster first",
    },
  ];
}

/** A Helm release left to a GitOps tool (`strata:helmCharts` = "values"): what to install, exported as a stack output. */
export interface HelmReleaseExport {
  name: string;
  namespace: pulumi.Output<string>;
  repository: string;
  chart: string;
  version: string;
  values: pulumi.Output<Record<string, unknown>>;
}

/** Records a Helm release for the `helmReleases` stack output. */
export function exportHelmRelease(release: HelmReleaseExport): void {
  setProgramValue(RELEASES, [...helmReleaseExports(), release]);
}

/** Helm releases of this program run left to a GitOps tool, in declaration order. */
export function helmReleaseExports(): HelmReleaseExport[] {
  return programValue<HelmReleaseExport[]>(RELEASES) ?? [];
}

/**
 * Arguments of the Kubernetes provider of a platform's cluster. ConfigMaps
 * are updated in place (the provider would replace them otherwise), so a
 * Policy change reaches running Trino pods through the mounted access rules
 * without a restart.
 */
export function platformProviderArgs(kubeconfig: pulumi.Input<string>): { kubeconfig: pulumi.Input<string>; enableConfigMapMutable: boolean } {
  return { kubeconfig, enableConfigMapMutable: true };
}
