import type { ManagementLockByScope } from "@pulumi/azure-native/authorization/managementLockByScope.js";
import type { UserAssignedIdentity } from "@pulumi/azure-native/managedidentity/userAssignedIdentity.js";
import type { BlobContainer } from "@pulumi/azure-native/storage/blobContainer.js";
import type { BlobServiceProperties } from "@pulumi/azure-native/storage/blobServiceProperties.js";
import type { StorageAccount } from "@pulumi/azure-native/storage/storageAccount.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, isDevEnvironment, type ValidationIssue } from "../base/index.js";
import type { ObjectStore, ObjectStoreArgs } from "../capabilities.js";
import { AzureCustomerKey } from "./customer-key.js";
import { type AzureNetwork, azureNetworkIssue } from "./network.js";
import { globalName } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const managementLockByScopeSdk = lazyPeer<typeof import("@pulumi/azure-native/authorization/managementLockByScope.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/authorization/managementLockByScope.js",
);
const userAssignedIdentitySdk = lazyPeer<typeof import("@pulumi/azure-native/managedidentity/userAssignedIdentity.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/managedidentity/userAssignedIdentity.js",
);
const blobContainerSdk = lazyPeer<typeof import("@pulumi/azure-native/storage/blobContainer.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/storage/blobContainer.js",
);
const blobServicePropertiesSdk = lazyPeer<typeof import("@pulumi/azure-native/storage/blobServiceProperties.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/storage/blobServiceProperties.js",
);
const storageAccountSdk = lazyPeer<typeof import("@pulumi/azure-native/storage/storageAccount.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/storage/storageAccount.js",
);

/** The container every object store keeps its objects in; the storage account is the unit of access. */
export const LAKE_CONTAINER = "lake";

/** Checks the arguments of an {@link AzureObjectStore}. Pure. */
export function validateAzureObjectStoreArgs(name: string, args: ObjectStoreArgs): ValidationIssue[] {
  const checks = new IssueCollector("AzureObjectStore", name);
  azureNetworkIssue(checks, args.network);
  if (args.versioned !== undefined && typeof args.versioned !== "boolean") {
    checks.add("versioned", args.versioned, "is not a boolean", "give true or false");
  }
  return checks.issues;
}

/**
 * The ObjectStore capability on Azure: a storage account with one private
 * blob container. Entra ID authentication only (no shared keys, no anonymous
 * access), HTTPS with TLS 1.2 or later, reachable only from the node subnet
 * and trusted Azure services, encrypted with a customer-managed key on top
 * of infrastructure encryption, soft delete for blobs and containers.
 * Outside dev stacks it is zone-redundant, protected and locked against
 * deletion.
 *
 * The account has a flat namespace: Azure does not version blobs in
 * hierarchical-namespace accounts, and ABFS clients read flat accounts
 * through the same `dfs` endpoint.
 */
export class AzureObjectStore extends StrataComponent implements ObjectStore {
  /** The storage account name, unique across Azure. */
  readonly bucketName: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly containerName: pulumi.Output<string>;
  readonly identity: UserAssignedIdentity;
  readonly encryptionKey: AzureCustomerKey;
  readonly account: StorageAccount;
  readonly blobService: BlobServiceProperties;
  readonly container: BlobContainer;
  readonly lock?: ManagementLockByScope;

  constructor(name: string, args: ObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AzureObjectStore" }, name, args, opts, validateAzureObjectStoreArgs(name, args));
    const network = args.network as AzureNetwork;
    const dev = isDevEnvironment(this.context.environment);
    const retentionDays = dev ? 7 : 30;
    const placement = { resourceGroupName: network.resourceGroupName, location: network.location };

    this.identity = new userAssignedIdentitySdk.UserAssignedIdentity(this.childName("identity"), placement, this.childOptions());
    this.encryptionKey = new AzureCustomerKey(
      this.childName("key"),
      {
        platform: this.platform,
        network,
        principalId: this.identity.principalId,
        use: "wrap",
        networkAccess: "trusted",
      },
      this.childOptions(),
    );

    const accountName = globalName(network.resourceGroupId, name, 24, false);
    this.account = new storageAccountSdk.StorageAccount(
      this.childName("account"),
      {
        ...placement,
        accountName,
        kind: "StorageV2",
        sku: { name: dev ? "Standard_LRS" : "Standard_ZRS" },
        accessTier: "Hot",
        isHnsEnabled: false,
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: "TLS1_2",
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
        allowedCopyScope: "AAD",
        isLocalUserEnabled: false,
        isSftpEnabled: false,
        networkRuleSet: {
          defaultAction: "Deny",
          bypass: "AzureServices",
          virtualNetworkRules: [{ virtualNetworkResourceId: network.nodeSubnetId, action: "Allow" }],
        },
        identity: { type: "UserAssigned", userAssignedIdentities: [this.identity.id] },
        encryption: {
          keySource: "Microsoft.Keyvault",
          keyVaultProperties: { keyName: this.encryptionKey.keyName, keyVaultUri: this.encryptionKey.vaultUri },
          encryptionIdentity: { encryptionUserAssignedIdentity: this.identity.id },
          requireInfrastructureEncryption: true,
          services: { blob: { enabled: true, keyType: "Account" }, file: { enabled: true, keyType: "Account" } },
        },
      },
      this.statefulChildOptions({ dependsOn: [this.encryptionKey] }),
    );

    this.blobService = new blobServicePropertiesSdk.BlobServiceProperties(
      this.childName("blob-service"),
      {
        resourceGroupName: network.resourceGroupName,
        accountName: this.account.name,
        blobServicesName: "default",
        isVersioningEnabled: args.versioned ?? true,
        deleteRetentionPolicy: { enabled: true, days: retentionDays },
        containerDeleteRetentionPolicy: { enabled: true, days: retentionDays },
      },
      this.childOptions(),
    );

    this.container = new blobContainerSdk.BlobContainer(
      this.childName("container"),
      {
        resourceGroupName: network.resourceGroupName,
        accountName: this.account.name,
        containerName: LAKE_CONTAINER,
        publicAccess: "None",
      },
      this.statefulChildOptions({ dependsOn: [this.blobService] }),
    );

    if (!dev) {
      this.lock = new managementLockByScopeSdk.ManagementLockByScope(
        this.childName("lock"),
        {
          scope: this.account.id,
          level: "CanNotDelete",
          notes: "Holds the lake's data.",
        },
        this.childOptions({ dependsOn: [this.container] }),
      );
    }

    // The names as given, released only once the resources exist so consumers wait for them.
    this.bucketName = pulumi.all([this.account.id, accountName]).apply(([, account]) => account);
    this.containerName = pulumi.all([this.container.id]).apply(() => LAKE_CONTAINER);
    this.url = pulumi.interpolate`abfss://${this.containerName}@${this.bucketName}.dfs.core.windows.net`;
    this.finish({ bucketName: this.bucketName, url: this.url });
  }
}
