import { platformProviderArgs } from "../kubernetes/platform.js";
import type * as container from "@pulumi/gcp/container/index.js";
import type * as organizations from "@pulumi/gcp/organizations/index.js";
import type { Provider } from "@pulumi/kubernetes/provider.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, isDevEnvironment, type ValidationIssue } from "../base/index.js";
import { type KubernetesCluster, type KubernetesClusterArgs, kubernetesClusterIssues } from "../capabilities.js";
import { GcpNetwork } from "./network.js";
import { NODE_OAUTH_SCOPES, customerManagedKey, nodeIdentity, type CustomerManagedKey, type NodeIdentity } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const containerSdk = lazyPeer<typeof container>("@pulumi/gcp", "@pulumi/gcp/container/index.js");
const organizationsSdk = lazyPeer<typeof organizations>("@pulumi/gcp", "@pulumi/gcp/organizations/index.js");
const providerSdk = lazyPeer<typeof import("@pulumi/kubernetes/provider.js")>("@pulumi/kubernetes", "@pulumi/kubernetes/provider.js");

const DEFAULT_VERSION = "1.33";
/** GKE cluster names are at most 40 characters; auto-naming appends 8 to `<name>-cluster`. */
const MAX_NAME_LENGTH = 40 - 8 - "-cluster".length;

/** Checks the arguments of a {@link GcpKubernetesCluster}. Pure. */
export function validateGcpKubernetesClusterArgs(name: string, args: KubernetesClusterArgs): ValidationIssue[] {
  const checks = new IssueCollector("GcpKubernetesCluster", name);
  if (name.length > MAX_NAME_LENGTH) {
    checks.add(
      "name",
      name,
      `is longer than ${MAX_NAME_LENGTH} characters, leaving no room in GKE's 40-character cluster name`,
      `give a name of at most ${MAX_NAME_LENGTH} characters`,
    );
  }
  if (!(args.network instanceof GcpNetwork)) {
    checks.add("network", args.network?.constructor?.name, "is not a GcpNetwork", "pass the GcpNetwork the cluster's nodes live in");
  }
  kubernetesClusterIssues(checks, args);
  return checks.issues;
}

/**
 * The KubernetesCluster capability on GCP: a regional, VPC-native GKE
 * Standard cluster with private nodes, Workload Identity, Dataplane V2
 * (network policy), shielded nodes, Kubernetes secrets encrypted with a Cloud
 * KMS key, and deletion protection outside dev stacks. The API endpoint is
 * private unless `privateEndpoint` is false; master authorized networks
 * always restrict who reaches it. Node pools are added with GcpNodePool; the
 * default pool is removed once the cluster exists. One cluster per network:
 * the control plane takes the network's reserved /28.
 */
export class GcpKubernetesCluster extends StrataComponent implements KubernetesCluster {
  readonly clusterName: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: Provider;
  readonly oidcIssuer: pulumi.Output<string>;
  /** Region of the control plane and default location of node pools. */
  readonly location: pulumi.Output<string>;
  /** `<project>.svc.id.goog`: Kubernetes service accounts map to GCP identities through it. */
  readonly workloadPool: pulumi.Output<string>;

  readonly cluster: container.Cluster;
  /** Identity of the temporary default pool, so no node ever runs as the Compute Engine default account. */
  readonly bootstrapNodes: NodeIdentity;
  /** The key Kubernetes secrets are encrypted with in etcd. */
  readonly secretsKey: CustomerManagedKey;

  constructor(name: string, args: KubernetesClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "GcpKubernetesCluster" }, name, args, opts, validateGcpKubernetesClusterArgs(name, args));
    // The validator has established the network is a GcpNetwork.
    const network = args.network as GcpNetwork;
    const privateEndpoint = args.privateEndpoint ?? true;
    const dev = isDevEnvironment(this.context.environment);
    const children = this.childFactory();

    // The GKE service agent is named after the project number, which only the project lookup gives.
    const project = organizationsSdk.getProjectOutput({}, { parent: this });
    const gkeAgent = pulumi.interpolate`serviceAccount:service-${project.number}@container-engine-robot.iam.gserviceaccount.com`;
    this.secretsKey = customerManagedKey(children, network.region, gkeAgent);
    this.bootstrapNodes = nodeIdentity(children, network.project, `bootstrap pool of ${name}`);
    this.workloadPool = pulumi.interpolate`${network.project}.svc.id.goog`;

    this.cluster = new containerSdk.Cluster(
      this.childName("cluster"),
      {
        location: network.region,
        network: network.networkId,
        subnetwork: network.privateSubnetIds.apply((ids) => ids[0] ?? ""),
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: { clusterSecondaryRangeName: network.podRangeName, servicesSecondaryRangeName: network.serviceRangeName },
        minMasterVersion: args.version ?? DEFAULT_VERSION,
        releaseChannel: { channel: "REGULAR" },
        privateClusterConfig: {
          enablePrivateNodes: true,
          enablePrivateEndpoint: privateEndpoint,
          masterIpv4CidrBlock: network.addressPlan.controlPlane,
        },
        masterAuthorizedNetworksConfig: {
          cidrBlocks: (privateEndpoint ? [network.cidr] : (args.authorizedCidrs ?? [])).map((cidrBlock) => ({
            cidrBlock,
            displayName: cidrBlock,
          })),
          gcpPublicCidrsAccessEnabled: false,
        },
        masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
        workloadIdentityConfig: { workloadPool: this.workloadPool },
        databaseEncryption: { state: "ENCRYPTED", keyName: this.secretsKey.cryptoKey.id },
        datapathProvider: "ADVANCED_DATAPATH",
        enableShieldedNodes: true,
        enableLegacyAbac: false,
        // Admin Activity audit logs are always on and free; API server request logs are left off for their volume.
        loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS"] },
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        nodeConfig: {
          serviceAccount: this.bootstrapNodes.email,
          oauthScopes: NODE_OAUTH_SCOPES,
          shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
          workloadMetadataConfig: { mode: "GKE_METADATA" },
        },
        deletionProtection: !dev,
      },
      this.childOptions({ dependsOn: [this.secretsKey.grant, ...this.bootstrapNodes.roles] }),
    );

    this.clusterName = this.cluster.name;
    this.location = this.cluster.location;
    this.endpoint = pulumi.interpolate`https://${this.cluster.endpoint}`;
    this.oidcIssuer = pulumi.interpolate`https://container.googleapis.com/v1/projects/${network.project}/locations/${this.cluster.location}/clusters/${this.cluster.name}`;
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([this.cluster.name, this.endpoint, this.cluster.masterAuth.clusterCaCertificate])
        .apply(([clusterName, server, ca]) => gkeKubeconfig(clusterName, server, ca ?? "")),
    );
    this.provider = new providerSdk.Provider(this.childName("provider"), platformProviderArgs(this.kubeconfig), this.childOptions());
    this.finish({
      clusterName: this.clusterName,
      endpoint: this.endpoint,
      kubeconfig: this.kubeconfig,
      oidcIssuer: this.oidcIssuer,
      location: this.location,
      workloadPool: this.workloadPool,
    });
  }
}

/** A kubeconfig that authenticates with the caller's gcloud credentials (gke-gcloud-auth-plugin). Pure. */
export function gkeKubeconfig(clusterName: string, server: string, certificateAuthorityData: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server, "certificate-authority-data": certificateAuthorityData } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
    users: [
      {
        name: clusterName,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "gke-gcloud-auth-plugin",
            installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
            provideClusterInfo: true,
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}
