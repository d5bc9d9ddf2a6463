import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  IssueCollector,
  LocalPostgresServer,
  type Migration,
  PostgresDatabase,
  PostgresMigrations,
  StrataComponent,
  type PrimitiveArgs,
  type ValidationIssue,
  toIdentifier,
} from "@strata/cloud-kernel";
import { Depot } from "./depot.js";
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
   * The server to create the database on.
   * @default a server of its own, `<name>-server`
   */
  server?: LocalPostgresServer;
  /** Database name. Changing it replaces the database (data is lost in dev stacks). @default the name with "-" as "_" */
  databaseName?: string;
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

export function validateDatabaseArgs(name: string, args: DatabaseArgs): ValidationIssue[] {
  const checks = new IssueCollector("Database", name);
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
  readonly server: LocalPostgresServer;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Database" }, name, args, opts, validateDatabaseArgs(name, args));
    this.databaseName = args.databaseName ?? toIdentifier(name);
    this.ownerRole = args.ownerRole ?? `${this.databaseName}_owner`;
    const migrations = Array.isArray(args.migrations) ? args.migrations : args.migrations ? readMigrations(args.migrations.directory) : [];
    this.server = args.server ?? new LocalPostgresServer(this.childName("server"), { context: this.context }, this.childOptions());
    const database = new PostgresDatabase(
      this.childName("database"),
      { access: this.server.adminAccess, database: this.databaseName, owner: this.ownerRole, ownerPassword: args.password.value },
      this.statefulChildOptions(),
    );
    const applied = new PostgresMigrations(
      this.childName("migrations"),
      { access: this.server.adminAccess, database: database.database, owner: database.owner, migrations, label: `Database "${name}"` },
      this.childOptions({ dependsOn: [database] }),
    );
    this.appliedMigrations = applied.applied;
    this.host = this.server.host;
    this.port = this.server.port;
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
          ready: applied.applied,
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
}
