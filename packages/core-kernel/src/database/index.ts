import * as fs from "node:fs";
import * as path from "node:path";
import type { Job } from "@pulumi/kubernetes/batch/v1/index.js";
import type * as pulumi from "@pulumi/pulumi";
import {
  IssueCollector,
  type LocalPostgresServer,
  type Migration,
  type Platform,
  type PostgresDatabase,
  type PostgresMigrations,
  type PostgresServer,
  StrataComponent,
  type PrimitiveArgs,
  type ValidationIssue,
  onKubernetes,
  platformIssues,
  stackAuthorityCertificateFile,
  toIdentifier,
} from "@strata/cloud-kernel";
import type { Compute } from "../compute/index.js";
import { Depot } from "../depot/index.js";
import { Secret } from "../secret/index.js";
import { deployDatabaseOnKubernetes } from "./kubernetes.js";
import { deployDatabaseLocally } from "./local.js";

export type { Migration } from "@strata/cloud-kernel";

/** Arguments of a {@link Database}. */
export interface DatabaseArgs extends PrimitiveArgs {
  /** Password of the owner role, as a Secret. Changing it updates the role in place. */
  password: Secret;
  /**
   * Ordered migrations, each applied once in its own transaction and
   * recorded; or a directory whose `*.sql` files are the migrations, in file
   * name order (the file name without `.sql` is the id). Never edit an
   * applied migration: add a new one.
   * @default []
   */
  migrations?: Migration[] | { directory: string };
  /**
   * Local target: the server to create the database on.
   * @default a server of its own, `<name>-server` (local); on aws, gcp and
   * azure a managed server of its own; on `kubernetes` the existing server of
   * `strata:postgresHost`
   */
  server?: LocalPostgresServer;
  /** Database name. Changing it replaces the database (data is lost in dev stacks). @default the name with "-" as "_" */
  databaseName?: string;
  /**
   * Kubernetes targets: the Compute whose nodes the migrations Job runs on.
   * @default nodes of `strata:nodeSelector` (kubernetes target), else any node
   */
  compute?: Compute;
  /** Name of the role that owns the database (not the accountable team, which is `owner`). @default `<databaseName>_owner` */
  ownerRole?: string;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const MIGRATION_ID = /^[A-Za-z0-9_.-]+$/;

/** Reads `*.sql` files of a directory, sorted by name. */
export function readMigrations(directory: string): Migration[] {
  return fs
    .readdirSync(directory)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((f) => ({ id: f.slice(0, -4), sql: fs.readFileSync(path.join(directory, f), "utf8") }));
}

export function validateDatabaseArgs(
  name: string,
  args: DatabaseArgs,
  platform: Pick<Platform, "context" | "kubernetes">,
): ValidationIssue[] {
  const checks = new IssueCollector("Database", name);
  if (onKubernetes(platform.context.target)) {
    const cluster = platform.kubernetes;
    if (args.server !== undefined)
      checks.add("server", "a LocalPostgresServer", "is a local server", "leave server out on Kubernetes targets");
    if (cluster?.target === "kubernetes" && !cluster.postgres) {
      checks.add(
        "strata:postgresHost",
        undefined,
        "is not set: the kubernetes target creates databases on an existing server",
        "set strata:postgresHost (and strata:postgresAdminPassword as a secret)",
      );
    }
    if (cluster?.cloud && !cluster.postgresAdminPassword) {
      checks.add(
        "strata:postgresAdminPassword",
        undefined,
        "is not set: the managed server needs an administrator password",
        "pulumi config set --secret strata:postgresAdminPassword <password>",
      );
    }
  }
  if (!(args.password instanceof Secret))
    checks.add(
      "password",
      typeof args.password,
      "is not a Secret",
      'pass a Secret, e.g. new Secret("db-password", { value: config.requireSecret("dbPassword") })',
    );
  const database = args.databaseName ?? toIdentifier(name);
  if (!IDENT.test(database) || database.startsWith("pg_")) {
    checks.add("databaseName", database, "is not a usable database name", "use lower-case letters, digits and _, not starting with pg_");
  }
  if (args.ownerRole !== undefined && (!IDENT.test(args.ownerRole) || args.ownerRole.startsWith("pg_"))) {
    checks.add("ownerRole", args.ownerRole, "is not a usable role name", "use lower-case letters, digits and _, not starting with pg_");
  }
  let migrations: Migration[] = [];
  if (args.migrations !== undefined && !Array.isArray(args.migrations)) {
    const dir = args.migrations.directory;
    if (!path.isAbsolute(dir) || !fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      checks.add(
        "migrations.directory",
        dir,
        "is not an existing absolute directory",
        "give the absolute path of a directory of .sql files",
      );
    } else {
      migrations = readMigrations(dir);
    }
  } else {
    migrations = args.migrations ?? [];
  }
  const ids = new Set<string>();
  migrations.forEach((m, i) => {
    if (!MIGRATION_ID.test(m.id ?? ""))
      checks.add(`migrations[${i}].id`, m.id, "is not a valid id", 'use letters, digits, ".", "_" or "-", e.g. "001_customers"');
    else if (ids.has(m.id)) checks.add(`migrations[${i}].id`, m.id, "is used twice", "give every migration its own id");
    ids.add(m.id);
    if (typeof m.sql !== "string" || m.sql.trim() === "") checks.add(`migrations[${i}].sql`, m.sql, "is empty", "give the SQL to run");
  });
  return checks.issues;
}

/**
 * A PostgreSQL database with an owner role, ordered migrations and a Depot
 * on top. On the local target it lives on a PostgreSQL server of its own
 * (or the given one); its data is protected and retained outside dev stacks.
 * On aws, gcp and azure it gets a managed server of its own (private, TLS
 * only, deletion-protected outside dev stacks); on `kubernetes` it lives on
 * the configured existing server. There a Job creates the owner role and
 * database and applies the migrations, and the Depot connects over TLS.
 *
 * @example
 * const password = new Secret("warehouse-password", { value: config.requireSecret("warehousePassword") });
 * const db = new Database("warehouse", { password, migrations: { directory: path.resolve("migrations") } });
 * new Cluster("analytics", { depots: [db.depot] });
 */
/** What a Database is made of on its target (the escape hatch). */
export type DatabaseNative =
  /** Local: its own PostgreSQL server (or the one given), the database and owner role, the applied migrations. */
  | { kind: "local"; server: LocalPostgresServer; database: PostgresDatabase; migrations: PostgresMigrations }
  /** Kubernetes targets: the server (managed on clouds, the existing one on `kubernetes`) and the Job that applied the migrations. */
  | { kind: "kubernetes"; server: PostgresServer; migrationsJob: Job };

/** What a backend hands back: where the database is, and when its migrations have run. */
export interface DeployedDatabase {
  host: pulumi.Output<string>;
  port: pulumi.Output<number>;
  appliedMigrations: pulumi.Output<string[]>;
  /** Resolves once the migrations ran: checks of policies against its tables wait for it. */
  ready: pulumi.Output<unknown>;
  native: DatabaseNative;
}

export class Database extends StrataComponent {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly databaseName: string;
  /**
   * Role owning the database. The Depot names it, but a local Cluster reads
   * the database with a role of its own (`<databaseName>_<cluster>`) granted
   * only what its Policies allow; on Kubernetes targets Clusters read as the owner.
   */
  readonly ownerRole: string;
  /** Ids of the applied migrations, in order. */
  readonly appliedMigrations: pulumi.Output<string[]>;
  /** The Depot of this database (its catalog named like the database); Clusters read it with a role of their own on the local target. */
  readonly depot: Depot;
  /** What it is made of on its target (escape hatch). */
  readonly native: DatabaseNative;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Database" }, name, args, opts, (platform) => [
      ...validateDatabaseArgs(name, args, platform),
      ...platformIssues("Database", name, platform),
    ]);
    this.databaseName = args.databaseName ?? toIdentifier(name);
    this.ownerRole = args.ownerRole ?? `${this.databaseName}_owner`;
    const migrations = Array.isArray(args.migrations) ? args.migrations : args.migrations ? readMigrations(args.migrations.directory) : [];
    const spec = { name, databaseName: this.databaseName, ownerRole: this.ownerRole, password: args.password, migrations };
    const deployed = onKubernetes(this.context.target)
      ? deployDatabaseOnKubernetes(this.childFactory(), spec, args.compute)
      : deployDatabaseLocally(this.childFactory(), spec, args.server);
    this.native = deployed.native;
    this.host = deployed.host;
    this.port = deployed.port;
    this.appliedMigrations = deployed.appliedMigrations;
    this.depot = new Depot(
      this.childName("depot"),
      {
        catalogName: this.databaseName,
        owner: args.owner,
        domain: args.domain,
        tags: args.tags,
        platform: this.platform,
        source: {
          kind: "postgresql",
          host: this.host,
          port: this.port,
          ready: deployed.ready,
          // Local servers take TCP connections over TLS only, their certificates from the stack's authority.
          tls: onKubernetes(this.context.target) ? true : { caFile: stackAuthorityCertificateFile(this.context.dataDir) },
          database: this.databaseName,
          user: this.ownerRole,
          password: args.password,
          ...(deployed.native.kind === "local"
            ? {
                administration: {
                  access: deployed.native.server.adminAccess,
                  owner: deployed.native.database.owner,
                  migrations: this.appliedMigrations,
                },
              }
            : {}),
        },
      },
      this.childOptions(),
    );
    this.finish(
      { host: this.host, port: this.port, databaseName: this.databaseName, appliedMigrations: this.appliedMigrations },
      { inputs: [] },
    );
  }
}

/** What the backends need of a Database. */
export interface DatabaseSpec {
  name: string;
  databaseName: string;
  ownerRole: string;
  password: Secret;
  migrations: Migration[];
}
