import type * as ec2 from "@pulumi/aws/ec2/index.js";
import type * as kms from "@pulumi/aws/kms/index.js";
import type * as rds from "@pulumi/aws/rds/index.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, isDevEnvironment, type ValidationIssue } from "../base/index.js";
import { networkIssues, smallestMachine, type PostgresServer, type PostgresServerArgs } from "../capabilities.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const ec2Sdk = lazyPeer<typeof ec2>("@pulumi/aws", "@pulumi/aws/ec2/index.js");
const kmsSdk = lazyPeer<typeof kms>("@pulumi/aws", "@pulumi/aws/kms/index.js");
const rdsSdk = lazyPeer<typeof rds>("@pulumi/aws", "@pulumi/aws/rds/index.js");

/** General-purpose RDS instance classes (Graviton m7g) the server's class is chosen from. */
export const AWS_DB_INSTANCE_CLASSES = [
  { name: "db.m7g.large", cpus: 2, memoryMb: 8192 },
  { name: "db.m7g.xlarge", cpus: 4, memoryMb: 16384 },
  { name: "db.m7g.2xlarge", cpus: 8, memoryMb: 32768 },
  { name: "db.m7g.4xlarge", cpus: 16, memoryMb: 65536 },
  { name: "db.m7g.8xlarge", cpus: 32, memoryMb: 131072 },
  { name: "db.m7g.12xlarge", cpus: 48, memoryMb: 196608 },
  { name: "db.m7g.16xlarge", cpus: 64, memoryMb: 262144 },
] as const;

/** PostgreSQL major versions RDS offers. */
export const AWS_POSTGRES_VERSIONS = ["13", "14", "15", "16", "17"] as const;

const USER = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
// Roles RDS keeps for itself.
const RESERVED_USERS = ["rdsadmin", "rdsrepladmin", "rds_superuser", "rdstopmgr"];
const PASSWORD_FORBIDDEN = /[/"@\s]/;

/** Checks the arguments of an {@link AwsPostgresServer}, including that some instance class fits. Pure. */
export function validateAwsPostgresServerArgs(name: string, args: PostgresServerArgs): ValidationIssue[] {
  const checks = new IssueCollector("AwsPostgresServer", name);
  networkIssues(checks, args);
  if (args.adminPassword === undefined)
    checks.add("adminPassword", undefined, "is missing", "pulumi config set --secret strata:postgresAdminPassword <password>");
  const version = args.version ?? "15";
  if (!(AWS_POSTGRES_VERSIONS as readonly string[]).includes(version)) {
    checks.add("version", version, "is not a PostgreSQL major version RDS offers", `use one of ${AWS_POSTGRES_VERSIONS.join(", ")}`);
  }
  const user = args.adminUser ?? "strata_admin";
  if (!USER.test(user) || RESERVED_USERS.includes(user.toLowerCase())) {
    checks.add(
      "adminUser",
      user,
      "is not a usable RDS master user name",
      "use 1-63 letters, digits and '_', starting with a letter, not an rds* reserved role",
    );
  }
  if (
    typeof args.adminPassword === "string" &&
    (args.adminPassword.length < 8 || args.adminPassword.length > 128 || PASSWORD_FORBIDDEN.test(args.adminPassword))
  ) {
    checks.add(
      "adminPassword",
      args.adminPassword,
      "is not accepted by RDS",
      "use 8-128 printable characters other than '/', '\"', '@' and spaces",
      true,
    );
  }
  const cpus = args.cpus ?? 2;
  const memoryMb = args.memoryMb ?? 8192;
  const storageGb = args.storageGb ?? 50;
  if (!Number.isInteger(cpus) || cpus < 1) checks.add("cpus", cpus, "is not a positive integer", "give a whole number of cores, e.g. 2");
  if (!Number.isInteger(memoryMb) || memoryMb < 1) checks.add("memoryMb", memoryMb, "is not a positive integer", "give MiB, e.g. 8192");
  if (!Number.isInteger(storageGb) || storageGb < 20 || storageGb > 65536) {
    checks.add("storageGb", storageGb, "is outside what RDS gp3 storage offers", "give a whole number of GiB from 20 to 65536");
  }
  const sized = checks.issues.every((i) => i.field !== "cpus" && i.field !== "memoryMb");
  if (sized && !smallestMachine(AWS_DB_INSTANCE_CLASSES, cpus, memoryMb)) {
    const largest = AWS_DB_INSTANCE_CLASSES[AWS_DB_INSTANCE_CLASSES.length - 1]!;
    checks.add(
      "cpus",
      { cpus, memoryMb },
      "fits no instance class",
      `ask for at most ${largest.cpus} cores and ${largest.memoryMb} MiB (${largest.name})`,
    );
  }
  return checks.issues;
}

/** A final snapshot name unique per project, environment and server, in the form RDS accepts. Pure. */
export function finalSnapshotName(project: string, environment: string, name: string): string {
  const raw = `${project}-${environment}-${name}-final`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-");
  return (/^[a-z]/.test(raw) ? raw : `s-${raw}`).slice(0, 255).replace(/-$/, "");
}

/**
 * The PostgresServer capability on AWS: an RDS for PostgreSQL instance in the
 * network's private subnets, without a public address, reachable on 5432
 * from the network's range only, TLS 1.2+ forced by its parameter group,
 * storage encrypted with its own KMS key, backups kept (1 day in dev stacks,
 * 14 elsewhere). Outside dev stacks it is Multi-AZ by default,
 * deletion-protected, protected in Pulumi and leaves a final snapshot.
 */
export class AwsPostgresServer extends StrataComponent implements PostgresServer {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly adminUser: pulumi.Output<string>;
  /** The instance class chosen for `cpus` and `memoryMb`. */
  readonly instanceClass: string;
  readonly instance: rds.Instance;
  /** Key encrypting storage and backups. */
  readonly key: kms.Key;
  readonly securityGroup: ec2.SecurityGroup;
  readonly parameterGroup: rds.ParameterGroup;
  readonly subnetGroup: rds.SubnetGroup;

  constructor(name: string, args: PostgresServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AwsPostgresServer" }, name, args, opts, validateAwsPostgresServerArgs(name, args));
    const dev = isDevEnvironment(this.context.environment);
    const version = args.version ?? "15";
    this.instanceClass = smallestMachine(AWS_DB_INSTANCE_CLASSES, args.cpus ?? 2, args.memoryMb ?? 8192)!.name;

    this.key = new kmsSdk.Key(
      this.childName("key"),
      {
        description: `Encrypts the storage and backups of ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: dev ? 7 : 30,
      },
      this.statefulChildOptions(),
    );
    this.subnetGroup = new rdsSdk.SubnetGroup(
      this.childName("subnets"),
      {
        description: `Private subnets of ${name}`,
        subnetIds: args.network!.privateSubnetIds,
      },
      this.childOptions(),
    );
    this.securityGroup = new ec2Sdk.SecurityGroup(
      this.childName("sg"),
      {
        description: `PostgreSQL of ${name}, from inside the network`,
        vpcId: args.network!.networkId,
        ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: [args.network!.cidr], description: "PostgreSQL" }],
      },
      this.childOptions(),
    );
    this.parameterGroup = new rdsSdk.ParameterGroup(
      this.childName("params"),
      {
        description: `TLS-only settings of ${name}`,
        family: `postgres${version}`,
        parameters: [
          { name: "rds.force_ssl", value: "1" },
          { name: "ssl_min_protocol_version", value: "TLSv1.2" },
        ],
      },
      this.childOptions(),
    );

    this.instance = new rdsSdk.Instance(
      this.childName("db"),
      {
        engine: "postgres",
        engineVersion: version,
        autoMinorVersionUpgrade: true,
        instanceClass: this.instanceClass,
        allocatedStorage: args.storageGb ?? 50,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: this.key.arn,
        username: args.adminUser ?? "strata_admin",
        password: pulumi.secret(args.adminPassword),
        port: 5432,
        dbSubnetGroupName: this.subnetGroup.name,
        vpcSecurityGroupIds: [this.securityGroup.id],
        parameterGroupName: this.parameterGroup.name,
        publiclyAccessible: false,
        multiAz: args.highAvailability ?? !dev,
        backupRetentionPeriod: dev ? 1 : 14,
        copyTagsToSnapshot: true,
        deletionProtection: !dev,
        skipFinalSnapshot: dev,
        ...(dev ? {} : { finalSnapshotIdentifier: finalSnapshotName(pulumi.getProject(), this.context.environment, name) }),
      },
      this.statefulChildOptions(),
    );

    this.host = this.instance.address;
    this.port = this.instance.port;
    this.adminUser = this.instance.username;
    this.finish({ host: this.host, port: this.port, adminUser: this.adminUser });
  }
}
