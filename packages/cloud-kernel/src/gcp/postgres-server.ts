import type * as projects from "@pulumi/gcp/projects/index.js";
import type * as sql from "@pulumi/gcp/sql/index.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, isDevEnvironment, type ValidationIssue } from "../base/index.js";
import type { PostgresServer, PostgresServerArgs } from "../capabilities.js";
import { GcpNetwork } from "./network.js";
import { customerManagedKey, type CustomerManagedKey } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const projectsSdk = lazyPeer<typeof projects>("@pulumi/gcp", "@pulumi/gcp/projects/index.js");
const sqlSdk = lazyPeer<typeof sql>("@pulumi/gcp", "@pulumi/gcp/sql/index.js");

const DEFAULTS = { adminUser: "strata_admin", version: "15", cpus: 2, memoryMb: 8192, storageGb: 50 };
/** Major versions Cloud SQL for PostgreSQL runs and still supports. */
const VERSIONS = ["13", "14", "15", "16", "17"];
/** Cloud SQL custom machines: 0.9 to 6.5 GB per core, at least 3.75 GB, in steps of 256 MiB. */
const MIN_MEMORY_MB = 3840;
const MAX_MEMORY_MB_PER_CPU = 6656;
const MAX_CPUS = 96;
/**
 * Connection and lock logging for incident review (CIS GCP 6.2); `log_checkpoints`
 * and `log_lock_waits` cost a line per event, not per statement.
 */
const DATABASE_FLAGS = [
  { name: "log_connections", value: "on" },
  { name: "log_disconnections", value: "on" },
  { name: "log_checkpoints", value: "on" },
  { name: "log_lock_waits", value: "on" },
];

/** Checks the arguments of a {@link GcpPostgresServer}. Pure. */
export function validateGcpPostgresServerArgs(name: string, args: PostgresServerArgs): ValidationIssue[] {
  const checks = new IssueCollector("GcpPostgresServer", name);
  if (!(args.network instanceof GcpNetwork)) {
    checks.add(
      "network",
      args.network?.constructor?.name,
      "is not a GcpNetwork",
      "pass the GcpNetwork whose private services access the server joins",
    );
  }
  const adminUser = args.adminUser ?? DEFAULTS.adminUser;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(adminUser)) {
    checks.add(
      "adminUser",
      adminUser,
      "is not a PostgreSQL role name",
      'use lower-case letters, digits and "_", starting with a letter, e.g. "strata_admin"',
    );
  } else if (/^(postgres|cloudsql)/.test(adminUser)) {
    checks.add("adminUser", adminUser, "is reserved by Cloud SQL", `use another name, e.g. "${DEFAULTS.adminUser}"`);
  }
  if (args.adminPassword === undefined)
    checks.add("adminPassword", undefined, "is missing", "pulumi config set --secret strata:postgresAdminPassword <password>");
  if (typeof args.adminPassword === "string" && args.adminPassword.length < 8) {
    checks.add(
      "adminPassword",
      args.adminPassword,
      "is shorter than 8 characters",
      "give a generated password of at least 16 characters",
      true,
    );
  }
  const version = args.version ?? DEFAULTS.version;
  if (!VERSIONS.includes(version)) {
    checks.add("version", version, "is not a PostgreSQL major version Cloud SQL supports", `use one of ${VERSIONS.join(", ")}`);
  }
  const cpus = args.cpus ?? DEFAULTS.cpus;
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > MAX_CPUS || (cpus > 1 && cpus % 2 !== 0)) {
    checks.add("cpus", cpus, "is not a Cloud SQL core count", `give 1 or an even number up to ${MAX_CPUS}, e.g. 2`);
  }
  const memoryMb = args.memoryMb ?? DEFAULTS.memoryMb;
  if (!Number.isInteger(memoryMb) || memoryMb % 256 !== 0) {
    checks.add("memoryMb", memoryMb, "is not a multiple of 256 MiB", `give e.g. ${DEFAULTS.memoryMb}`);
  } else if (Number.isInteger(cpus) && cpus >= 1) {
    const low = Math.max(MIN_MEMORY_MB, Math.ceil((cpus * 922) / 256) * 256);
    const high = cpus * MAX_MEMORY_MB_PER_CPU;
    if (memoryMb < low || memoryMb > high) {
      checks.add("memoryMb", memoryMb, `is outside what ${cpus} cores allow (${low} to ${high} MiB)`, "change memoryMb or cpus");
    }
  }
  const storageGb = args.storageGb ?? DEFAULTS.storageGb;
  if (!Number.isInteger(storageGb) || storageGb < 10 || storageGb > 65536) {
    checks.add("storageGb", storageGb, "is not between 10 and 65536 GiB", `give e.g. ${DEFAULTS.storageGb}`);
  }
  if (args.highAvailability !== undefined && typeof args.highAvailability !== "boolean") {
    checks.add("highAvailability", args.highAvailability, "is not a boolean", "give true or false, or leave it out");
  }
  return checks.issues;
}

/**
 * The PostgresServer capability on GCP: a Cloud SQL for PostgreSQL instance
 * with a private IP only (private services access of the network), TLS
 * required for every connection, storage encrypted with a Cloud KMS key,
 * daily backups with point-in-time recovery, and a regional standby outside
 * dev stacks. Outside dev stacks it is protected, retained, deletion
 * protected in Cloud SQL itself, and its backups outlive it.
 */
export class GcpPostgresServer extends StrataComponent implements PostgresServer {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly adminUser: pulumi.Output<string>;

  /** The Cloud SQL service agent, created so it can be granted the key before the instance exists. */
  readonly serviceAgent: projects.ServiceIdentity;
  readonly key: CustomerManagedKey;
  readonly instance: sql.DatabaseInstance;
  readonly admin: sql.User;

  constructor(name: string, args: PostgresServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "GcpPostgresServer" }, name, args, opts, validateGcpPostgresServerArgs(name, args));
    // The validator has established the network is a GcpNetwork.
    const network = args.network as GcpNetwork;
    const dev = isDevEnvironment(this.context.environment);
    const children = this.childFactory();
    const cpus = args.cpus ?? DEFAULTS.cpus;
    const memoryMb = args.memoryMb ?? DEFAULTS.memoryMb;

    this.serviceAgent = new projectsSdk.ServiceIdentity(
      this.childName("sql-agent"),
      { service: "sqladmin.googleapis.com" },
      this.childOptions(),
    );
    this.key = customerManagedKey(children, network.region, this.serviceAgent.member);
    this.instance = new sqlSdk.DatabaseInstance(
      this.childName("server"),
      {
        region: network.region,
        databaseVersion: `POSTGRES_${args.version ?? DEFAULTS.version}`,
        encryptionKeyName: this.key.cryptoKey.id,
        deletionProtection: !dev,
        settings: {
          // Custom machine shapes exist only in the Enterprise edition.
          edition: "ENTERPRISE",
          tier: `db-custom-${cpus}-${memoryMb}`,
          availabilityType: (args.highAvailability ?? !dev) ? "REGIONAL" : "ZONAL",
          diskType: "PD_SSD",
          diskSize: args.storageGb ?? DEFAULTS.storageGb,
          diskAutoresize: true,
          ipConfiguration: {
            ipv4Enabled: false,
            privateNetwork: network.networkId,
            allocatedIpRange: network.privateServicesRange.name,
            sslMode: "ENCRYPTED_ONLY",
          },
          backupConfiguration: {
            enabled: true,
            pointInTimeRecoveryEnabled: true,
            startTime: "02:00",
            transactionLogRetentionDays: 7,
            backupRetentionSettings: { retainedBackups: 14, retentionUnit: "COUNT" },
          },
          databaseFlags: DATABASE_FLAGS,
          deletionProtectionEnabled: !dev,
          retainBackupsOnDelete: !dev,
        },
      },
      this.statefulChildOptions({ dependsOn: [this.key.grant, network.privateServices] }),
    );
    this.admin = new sqlSdk.User(
      this.childName("admin"),
      {
        instance: this.instance.name,
        name: args.adminUser ?? DEFAULTS.adminUser,
        password: pulumi.secret(args.adminPassword!),
        type: "BUILT_IN",
        // A role owning objects cannot be dropped; abandoning it lets the instance's own deletion remove it.
        deletionPolicy: "ABANDON",
      },
      this.childOptions(),
    );
    this.host = this.instance.privateIpAddress;
    this.port = pulumi.output(5432);
    this.adminUser = this.admin.name;
    this.finish({ host: this.host, port: this.port, adminUser: this.adminUser });
  }
}
