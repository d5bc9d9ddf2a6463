import type { ManagementLockByScope } from "@pulumi/azure-native/authorization/managementLockByScope.js";
import type { Secret } from "@pulumi/azure-native/keyvault/secret.js";
import type { Vault } from "@pulumi/azure-native/keyvault/vault.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, isDevEnvironment, type ValidationIssue } from "../base/index.js";
import type { SecretStore, SecretStoreArgs } from "../capabilities.js";
import { type AzureNetwork, azureNetworkIssue } from "./network.js";
import { globalName } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const managementLockByScopeSdk = lazyPeer<typeof import("@pulumi/azure-native/authorization/managementLockByScope.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/authorization/managementLockByScope.js",
);
const secretSdk = lazyPeer<typeof import("@pulumi/azure-native/keyvault/secret.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/keyvault/secret.js",
);
const vaultSdk = lazyPeer<typeof import("@pulumi/azure-native/keyvault/vault.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/keyvault/vault.js",
);

/** Checks the arguments of an {@link AzureSecretStore}. Pure. */
export function validateAzureSecretStoreArgs(name: string, args: SecretStoreArgs): ValidationIssue[] {
  const checks = new IssueCollector("AzureSecretStore", name);
  azureNetworkIssue(checks, args.network);
  if (args.value === undefined || args.value === null || args.value === "") {
    checks.add("value", args.value, "is empty", "give the secret's value (Key Vault does not store empty secrets)", true);
  }
  return checks.issues;
}

/**
 * The SecretStore capability on Azure: one secret in a key vault of its own,
 * so access is granted per secret with Azure roles (RBAC authorization, no
 * access policies). The vault admits the node subnet and trusted Azure
 * services only; Key Vault encrypts secrets with HSM-backed keys. Outside
 * dev stacks the vault has purge protection and 90 days of soft delete, and
 * is protected and locked against deletion.
 */
export class AzureSecretStore extends StrataComponent implements SecretStore {
  /** The secret's URI without version: readers always get the current value. */
  readonly reference: pulumi.Output<string>;
  readonly vault: Vault;
  readonly secret: Secret;
  readonly lock?: ManagementLockByScope;

  constructor(name: string, args: SecretStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AzureSecretStore" }, name, args, opts, validateAzureSecretStoreArgs(name, args));
    const network = args.network as AzureNetwork;
    const dev = isDevEnvironment(this.context.environment);

    this.vault = new vaultSdk.Vault(
      this.childName("vault"),
      {
        resourceGroupName: network.resourceGroupName,
        location: network.location,
        vaultName: globalName(network.resourceGroupId, name, 24, true),
        properties: {
          tenantId: network.tenantId,
          sku: { family: "A", name: "standard" },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          // Azure refuses `false` here: purge protection can only be left out or switched on for good.
          ...(dev ? {} : { enablePurgeProtection: true }),
          softDeleteRetentionInDays: dev ? 7 : 90,
          networkAcls: {
            defaultAction: "Deny",
            bypass: "AzureServices",
            virtualNetworkRules: [{ id: network.nodeSubnetId }],
          },
        },
      },
      this.statefulChildOptions(),
    );

    this.secret = new secretSdk.Secret(
      this.childName("secret"),
      {
        resourceGroupName: network.resourceGroupName,
        vaultName: this.vault.name,
        secretName: name,
        properties: { value: pulumi.secret(args.value), contentType: "text/plain" },
      },
      this.statefulChildOptions(),
    );

    if (!dev) {
      this.lock = new managementLockByScopeSdk.ManagementLockByScope(
        this.childName("lock"),
        {
          scope: this.vault.id,
          level: "CanNotDelete",
          notes: "Holds a platform secret.",
        },
        this.childOptions({ dependsOn: [this.secret] }),
      );
    }

    // The URI is not sensitive, though it comes out of an output holding the value.
    this.reference = pulumi.unsecret(this.secret.properties.secretUri);
    this.finish({ reference: this.reference });
  }
}
