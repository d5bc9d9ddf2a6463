import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { IssueCollector } from "../base/index.js";

/** Built-in Azure role definitions, by the GUID Azure gives them in every tenant. */
export const AZURE_ROLES = {
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
  managedIdentityOperator: "f1a07417-d97a-45cb-824c-7a7467783830",
  keyVaultCryptoUser: "12338af0-0e69-4776-bea7-57ae8d297424",
  keyVaultCryptoServiceEncryptionUser: "e147488a-f6f5-4113-8e2d-b22465e65bf6",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
} as const;

/** The full id of a built-in role definition in a subscription, as role assignments expect it. */
export function roleDefinitionId(subscriptionId: pulumi.Input<string>, role: string): pulumi.Output<string> {
  return pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`;
}

/**
 * A name for a resource whose name Azure requires to be unique worldwide
 * (storage accounts, key vaults, database servers): a readable prefix and a
 * hash of `seed` (the resource group id, which holds the subscription). The
 * resource group is itself auto-named, so a stack torn down and deployed
 * again gets new names and never collides with soft-deleted vaults.
 */
export function globalName(seed: pulumi.Input<string>, readable: string, maxLength: number, dashes: boolean): pulumi.Output<string> {
  const base = dashes ? readable.replace(/-+/g, "-") : readable.replace(/-/g, "");
  return pulumi.output(seed).apply((s) => {
    const hash = createHash("sha256").update(`${s}/${readable}`).digest("hex").slice(0, 8);
    const separator = dashes ? "-" : "";
    const prefix = base.slice(0, maxLength - hash.length - separator.length).replace(/-+$/, "");
    return `${prefix}${separator}${hash}`;
  });
}

/** What a value is, for an error message: its class name, or its type. */
export function kindOf(value: unknown): string {
  return typeof value === "object" && value !== null ? value.constructor.name : typeof value;
}

/** Records an issue unless `value` is an integer of at least `min`. */
export function integerIssue(checks: IssueCollector, field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    checks.add(field, value, "is not a whole number in range", `give a whole number ${range}`);
  }
}

/** Node settings of every AKS pool: Azure Linux, no public IPs, no SSH, secure boot and vTPM, a third surged on upgrade. */
export const AKS_NODE_HARDENING = {
  osType: "Linux",
  osSKU: "AzureLinux",
  osDiskType: "Managed",
  enableNodePublicIP: false,
  securityProfile: { sshAccess: "Disabled", enableSecureBoot: true, enableVTPM: true },
  upgradeSettings: { maxSurge: "33%" },
} as const;
