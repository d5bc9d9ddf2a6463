import type { RoleAssignment } from "@pulumi/azure-native/authorization/roleAssignment.js";
import type { FederatedIdentityCredential } from "@pulumi/azure-native/managedidentity/federatedIdentityCredential.js";
import type { UserAssignedIdentity } from "@pulumi/azure-native/managedidentity/userAssignedIdentity.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent } from "../base/index.js";
import { type StoreAccess, type StoreAccessArgs, storeAccessIssues } from "../capabilities.js";
import { AzureKubernetesCluster } from "./kubernetes-cluster.js";
import { AzureNetwork } from "./network.js";
import { AzureObjectStore } from "./object-store.js";
import { AZURE_ROLES, roleDefinitionId } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const roleAssignmentSdk = lazyPeer<typeof import("@pulumi/azure-native/authorization/roleAssignment.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/authorization/roleAssignment.js",
);
const federatedIdentityCredentialSdk = lazyPeer<typeof import("@pulumi/azure-native/managedidentity/federatedIdentityCredential.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/managedidentity/federatedIdentityCredential.js",
);
const userAssignedIdentitySdk = lazyPeer<typeof import("@pulumi/azure-native/managedidentity/userAssignedIdentity.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/managedidentity/userAssignedIdentity.js",
);

/** The audience Entra ID expects of Kubernetes service-account tokens it exchanges. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

/**
 * StoreAccess on Azure: a user-assigned managed identity of its own, with a
 * federated credential trusting only the given service account of the
 * cluster's OIDC issuer (Entra workload identity), and Storage Blob Data
 * Contributor on each store's container (not its account). The service
 * account is annotated with the identity's client id and its pods labelled
 * for the workload identity webhook.
 */
export class AzureStoreAccess extends StrataComponent implements StoreAccess {
  readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
  readonly podLabels: Record<string, string> = { "azure.workload.identity/use": "true" };
  readonly identity: UserAssignedIdentity;
  readonly credential: FederatedIdentityCredential;
  readonly roleAssignments: RoleAssignment[];

  constructor(name: string, args: StoreAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AzureStoreAccess" }, name, args, opts, () => {
      const checks = new IssueCollector("AzureStoreAccess", name);
      if (!(args.network instanceof AzureNetwork))
        checks.add(
          "network",
          (args.network as object | undefined)?.constructor?.name,
          "is not an AzureNetwork",
          "pass the platform's network",
        );
      return [...storeAccessIssues("AzureStoreAccess", name, args, AzureObjectStore, AzureKubernetesCluster), ...checks.issues];
    });
    const network = args.network as AzureNetwork;
    const cluster = args.cluster as AzureKubernetesCluster;
    this.identity = new userAssignedIdentitySdk.UserAssignedIdentity(
      this.childName("identity"),
      { resourceGroupName: network.resourceGroupName, location: network.location },
      this.childOptions(),
    );
    this.credential = new federatedIdentityCredentialSdk.FederatedIdentityCredential(
      this.childName("federated-credential"),
      {
        resourceGroupName: network.resourceGroupName,
        resourceName: this.identity.name,
        issuer: cluster.oidcIssuer,
        subject: pulumi.interpolate`system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
        audiences: [TOKEN_EXCHANGE_AUDIENCE],
      },
      this.childOptions(),
    );
    this.roleAssignments = (args.stores as AzureObjectStore[]).map(
      (store, i) =>
        new roleAssignmentSdk.RoleAssignment(
          this.childName(`container-${i}`),
          {
            scope: store.container.id,
            principalId: this.identity.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinitionId(network.subscriptionId, AZURE_ROLES.storageBlobDataContributor),
            description: `Read and write of ${args.serviceAccount}'s object store`,
          },
          this.childOptions(),
        ),
    );
    this.serviceAccountAnnotations = this.identity.clientId.apply((id): Record<string, string> => ({
      "azure.workload.identity/client-id": id,
    }));
    this.finish({ clientId: this.identity.clientId });
  }
}
