import type { Provider } from "@pulumi/kubernetes/provider.js";
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesSettings, TargetName } from "../base/index.js";
import type { KubernetesCluster, Network } from "../capabilities.js";

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
  /** Cloud targets: the network and cluster created for the platform. */
  readonly cloud?: { network: Network; cluster: KubernetesCluster };
  /** `kubernetes` target: the existing PostgreSQL server Databases are created on, when configured. */
  readonly postgres?: PostgresEndpoint;
  /**
   * Password of the PostgreSQL administrator (config `strata:postgresAdminPassword`): of the servers
   * the platform creates on cloud targets, or of the existing server on `kubernetes`.
   */
  readonly postgresAdminPassword?: pulumi.Output<string>;
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

/**
 * Arguments of the Kubernetes provider of a platform's cluster. ConfigMaps
 * are updated in place (the provider would replace them otherwise), so a
 * Policy change reaches running Trino pods through the mounted access rules
 * without a restart.
 */
export function platformProviderArgs(kubeconfig: pulumi.Input<string>): {
  kubeconfig: pulumi.Input<string>;
  enableConfigMapMutable: boolean;
} {
  return { kubeconfig, enableConfigMapMutable: true };
}
