import * as fs from "node:fs";
import * as path from "node:path";
import { Job } from "@pulumi/kubernetes/batch/v1/index.js";
import { ConfigMap, Secret as KubernetesSecret } from "@pulumi/kubernetes/core/v1/index.js";
import * as pulumi from "@pulumi/pulumi";
import {
  IssueCollector,
  LocalPostgresServer,
  type PostgresServer,
  restrictedContainerSecurity,
  scramVerifier,
  awaitAnnotations,
  kubernetesPlatform,
  onKubernetes,
  platformIssues,
  strataLabels,
  tolerationsFor,
  type Migration,
  PostgresDatabase,
  PostgresMigrations,
  StrataComponent,
  type PrimitiveArgs,
  type TargetName,
  type ValidationIssue,
  toIdentifier,
} from "@strata/cloud-kernel";
import type { Compute } from "./compute.js";
import { Depot } from "./depot.js";
import { MIGRATE_SCRIPT, MIGRATIONS_IMAGE, migrationFiles, migrationsHash } from "./migrations-job.js";
import { Secret } from "./secret.js";

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

export function validateDatabaseArgs(name: string, args: DatabaseArgs, target: TargetName = "local"): ValidationIssue[] {
  const checks = new IssueCollector("Database", name);
  if (onKubernetes(target)) {
    const platform = kubernetesPlatform();
    if (args.server !== undefined) checks.add("server", "a LocalPostgresServer", "is a local server", "leave server out on Kubernetes targets");
    if (platform?.target === "kubernetes" && !platform.postgres) {
      checks.add("strata:postgresHost", undefined, "is not set: the kubernetes target creates databases on an existing server", "set strata:postgresHost (and strata:postgresAdminPassword as a secret)");
    }
    if (platform?.cloud && !platform.postgresAdminPassword) {
      checks.add("strata:postgresAdminPassword", undefined, "is not set: the managed server needs an administrator password", "pulumi config set --secret strata:postgresAdminPassword <password>");
    }
  }
  if (!(args.password instanceof Secret)) checks.add("password", typeof args.password, "is not a Secret", "pass a Secret, e.g. new Secret(\"db-password\", { value: config.requireSecret(\"dbPassword\") })");
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
      checks.add("migrations.directory", dir, "is not an existing absolute directory", "give the absolute path of a directory of .sql files");
    } else {
      migrations = readMigrations(dir);
    }
  } else {
    migrations = args.migrations ?? [];
  }
  const ids = new Set<string>();
  migrations.forEach((m, i) => {
    if (!MIGRATION_ID.test(m.id ?? "")) checks.add(`migrations[${i}].id`, m.id, "is not a valid id", 'use letters, digits, ".", "_" or "-", e.g. "001_customers"');
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
export class Database extends StrataComponent {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly databaseName: string;
  /** Role owning the database; the Depot reads as this role. */
  readonly ownerRole: string;
  /** Ids of the applied migrations, in order. */
  readonly appliedMigrations: pulumi.Output<string[]>;
  /** A Depot reading this database as its owner; its catalog is named like the database. */
  readonly depot: Depot;
  /** The server (escape hatch): local, or the cloud's managed server; none for an existing server. */
  readonly server?: LocalPostgresServer | PostgresServer;
  /** Kubernetes targets: the Job that applied the migrations (escape hatch). */
  readonly migrationsJob?: Job;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Database" }, name, args, opts, (context) => [
      ...validateDatabaseArgs(name, args, context.target),
      ...platformIssues("Database", name, context.target),
    ]);
    this.databaseName = args.databaseName ?? toIdentifier(name);
    this.ownerRole = args.ownerRole ?? `${this.databaseName}_owner`;
    const migrations = Array.isArray(args.migrations) ? args.migrations : args.migrations ? readMigrations(args.migrations.directory) : [];
    let ready: pulumi.Output<unknown>;
    if (onKubernetes(this.context.target)) {
      const deployed = this.deployOnKubernetes(name, args, migrations);
      this.server = deployed.server;
      this.migrationsJob = deployed.job;
      this.host = deployed.host;
      this.port = deployed.port;
      ready = deployed.job.metadata.name;
      this.appliedMigrations = deployed.job.metadata.name.apply(() => migrations.map((m) => m.id));
    } else {
      const server = args.server ?? new LocalPostgresServer(this.childName("server"), { context: this.context }, this.childOptions());
      const database = new PostgresDatabase(
        this.childName("database"),
        { access: server.adminAccess, database: this.databaseName, owner: this.ownerRole, ownerPassword: args.password.value },
        this.statefulChildOptions(),
      );
      const applied = new PostgresMigrations(
        this.childName("migrations"),
        { access: server.adminAccess, database: database.database, owner: database.owner, migrations, label: `Database "${name}"` },
        this.childOptions({ dependsOn: [database] }),
      );
      this.server = server;
      this.appliedMigrations = applied.applied;
      this.host = server.host;
      this.port = server.port;
      ready = applied.applied;
    }
    this.depot = new Depot(
      this.childName("depot"),
      {
        catalogName: this.databaseName,
        owner: args.owner,
        domain: args.domain,
        tags: args.tags,
        context: this.context,
        source: {
          kind: "postgresql",
          host: this.host,
          port: this.port,
          ready,
          tls: onKubernetes(this.context.target),
          database: this.databaseName,
          user: this.ownerRole,
          password: args.password,
        },
      },
      this.childOptions(),
    );
    this.finish(
      { host: this.host, port: this.port, databaseName: this.databaseName, appliedMigrations: this.appliedMigrations },
      { inputs: [] },
    );
  }

  /** The server (managed or existing) and the migrations Job on the platform's cluster. */
  private deployOnKubernetes(name: string, args: DatabaseArgs, migrations: Migration[]) {
    const password = args.password;
    const ownerRole = this.ownerRole;
    const placement = args.compute?.placement ?? { nodeSelector: this.context.kubernetes.nodeSelector, tolerations: tolerationsFor(this.context.kubernetes.tolerations) };
    const platform = kubernetesPlatform()!;
    const provider = platform.provider;
    const namespace = platform.namespace;
    const labels = strataLabels("Database", name);
    let server: PostgresServer | undefined;
    let endpoint: { host: pulumi.Output<string>; port: pulumi.Output<number>; adminUser: pulumi.Output<string>; adminPassword: pulumi.Output<string> };
    if (platform.cloud) {
      server = new platform.cloud.capabilities.PostgresServer(
        this.childName("server"),
        { context: this.context, network: platform.cloud.network, adminPassword: platform.postgresAdminPassword! },
        this.statefulChildOptions(),
      );
      endpoint = { host: server.host, port: server.port, adminUser: server.adminUser, adminPassword: platform.postgresAdminPassword! };
    } else {
      const existing = platform.postgres!;
      endpoint = {
        host: pulumi.output(existing.host),
        port: pulumi.output(existing.port),
        adminUser: pulumi.output(existing.adminUser),
        adminPassword: existing.adminPassword,
      };
    }
    const k8s = (extra: pulumi.CustomResourceOptions = {}) => this.childOptions({ provider, ...extra });
    const credentials = new KubernetesSecret(
      this.childName("credentials"),
      {
        metadata: { name: `${name}-postgres`, namespace, labels },
        type: "Opaque",
        // The owner's password only as a SCRAM verifier: the Job's ALTER ROLE never carries the plaintext
        // (the server may log statements). Deterministic, so an unchanged password changes nothing.
        stringData: {
          PGPASSWORD: endpoint.adminPassword,
          OWNER_PASSWORD_VERIFIER: pulumi.secret(password.value.apply((pw) => scramVerifier(pw, ownerRole))),
        },
      },
      k8s(),
    );
    const files = new ConfigMap(
      this.childName("migration-files"),
      { metadata: { name: `${name}-migrations`, namespace, labels }, data: { ...migrationFiles(migrations), "migrate.sh": MIGRATE_SCRIPT } },
      k8s(),
    );
    const job = new Job(
      this.childName("migrate"),
      {
        metadata: { name: `${name}-migrate-${migrationsHash(migrations)}`, namespace, labels, annotations: awaitAnnotations(platform.settings.awaitWorkloads) },
        spec: {
          backoffLimit: 2,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "Never",
              automountServiceAccountToken: false,
              nodeSelector: placement.nodeSelector,
              tolerations: placement.tolerations,
              // uid 70 is the postgres user of the alpine image.
              securityContext: { runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "migrate",
                  image: MIGRATIONS_IMAGE,
                  command: ["/bin/sh", "/migrations/migrate.sh"],
                  env: [
                    { name: "PGHOST", value: endpoint.host },
                    { name: "PGPORT", value: endpoint.port.apply(String) },
                    { name: "PGUSER", value: endpoint.adminUser },
                    { name: "PGSSLMODE", value: "require" },
                    { name: "DATABASE", value: this.databaseName },
                    { name: "OWNER", value: this.ownerRole },
                    { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: credentials.metadata.name, key: "PGPASSWORD" } } },
                    {
                      name: "OWNER_PASSWORD_VERIFIER",
                      valueFrom: { secretKeyRef: { name: credentials.metadata.name, key: "OWNER_PASSWORD_VERIFIER" } },
                    },
                  ],
                  securityContext: restrictedContainerSecurity(),
                  volumeMounts: [{ name: "migrations", mountPath: "/migrations", readOnly: true }],
                },
              ],
              volumes: [{ name: "migrations", configMap: { name: files.metadata.name } }],
            },
          },
        },
      },
      // A Job cannot change in place: new migrations are a new Job, created before the old one goes.
      k8s({ dependsOn: [credentials, files] }),
    );
    return { server, job, host: endpoint.host, port: endpoint.port };
  }
}
