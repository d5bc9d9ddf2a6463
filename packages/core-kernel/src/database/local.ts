import { type ChildFactory, LocalPostgresServer, PostgresDatabase, PostgresMigrations } from "@strata/cloud-kernel";
import type { DatabaseSpec, DeployedDatabase } from "./index.js";

/**
 * Local: a PostgreSQL server of its own (or the one given), the database and
 * its owner role (protected and retained outside dev stacks), and the
 * migrations, each applied once as the owner.
 */
export function deployDatabaseLocally(children: ChildFactory, spec: DatabaseSpec, given?: LocalPostgresServer): DeployedDatabase {
  const server = given ?? new LocalPostgresServer(children.name("server"), { platform: children.platform }, children.options());
  const database = new PostgresDatabase(
    children.name("database"),
    { access: server.adminAccess, database: spec.databaseName, owner: spec.ownerRole, ownerPassword: spec.password.value },
    children.statefulOptions(),
  );
  const migrations = new PostgresMigrations(
    children.name("migrations"),
    {
      access: server.adminAccess,
      database: database.database,
      owner: database.owner,
      migrations: spec.migrations,
      label: `Database "${spec.name}"`,
    },
    children.options({ dependsOn: [database] }),
  );
  return {
    host: server.host,
    port: server.port,
    appliedMigrations: migrations.applied,
    ready: migrations.applied,
    native: { kind: "local", server, database, migrations },
  };
}
