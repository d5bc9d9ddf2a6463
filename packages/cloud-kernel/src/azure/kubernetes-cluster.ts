import { platformProviderArgs } from "../kubernetes/platform.js";
import type { RoleAssignment } from "@pulumi/azure-native/authorization/roleAssignment.js";
import type { ManagedCluster } from "@pulumi/azure-native/containerservice/managedCluster.js";
import type { UserAssignedIdentity } from "@pulumi/azure-native/managedidentity/userAssignedIdentity.js";
import type { DiagnosticSetting } from "@pulumi/azure-native/monitor/diagnosticSetting.js";
import type { Workspace } from "@pulumi/azure-native/operationalinsights/workspace.js";
import type { Provider } from "@pulumi/kubernetes/provider.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, isDevEnvironment, type ValidationIssue } from "../base/index.js";
import { type KubernetesCluster, type KubernetesClusterArgs, kubernetesClusterIssues } from "../capabilities.js";
import { AzureCustomerKey } from "./customer-key.js";
import { AKS_DNS_SERVICE_IP, AKS_POD_CIDR, AKS_SERVICE_CIDR, AzureNetwork, azureNetworkIssue } from "./network.js";
import { AKS_NODE_HARDENING, AZURE_ROLES, roleDefinitionId } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const roleAssignmentSdk = lazyPeer<typeof import("@pulumi/azure-native/authorization/roleAssignment.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/authorization/roleAssignment.js",
);
const listManagedClusterUserCredentialsSdk = lazyPeer<
  typeof import("@pulumi/azure-native/containerservice/listManagedClusterUserCredentials.js")
>("@pulumi/azure-native", "@pulumi/azure-native/containerservice/listManagedClusterUserCredentials.js");
const managedClusterSdk = lazyPeer<typeof import("@pulumi/azure-native/containerservice/managedCluster.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/containerservice/managedCluster.js",
);
const userAssignedIdentitySdk = lazyPeer<typeof import("@pulumi/azure-native/managedidentity/userAssignedIdentity.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/managedidentity/userAssignedIdentity.js",
);
const diagnosticSettingSdk = lazyPeer<typeof import("@pulumi/azure-native/monitor/diagnosticSetting.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/monitor/diagnosticSetting.js",
);
const workspaceSdk = lazyPeer<typeof import("@pulumi/azure-native/operationalinsights/workspace.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/operationalinsights/workspace.js",
);
const providerSdk = lazyPeer<typeof import("@pulumi/kubernetes/provider.js")>("@pulumi/kubernetes", "@pulumi/kubernetes/provider.js");

/** Arguments of an {@link AzureKubernetesCluster}. */
export interface AzureKubernetesClusterArgs extends KubernetesClusterArgs {
  /**
   * Object ids of Entra groups whose members are cluster administrators.
   * Everyone else needs an Azure role on the cluster (Azure RBAC for Kubernetes).
   * @default [] (administrators are granted Azure roles instead)
   */
  adminGroupObjectIds?: string[];
}

const DEFAULT_VERSION = "1.33";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The Entra application of the AKS API server: kubelogin asks Entra for tokens with this audience. */
const AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";
const SYSTEM_POOL_MACHINE = "Standard_D2s_v5";

/** Checks the arguments of an {@link AzureKubernetesCluster}. Pure. */
export function validateAzureKubernetesClusterArgs(name: string, args: AzureKubernetesClusterArgs): ValidationIssue[] {
  const checks = new IssueCollector("AzureKubernetesCluster", name);
  azureNetworkIssue(checks, args.network);
  kubernetesClusterIssues(checks, args);
  (args.adminGroupObjectIds ?? []).forEach((id, i) => {
    if (typeof id !== "string" || !GUID.test(id))
      checks.add(
        `adminGroupObjectIds[${i}]`,
        id,
        "is not an Entra object id",
        "give the group's object id, a GUID (az ad group show -g <name> --query id)",
      );
  });
  return checks.issues;
}

/**
 * The KubernetesCluster capability on Azure: an AKS cluster with Entra ID
 * authentication only (no local accounts), Azure RBAC, workload identity and
 * an OIDC issuer, Kubernetes secrets encrypted with a customer-managed key
 * (KMS), Azure CNI overlay with Cilium network policies, outbound through
 * the network's NAT gateway, and API server audit logs in Log Analytics.
 * The control plane and the kubelet have their own user-assigned identities:
 * the control plane may join the node subnet, assign the kubelet identity
 * and use the KMS key; the kubelet identity has no role at all.
 */
export class AzureKubernetesCluster extends StrataComponent implements KubernetesCluster {
  readonly clusterName: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: Provider;
  readonly oidcIssuer: pulumi.Output<string>;
  /** Kubernetes minor version the control plane runs; node pools follow it. */
  readonly version: string;
  readonly controlPlaneIdentity: UserAssignedIdentity;
  readonly kubeletIdentity: UserAssignedIdentity;
  readonly roleAssignments: RoleAssignment[];
  readonly secretsKey: AzureCustomerKey;
  readonly cluster: ManagedCluster;
  readonly auditWorkspace: Workspace;
  readonly auditLogs: DiagnosticSetting;

  constructor(name: string, args: AzureKubernetesClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AzureKubernetesCluster" }, name, args, opts, validateAzureKubernetesClusterArgs(name, args));
    const network = args.network as AzureNetwork;
    const dev = isDevEnvironment(this.context.environment);
    const privateEndpoint = args.privateEndpoint ?? true;
    this.version = args.version ?? DEFAULT_VERSION;
    const placement = { resourceGroupName: network.resourceGroupName, location: network.location };

    this.controlPlaneIdentity = new userAssignedIdentitySdk.UserAssignedIdentity(
      this.childName("identity"),
      placement,
      this.childOptions(),
    );
    this.kubeletIdentity = new userAssignedIdentitySdk.UserAssignedIdentity(
      this.childName("kubelet-identity"),
      placement,
      this.childOptions(),
    );
    const grant = (role: string, definition: string, scope: pulumi.Input<string>, description: string) =>
      new roleAssignmentSdk.RoleAssignment(
        this.childName(role),
        {
          scope,
          principalId: this.controlPlaneIdentity.principalId,
          principalType: "ServicePrincipal",
          roleDefinitionId: roleDefinitionId(network.subscriptionId, definition),
          description,
        },
        this.childOptions(),
      );
    this.roleAssignments = [
      grant(
        "subnet-access",
        AZURE_ROLES.networkContributor,
        network.nodeSubnetId,
        "AKS control plane joins nodes and load balancers to the node subnet",
      ),
      grant(
        "kubelet-operator",
        AZURE_ROLES.managedIdentityOperator,
        this.kubeletIdentity.id,
        "AKS control plane assigns the kubelet identity to nodes",
      ),
    ];
    this.secretsKey = new AzureCustomerKey(
      this.childName("secrets-key"),
      {
        platform: this.platform,
        network,
        principalId: this.controlPlaneIdentity.principalId,
        use: "crypto",
        // A private vault needs API server VNet integration; the vault stays closed to anyone without the role.
        networkAccess: "public",
        keySize: 2048,
      },
      this.childOptions(),
    );

    this.cluster = new managedClusterSdk.ManagedCluster(
      this.childName("cluster"),
      {
        ...placement,
        dnsPrefix: name.slice(0, 54).replace(/-+$/, ""),
        kubernetesVersion: this.version,
        sku: { name: "Base", tier: dev ? "Free" : "Standard" },
        identity: { type: "UserAssigned", userAssignedIdentities: [this.controlPlaneIdentity.id] },
        identityProfile: {
          kubeletidentity: {
            resourceId: this.kubeletIdentity.id,
            clientId: this.kubeletIdentity.clientId,
            objectId: this.kubeletIdentity.principalId,
          },
        },
        aadProfile: {
          managed: true,
          enableAzureRBAC: true,
          tenantID: network.tenantId,
          adminGroupObjectIDs: args.adminGroupObjectIds ?? [],
        },
        disableLocalAccounts: true,
        enableRBAC: true,
        oidcIssuerProfile: { enabled: true },
        securityProfile: {
          workloadIdentity: { enabled: true },
          imageCleaner: { enabled: true, intervalHours: 168 },
          azureKeyVaultKms: { enabled: true, keyId: this.secretsKey.keyUriWithVersion, keyVaultNetworkAccess: "Public" },
        },
        apiServerAccessProfile: privateEndpoint
          ? { enablePrivateCluster: true, privateDNSZone: "system", enablePrivateClusterPublicFQDN: false, disableRunCommand: true }
          : { enablePrivateCluster: false, authorizedIPRanges: args.authorizedCidrs ?? [], disableRunCommand: true },
        networkProfile: {
          networkPlugin: "azure",
          networkPluginMode: "overlay",
          networkDataplane: "cilium",
          networkPolicy: "cilium",
          podCidr: AKS_POD_CIDR,
          serviceCidr: AKS_SERVICE_CIDR,
          dnsServiceIP: AKS_DNS_SERVICE_IP,
          outboundType: "userAssignedNATGateway",
          loadBalancerSku: "standard",
        },
        // AKS requires one system pool at creation; workloads get their own pools (AzureNodePool).
        agentPoolProfiles: [
          {
            name: "system",
            mode: "System",
            type: "VirtualMachineScaleSets",
            vmSize: SYSTEM_POOL_MACHINE,
            count: dev ? 1 : 2,
            enableAutoScaling: true,
            minCount: dev ? 1 : 2,
            maxCount: 3,
            vnetSubnetID: network.nodeSubnetId,
            ...AKS_NODE_HARDENING,
          },
        ],
        autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
        nodeResourceGroupProfile: { restrictionLevel: "ReadOnly" },
      },
      this.childOptions({ dependsOn: [...this.roleAssignments, this.secretsKey] }),
    );

    this.auditWorkspace = new workspaceSdk.Workspace(
      this.childName("audit-logs"),
      {
        ...placement,
        sku: { name: "PerGB2018" },
        retentionInDays: dev ? 30 : 90,
        features: { disableLocalAuth: true },
      },
      this.childOptions(),
    );
    // kube-audit-admin leaves out get and list requests: the audit trail of changes at a fraction of the volume.
    this.auditLogs = new diagnosticSettingSdk.DiagnosticSetting(
      this.childName("audit"),
      {
        resourceUri: this.cluster.id,
        workspaceId: this.auditWorkspace.id,
        logAnalyticsDestinationType: "Dedicated",
        logs: [
          { category: "kube-audit-admin", enabled: true },
          { category: "guard", enabled: true },
        ],
      },
      this.childOptions(),
    );

    this.clusterName = this.cluster.name;
    const host = privateEndpoint ? this.cluster.privateFQDN : this.cluster.fqdn;
    this.endpoint = pulumi.interpolate`https://${host}:443`;
    this.oidcIssuer = this.cluster.oidcIssuerProfile.apply((profile) => profile?.issuerURL ?? "");
    const credentials = listManagedClusterUserCredentialsSdk.listManagedClusterUserCredentialsOutput(
      { resourceGroupName: network.resourceGroupName, resourceName: this.cluster.name },
      { parent: this },
    );
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([this.cluster.name, this.endpoint, credentials.kubeconfigs])
        .apply(([cluster, endpoint, kubeconfigs]) => azureKubeconfig(cluster, endpoint, clusterCertificate(kubeconfigs[0]?.value ?? ""))),
    );
    this.provider = new providerSdk.Provider(this.childName("provider"), platformProviderArgs(this.kubeconfig), this.childOptions());

    this.finish({
      clusterName: this.clusterName,
      endpoint: this.endpoint,
      kubeconfig: this.kubeconfig,
      oidcIssuer: this.oidcIssuer,
    });
  }
}

/** The cluster CA from a base64 kubeconfig as AKS returns it. Pure. */
export function clusterCertificate(kubeconfigBase64: string): string {
  const text = Buffer.from(kubeconfigBase64, "base64").toString("utf8");
  const match = /certificate-authority-data:\s*"?([A-Za-z0-9+/=]+)"?/.exec(text);
  if (!match?.[1]) throw new Error("AKS returned a kubeconfig without certificate-authority-data");
  return match[1];
}

/**
 * A kubeconfig that gets Entra tokens through kubelogin from the Azure CLI
 * login (local accounts are disabled, so there is no static credential). Pure.
 */
export function azureKubeconfig(cluster: string, endpoint: string, certificateAuthority: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster, cluster: { server: endpoint, "certificate-authority-data": certificateAuthority } }],
    users: [
      {
        name: cluster,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "kubelogin",
            args: ["get-token", "--login", "azurecli", "--server-id", AKS_SERVER_APP_ID],
            interactiveMode: "Never",
          },
        },
      },
    ],
    contexts: [{ name: cluster, context: { cluster, user: cluster } }],
    "current-context": cluster,
  });
}
