import type { ManagementLockByScope } from "@pulumi/azure-native/authorization/managementLockByScope.js";
import type { RoleAssignment } from "@pulumi/azure-native/authorization/roleAssignment.js";
import type { Key } from "@pulumi/azure-native/keyvault/key.js";
import type { Vault } from "@pulumi/azure-native/keyvault/vault.js";
import type * as pulumi from "@pulumi/pulumi";
import { StrataComponent, isDevEnvironment } from "../base/index.js";
import type { CloudArgs } from "../capabilities.js";
import type { AzureNetwork } from "./network.js";
import { AZURE_ROLES, globalName, roleDefinitionId } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const managementLockByScopeSdk = lazyPeer<typeof import("@pulumi/azure-native/authorization/managementLockByScope.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/authorization/managementLockByScope.js",
);
const roleAssignmentSdk = lazyPeer<typeof import("@pulumi/azure-native/authorization/roleAssignment.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/authorization/roleAssignment.js",
);
const keySdk = lazyPeer<typeof import("@pulumi/azure-native/keyvault/key.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/keyvault/key.js",
);
const vaultSdk = lazyPeer<typeof import("@pulumi/azure-native/keyvault/vault.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/keyvault/vault.js",
);

/** Arguments of an {@link AzureCustomerKey}. */
export interface AzureCustomerKeyArgs extends CloudArgs {
  network: AzureNetwork;
  /** The identity that encrypts with the key. */
  principalId: pulumi.Input<string>;
  /**
   * What the identity may do: `wrap` (wrap and unwrap data keys, what storage
   * and databases need) or `crypto` (encrypt and decrypt, what the AKS KMS
   * plugin needs).
   */
  use: "wrap" | "crypto";
  /**
   * `trusted`: the vault firewall admits only trusted Azure services (storage,
   * PostgreSQL). `public`: the vault is reachable from any network, still
   * only with an Azure role, for callers that are not trusted services (the
   * AKS KMS plugin on a cluster without API server VNet integration).
   */
  networkAccess: "trusted" | "public";
  /** RSA key size. @default 3072 */
  keySize?: 2048 | 3072 | 4096;
}

/**
 * A customer-managed key: an RSA key, rotated every 90 days, in its own
 * RBAC-authorized key vault with soft delete and purge protection (Azure
 * requires both of a vault holding encryption keys), and the one role on
 * the key that `principalId` needs. Outside dev stacks the vault and key are
 * protected and the vault carries a CanNotDelete lock: losing the key loses
 * the data encrypted with it.
 */
export class AzureCustomerKey extends StrataComponent {
  /** The key's URI without version: services following it pick up rotated versions. */
  readonly keyUri: pulumi.Output<string>;
  /** The key's URI with its current version. */
  readonly keyUriWithVersion: pulumi.Output<string>;
  readonly vaultUri: pulumi.Output<string>;
  readonly keyName: pulumi.Output<string>;
  readonly vault: Vault;
  readonly key: Key;
  readonly roleAssignment: RoleAssignment;
  readonly lock?: ManagementLockByScope;

  constructor(name: string, args: AzureCustomerKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AzureCustomerKey" }, name, args, opts, []);
    const network = args.network;
    const dev = isDevEnvironment(this.context.environment);

    this.vault = new vaultSdk.Vault(
      this.childName("vault"),
      {
        resourceGroupName: network.resourceGroupName,
        location: network.location,
        vaultName: globalName(network.resourceGroupId, this.childName("vault"), 24, true),
        properties: {
          tenantId: network.tenantId,
          sku: { family: "A", name: "standard" },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          enablePurgeProtection: true,
          softDeleteRetentionInDays: dev ? 7 : 90,
          networkAcls: { defaultAction: args.networkAccess === "trusted" ? "Deny" : "Allow", bypass: "AzureServices" },
        },
      },
      this.statefulChildOptions(),
    );

    this.key = new keySdk.Key(
      this.childName("key"),
      {
        resourceGroupName: network.resourceGroupName,
        vaultName: this.vault.name,
        keyName: "data",
        properties: {
          kty: "RSA",
          keySize: args.keySize ?? 3072,
          keyOps: ["wrapKey", "unwrapKey", "encrypt", "decrypt"],
          rotationPolicy: { lifetimeActions: [{ trigger: { timeAfterCreate: "P90D" }, action: { type: "rotate" } }] },
        },
      },
      this.statefulChildOptions(),
    );

    const role = args.use === "wrap" ? AZURE_ROLES.keyVaultCryptoServiceEncryptionUser : AZURE_ROLES.keyVaultCryptoUser;
    this.roleAssignment = new roleAssignmentSdk.RoleAssignment(
      this.childName("key-access"),
      {
        scope: this.key.id,
        principalId: args.principalId,
        principalType: "ServicePrincipal",
        roleDefinitionId: roleDefinitionId(network.subscriptionId, role),
        description: `Encrypts with key ${name}`,
      },
      this.childOptions(),
    );

    if (!dev) {
      this.lock = new managementLockByScopeSdk.ManagementLockByScope(
        this.childName("lock"),
        {
          scope: this.vault.id,
          level: "CanNotDelete",
          notes: "Holds a key that encrypts data; deleting it makes that data unreadable.",
        },
        this.childOptions({ dependsOn: [this.key] }),
      );
    }

    this.keyUri = this.key.keyUri;
    this.keyUriWithVersion = this.key.keyUriWithVersion;
    this.vaultUri = this.vault.properties.vaultUri;
    this.keyName = this.key.name;
    this.finish({ keyUri: this.keyUri, vaultUri: this.vaultUri });
  }
}
