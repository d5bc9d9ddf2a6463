import type { ManagementLockByScope } from "@pulumi/azure-native/authorization/managementLockByScope.js";
import type { Configuration } from "@pulumi/azure-native/dbforpostgresql/configuration.js";
import type { Server } from "@pulumi/azure-native/dbforpostgresql/server.js";
import type { UserAssignedIdentity } from "@pulumi/azure-native/managedidentity/userAssignedIdentity.js";
import type { PrivateZone } from "@pulumi/azure-native/privatedns/privateZone.js";
import type { VirtualNetworkLink } from "@pulumi/azure-native/privatedns/virtualNetworkLink.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, isDevEnvironment, type ValidationIssue } from "../base/index.js";
import { smallestMachine, type PostgresServer, type PostgresServerArgs } from "../capabilities.js";
import { AzureCustomerKey } from "./customer-key.js";
import { type AzureNetwork, azureNetworkIssue } from "./network.js";
import { globalName, integerIssue } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const managementLockByScopeSdk = lazyPeer<typeof import("@pulumi/azure-native/authorization/managementLockByScope.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/authorization/managementLockByScope.js",
);
const configurationSdk = lazyPeer<typeof import("@pulumi/azure-native/dbforpostgresql/configuration.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/dbforpostgresql/configuration.js",
);
const serverSdk = lazyPeer<typeof import("@pulumi/azure-native/dbforpostgresql/server.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/dbforpostgresql/server.js",
);
const userAssignedIdentitySdk = lazyPeer<typeof import("@pulumi/azure-native/managedidentity/userAssignedIdentity.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/managedidentity/userAssignedIdentity.js",
);
const privateZoneSdk = lazyPeer<typeof import("@pulumi/azure-native/privatedns/privateZone.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/privatedns/privateZone.js",
);
const virtualNetworkLinkSdk = lazyPeer<typeof import("@pulumi/azure-native/privatedns/virtualNetworkLink.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/privatedns/virtualNetworkLink.js",
);

/** Flexible server compute: general purpose (D) and memory optimised (E) of the v5 generation. */
export const AZURE_POSTGRES_SKUS = [
  { name: "Standard_D2ds_v5", tier: "GeneralPurpose", cpus: 2, memoryMb: 8192 },
  { name: "Standard_D4ds_v5", tier: "GeneralPurpose", cpus: 4, memoryMb: 16384 },
  { name: "Standard_D8ds_v5", tier: "GeneralPurpose", cpus: 8, memoryMb: 32768 },
  { name: "Standard_D16ds_v5", tier: "GeneralPurpose", cpus: 16, memoryMb: 65536 },
  { name: "Standard_D32ds_v5", tier: "GeneralPurpose", cpus: 32, memoryMb: 131072 },
  { name: "Standard_D64ds_v5", tier: "GeneralPurpose", cpus: 64, memoryMb: 262144 },
  { name: "Standard_E2ds_v5", tier: "MemoryOptimized", cpus: 2, memoryMb: 16384 },
  { name: "Standard_E4ds_v5", tier: "MemoryOptimized", cpus: 4, memoryMb: 32768 },
  { name: "Standard_E8ds_v5", tier: "MemoryOptimized", cpus: 8, memoryMb: 65536 },
  { name: "Standard_E16ds_v5", tier: "MemoryOptimized", cpus: 16, memoryMb: 131072 },
  { name: "Standard_E32ds_v5", tier: "MemoryOptimized", cpus: 32, memoryMb: 262144 },
  { name: "Standard_E64ds_v5", tier: "MemoryOptimized", cpus: 64, memoryMb: 524288 },
] as const;

/** Premium SSD sizes a flexible server can have, in GiB. */
export const AZURE_POSTGRES_STORAGE_GB = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767] as const;

const VERSIONS = ["13", "14", "15", "16", "17"];
const RESERVED_USERS = ["azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public", "postgres"];
const SERVER_PARAMETERS: Array<[role: string, parameter: string, value: string]> = [
  ["require-tls", "require_secure_transport", "on"],
  ["tls-version", "ssl_min_protocol_version", "TLSv1.2"],
  ["log-connections", "log_connections", "on"],
  ["log-disconnections", "log_disconnections", "on"],
];

/** The smallest Premium SSD size holding `gb`. Pure. */
export function storageSizeGb(gb: number): number | undefined {
  return AZURE_POSTGRES_STORAGE_GB.find((size) => size >= gb);
}

/** Checks the arguments of an {@link AzurePostgresServer}. Pure. */
export function validateAzurePostgresServerArgs(name: string, args: PostgresServerArgs): ValidationIssue[] {
  const checks = new IssueCollector("AzurePostgresServer", name);
  azureNetworkIssue(checks, args.network);
  const version = args.version ?? "15";
  if (!VERSIONS.includes(version))
    checks.add("version", version, "is not a PostgreSQL major version Azure offers", `use one of ${VERSIONS.join(", ")}`);
  const user = args.adminUser ?? "strata_admin";
  if (typeof user !== "string" || !/^[a-z_][a-z0-9_]{0,62}$/.test(user)) {
    checks.add("adminUser", user, "is not a usable role name", 'use 1-63 lower-case letters, digits and "_", not starting with a digit');
  } else if (RESERVED_USERS.includes(user) || user.startsWith("pg_")) {
    checks.add("adminUser", user, "is a name Azure reserves", 'choose another name, e.g. "strata_admin"');
  }
  if (args.adminPassword === undefined)
    checks.add("adminPassword", undefined, "is missing", "pulumi config set --secret strata:postgresAdminPassword <password>");
  if (typeof args.adminPassword === "string" && (args.adminPassword.length < 8 || args.adminPassword.length > 128)) {
    checks.add("adminPassword", args.adminPassword, "is not 8 to 128 characters long", "give a longer password, e.g. from a Secret", true);
  }
  const cpus = args.cpus ?? 2;
  const memoryMb = args.memoryMb ?? 8192;
  integerIssue(checks, "cpus", cpus, 1);
  integerIssue(checks, "memoryMb", memoryMb, 1);
  if (cpus > 0 && memoryMb > 0 && !smallestMachine(AZURE_POSTGRES_SKUS, cpus, memoryMb)) {
    const largest = AZURE_POSTGRES_SKUS.at(-1)!;
    checks.add(
      "cpus",
      { cpus, memoryMb },
      "fits no flexible server size",
      `ask for at most ${largest.cpus} cpus and ${largest.memoryMb} MiB (${largest.name})`,
    );
  }
  const storageGb = args.storageGb ?? 50;
  integerIssue(checks, "storageGb", storageGb, 1, AZURE_POSTGRES_STORAGE_GB.at(-1)!);
  if (args.highAvailability !== undefined && typeof args.highAvailability !== "boolean") {
    checks.add("highAvailability", args.highAvailability, "is not a boolean", "give true or false");
  }
  return checks.issues;
}

/**
 * The PostgresServer capability on Azure: a PostgreSQL flexible server with
 * private access only (in the network's delegated subnet, resolved through
 * its own private DNS zone linked to the VNet), TLS 1.2 or later required,
 * storage and backups encrypted with a customer-managed key, Entra ID and
 * password authentication, connections logged. Outside dev stacks it keeps
 * backups 35 days, runs a zone-redundant standby, and is protected and
 * locked against deletion. Storage is rounded up to the next Premium SSD size.
 */
export class AzurePostgresServer extends StrataComponent implements PostgresServer {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly adminUser: pulumi.Output<string>;
  /** The flexible server size chosen for `cpus` and `memoryMb`. */
  readonly sku: string;
  readonly identity: UserAssignedIdentity;
  readonly encryptionKey: AzureCustomerKey;
  readonly dnsZone: PrivateZone;
  readonly dnsLink: VirtualNetworkLink;
  readonly server: Server;
  readonly parameters: Configuration[];
  readonly lock?: ManagementLockByScope;

  constructor(name: string, args: PostgresServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AzurePostgresServer" }, name, args, opts, validateAzurePostgresServerArgs(name, args));
    const network = args.network as AzureNetwork;
    const dev = isDevEnvironment(this.context.environment);
    const adminUser = args.adminUser ?? "strata_admin";
    const sku = smallestMachine(AZURE_POSTGRES_SKUS, args.cpus ?? 2, args.memoryMb ?? 8192)!;
    this.sku = sku.name;
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

    this.dnsZone = new privateZoneSdk.PrivateZone(
      this.childName("dns"),
      {
        resourceGroupName: network.resourceGroupName,
        location: "global",
        privateZoneName: `${name}.private.postgres.database.azure.com`,
      },
      this.childOptions(),
    );
    this.dnsLink = new virtualNetworkLinkSdk.VirtualNetworkLink(
      this.childName("dns-link"),
      {
        resourceGroupName: network.resourceGroupName,
        location: "global",
        privateZoneName: this.dnsZone.name,
        virtualNetwork: { id: network.networkId },
        registrationEnabled: false,
      },
      this.childOptions(),
    );

    this.server = new serverSdk.Server(
      this.childName("server"),
      {
        ...placement,
        serverName: globalName(network.resourceGroupId, name, 63, true),
        version: args.version ?? "15",
        administratorLogin: adminUser,
        administratorLoginPassword: pulumi.secret(args.adminPassword!),
        sku: { name: sku.name, tier: sku.tier },
        storage: { storageSizeGB: storageSizeGb(args.storageGb ?? 50), autoGrow: "Enabled" },
        backup: { backupRetentionDays: dev ? 7 : 35, geoRedundantBackup: "Disabled" },
        highAvailability: { mode: (args.highAvailability ?? !dev) ? "ZoneRedundant" : "Disabled" },
        network: {
          delegatedSubnetResourceId: network.databaseSubnetId,
          privateDnsZoneArmResourceId: this.dnsZone.id,
          publicNetworkAccess: "Disabled",
        },
        authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Enabled", tenantId: network.tenantId },
        identity: {
          type: "UserAssigned",
          userAssignedIdentities: this.identity.id.apply((id) => ({ [id]: {} })),
        },
        dataEncryption: {
          type: "AzureKeyVault",
          primaryKeyURI: this.encryptionKey.keyUri,
          primaryUserAssignedIdentityId: this.identity.id,
        },
      },
      this.statefulChildOptions({ dependsOn: [this.dnsLink, this.encryptionKey] }),
    );

    // The server accepts one parameter change at a time.
    this.parameters = [];
    for (const [role, parameter, value] of SERVER_PARAMETERS) {
      const previous = this.parameters.at(-1);
      this.parameters.push(
        new configurationSdk.Configuration(
          this.childName(role),
          {
            resourceGroupName: network.resourceGroupName,
            serverName: this.server.name,
            configurationName: parameter,
            value,
            source: "user-override",
          },
          this.childOptions(previous ? { dependsOn: [previous] } : {}),
        ),
      );
    }

    if (!dev) {
      this.lock = new managementLockByScopeSdk.ManagementLockByScope(
        this.childName("lock"),
        {
          scope: this.server.id,
          level: "CanNotDelete",
          notes: "Holds the platform's databases.",
        },
        this.childOptions({ dependsOn: this.parameters }),
      );
    }

    this.host = this.server.fullyQualifiedDomainName;
    this.port = pulumi.output(5432);
    this.adminUser = pulumi.output(adminUser);
    this.finish({ host: this.host, port: this.port, adminUser: this.adminUser });
  }
}
