// PostgreSQL on this machine: a data directory made by initdb, a database
// with its owner role, and ordered migrations.
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { scramVerifier } from "../postgres-scram.js";
import type { ResourceType } from "./framework.js";
import { exists, idsFor, run } from "./os.js";

/** How the plugin reaches a PostgreSQL server as its superuser: psql over the Unix socket, peer authentication. */
export interface PostgresAdminAccess {
  /** Folder with psql, initdb, postgres. */
  binDir: string;
  /** Folder of the server's Unix socket (mode 0700, owned by the server's user). */
  socketDirectory: string;
  port: number;
  /** System user that runs the server and is its superuser ("" = the current user). */
  runAs: string;
}

/** Runs SQL as the superuser in `database`, in one transaction, stopping at the first error. */
function psql(access: PostgresAdminAccess, database: string, sql: string): Promise<string> {
  const args = [
    "-X",
    "-q",
    "-A",
    "-t",
    "-v",
    "ON_ERROR_STOP=1",
    "--single-transaction",
    "-h",
    access.socketDirectory,
    "-p",
    String(access.port),
    "-d",
    database,
    "-f",
    "-",
  ];
  return run(`${access.binDir}/psql`, args, { runAs: access.runAs, stdin: sql });
}

/** One statement, alone (CREATE and DROP DATABASE cannot run inside a transaction block). */
function psqlAlone(access: PostgresAdminAccess, database: string, ...statements: string[]): Promise<string> {
  const args = [
    "-X",
    "-q",
    "-v",
    "ON_ERROR_STOP=1",
    "-h",
    access.socketDirectory,
    "-p",
    String(access.port),
    "-d",
    database,
    ...statements.flatMap((s) => ["-c", s]),
  ];
  return run(`${access.binDir}/psql`, args, { runAs: access.runAs });
}

/** True for errors that mean the server is not reachable (stopped, or its folder gone), not that SQL failed. */
function unreachable(error: unknown): boolean {
  return /could not connect|No such file|connection to server|Connection refused/i.test(String(error));
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

// ---------------------------------------------------------------- data directory

export interface DataDirectoryInputs {
  directory: string;
  socketDirectory: string;
  binDir: string;
  runAs: string;
  /** Ancestors from here down to `directory` are made traversable (o+x) for `runAs`. */
  traverseFrom: string;
}

async function prepareDirectories(inputs: DataDirectoryInputs): Promise<void> {
  const ids = idsFor(inputs.runAs);
  if (ids.uid !== undefined) {
    // The server's user must reach its directories through ours: allow traversal (not listing).
    let dir = path.dirname(inputs.directory);
    const stop = path.dirname(inputs.traverseFrom);
    await fs.mkdir(dir, { recursive: true, mode: 0o711 });
    while (dir.startsWith(inputs.traverseFrom) && dir !== stop) {
      const mode = (await fs.stat(dir)).mode & 0o777;
      await fs.chmod(dir, mode | 0o011);
      dir = path.dirname(dir);
    }
    try {
      await run("/usr/bin/test", ["-x", path.dirname(inputs.directory)], { runAs: inputs.runAs });
    } catch {
      throw new Error(
        `system user ${inputs.runAs} cannot reach ${path.dirname(inputs.directory)} (PostgreSQL refuses to run as root); ` +
          `make its parent directories traversable (chmod o+x) or set strata:dataDir to a directory it can reach`,
      );
    }
  }
  for (const dir of [inputs.directory, inputs.socketDirectory]) {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    // The socket folder may sit in a shared temporary directory: accept only a real folder we made.
    const stat = await fs.lstat(dir);
    const expected = ids.uid ?? process.getuid?.();
    if (!stat.isDirectory() || (stat.uid !== expected && stat.uid !== process.getuid?.())) {
      throw new Error(`${dir} exists but is not a folder owned by the server's user; remove it and deploy again`);
    }
    await fs.chmod(dir, 0o700);
    if (ids.uid !== undefined) await fs.chown(dir, ids.uid, ids.gid ?? ids.uid);
  }
}

/** A PostgreSQL data directory made by initdb (peer auth on the socket, SCRAM over TCP). Holds data. */
export const PostgresDataDirectory: ResourceType<DataDirectoryInputs, { directory: string; socketDirectory: string }> = {
  name: "PostgresDataDirectory",
  replaceOn: ["directory", "socketDirectory"],
  deleteBeforeReplace: true,
  async create(inputs) {
    await prepareDirectories(inputs);
    // A directory kept from an earlier deployment (retained data) is adopted, never re-initialized.
    if (!(await exists(`${inputs.directory}/PG_VERSION`))) {
      await run(
        `${inputs.binDir}/initdb`,
        [
          "-D",
          inputs.directory,
          "--auth-local=peer",
          "--auth-host=scram-sha-256",
          "--encoding=UTF8",
          "--locale=C.UTF-8",
          "--no-instructions",
        ],
        { runAs: inputs.runAs },
      );
    }
    return { id: inputs.directory, outs: { directory: inputs.directory, socketDirectory: inputs.socketDirectory } };
  },
  async read(id, outs) {
    return (await exists(`${id}/PG_VERSION`)) ? outs : undefined;
  },
  async update(_id, _olds, news) {
    await prepareDirectories(news);
    return { directory: news.directory, socketDirectory: news.socketDirectory };
  },
  async delete(id, outs) {
    // Reached only in dev stacks: elsewhere the resource is protected and retained.
    await fs.rm(id, { recursive: true, force: true });
    await fs.rm(outs.socketDirectory, { recursive: true, force: true });
  },
};

// ---------------------------------------------------------------- database and owner role

export interface DatabaseInputs {
  access: PostgresAdminAccess;
  database: string;
  owner: string;
  ownerPassword: string;
}

export interface DatabaseOutputs {
  database: string;
  owner: string;
  access: PostgresAdminAccess;
}

async function ensureDatabase(inputs: DatabaseInputs): Promise<void> {
  // The password is sent as a SCRAM verifier: the plaintext never reaches the server, its logs or its statistics.
  const verifier = scramVerifier(inputs.ownerPassword, inputs.owner);
  const owner = quoteIdent(inputs.owner);
  const exists = await psql(inputs.access, "postgres", `SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(inputs.owner)}`);
  await psql(
    inputs.access,
    "postgres",
    `${exists.trim() === "1" ? "ALTER" : "CREATE"} ROLE ${owner} LOGIN PASSWORD ${quoteLiteral(verifier)};`,
  );
  const hasDb = await psql(inputs.access, "postgres", `SELECT 1 FROM pg_database WHERE datname = ${quoteLiteral(inputs.database)}`);
  if (hasDb.trim() !== "1") await psqlAlone(inputs.access, "postgres", `CREATE DATABASE ${quoteIdent(inputs.database)} OWNER ${owner}`);
  await psql(
    inputs.access,
    inputs.database,
    `REVOKE ALL ON DATABASE ${quoteIdent(inputs.database)} FROM PUBLIC;
     GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdent(inputs.database)} TO ${owner};
     CREATE TABLE IF NOT EXISTS public.strata_migrations (
       id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
     REVOKE ALL ON public.strata_migrations FROM PUBLIC;
     GRANT SELECT ON public.strata_migrations TO ${owner};`,
  );
}

/** A database and its owner role (LOGIN, SCRAM password) on a local PostgreSQL server. Holds data. */
export const PostgresDatabase: ResourceType<DatabaseInputs, DatabaseOutputs> = {
  name: "PostgresDatabase",
  replaceOn: ["database", "owner"],
  deleteBeforeReplace: true,
  async create(inputs) {
    await ensureDatabase(inputs);
    return { id: inputs.database, outs: { database: inputs.database, owner: inputs.owner, access: inputs.access } };
  },
  // A database dropped by hand is drift: refresh drops it, and the next up creates it again (empty).
  // A server that is down says nothing about the database: it is kept.
  async read(_id, outs) {
    try {
      const found = await psql(outs.access, "postgres", `SELECT 1 FROM pg_database WHERE datname = ${quoteLiteral(outs.database)}`);
      return found.trim() === "1" ? outs : undefined;
    } catch (error) {
      if (unreachable(error)) return outs;
      throw error;
    }
  },
  async update(_id, _olds, news) {
    await ensureDatabase(news);
    return { database: news.database, owner: news.owner, access: news.access };
  },
  async delete(_id, outs) {
    // Reached only in dev stacks: elsewhere the resource is protected and retained.
    try {
      await psqlAlone(
        outs.access,
        "postgres",
        `DROP DATABASE IF EXISTS ${quoteIdent(outs.database)} WITH (FORCE)`,
        `DROP ROLE IF EXISTS ${quoteIdent(outs.owner)}`,
      );
    } catch (error) {
      // The server (and its data directory) may already be gone in the same destroy.
      if (!unreachable(error)) throw error;
    }
  },
};

// ---------------------------------------------------------------- migrations

/** One ordered SQL migration. */
export interface Migration {
  /** Unique, stable id; migrations are applied in the order given. */
  id: string;
  /** SQL run as the database owner, in one transaction. */
  sql: string;
}

export interface MigrationsInputs {
  access: PostgresAdminAccess;
  database: string;
  owner: string;
  migrations: Migration[];
  /** Names the primitive in errors, e.g. `Database "warehouse"`. */
  label: string;
}

export interface MigrationsOutputs {
  access: PostgresAdminAccess;
  database: string;
  applied: string[];
}

function checksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

async function recorded(access: PostgresAdminAccess, database: string): Promise<Map<string, string>> {
  const rows = await psql(access, database, "SELECT id || ' ' || checksum FROM public.strata_migrations ORDER BY applied_at, id");
  return new Map(
    rows
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(" ") as [string, string]),
  );
}

async function applyMigrations(inputs: MigrationsInputs): Promise<MigrationsOutputs> {
  const applied = await recorded(inputs.access, inputs.database);
  // Every applied migration is checked before any new one runs.
  for (const [index, migration] of inputs.migrations.entries()) {
    const known = applied.get(migration.id);
    if (known !== undefined && known !== checksum(migration.sql)) {
      throw new Error(
        `${inputs.label}: migrations[${index}] (id "${migration.id}") was changed after it was applied. ` +
          `Fix: restore its SQL and add a new migration for the change`,
      );
    }
  }
  for (const [index, migration] of inputs.migrations.entries()) {
    if (applied.has(migration.id)) continue;
    const script = [
      `SET ROLE ${quoteIdent(inputs.owner)};`,
      migration.sql.trim().replace(/;?\s*$/, ";"),
      "RESET ROLE;",
      `INSERT INTO public.strata_migrations (id, checksum) VALUES (${quoteLiteral(migration.id)}, ${quoteLiteral(checksum(migration.sql))});`,
    ].join("\n");
    try {
      await psql(inputs.access, inputs.database, script);
    } catch (error) {
      const reason = String(error instanceof Error ? error.message : error).replace(/^psql:<stdin>:\d+: /gm, "");
      throw new Error(
        `${inputs.label}: migrations[${index}] (id "${migration.id}") failed and was rolled back: ${reason}. ` +
          `Fix: correct the SQL of migration "${migration.id}"; the migrations before it stay applied`,
        { cause: error },
      );
    }
  }
  return { access: inputs.access, database: inputs.database, applied: inputs.migrations.map((m) => m.id) };
}

/** Ordered migrations, each applied once in its own transaction and recorded with its checksum. */
export const PostgresMigrations: ResourceType<MigrationsInputs, MigrationsOutputs> = {
  name: "PostgresMigrations",
  async create(inputs) {
    return { id: `${inputs.database}-migrations`, outs: await applyMigrations(inputs) };
  },
  // Migrations missing from the database's record (the database was recreated) are drift: the next up applies them.
  async read(_id, outs) {
    try {
      const applied = await recorded(outs.access, outs.database);
      return outs.applied.every((id) => applied.has(id)) ? outs : undefined;
    } catch (error) {
      if (unreachable(error) || /does not exist/.test(String(error))) return unreachable(error) ? outs : undefined;
      throw error;
    }
  },
  async update(_id, _olds, news) {
    return applyMigrations(news);
  },
  // No delete: the schema lives in the database; dropping the database is the Database's job.
};

// ---------------------------------------------------------------- a Cluster's role on a database

/** A table privilege a Depot's role may be given. */
export type TablePrivilege = "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "TRUNCATE";

/**
 * What a Cluster's role may do on one part of a database: every schema (no
 * `schema`), one schema, or one table. Schemas and tables that do not exist
 * yet are granted once they do: every schema and one schema by the owner's
 * default privileges, one table at the next deployment after the migration
 * that makes it.
 */
export interface PostgresGrant {
  schema?: string;
  /** Needs `schema`. */
  table?: string;
  privileges: TablePrivilege[];
  /** Create tables in the schema, or in every schema: Trino stages its inserts in a table of its own beside the target. */
  createTables?: boolean;
  /** Create schemas in the database (only without `schema`). */
  createSchemas?: boolean;
}

/** Schemas of a database that hold its data: PostgreSQL's own are left out. */
const USER_SCHEMAS = `SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`;

/**
 * The SQL that leaves `role` with exactly `grants` in `database`, whatever
 * it had before: every privilege it was given on what it does not own is
 * revoked (its own tables, made through Trino, stay its own), with the
 * owner's default privileges for it, then the grants are given. Run as a
 * superuser, in one transaction, in the database. Pure.
 */
export function depotRoleGrantsSql(database: string, owner: string, role: string, grants: PostgresGrant[]): string {
  const R = quoteIdent(role);
  const O = quoteIdent(owner);
  const roleLiteral = quoteLiteral(role);
  const ownerLiteral = quoteLiteral(owner);
  const sql: string[] = [
    `REVOKE ALL ON DATABASE ${quoteIdent(database)} FROM ${R};`,
    `GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${R};`,
    ...["TABLES", "SEQUENCES", "SCHEMAS"].map((kind) => `ALTER DEFAULT PRIVILEGES FOR ROLE ${O} REVOKE ALL ON ${kind} FROM ${R};`),
    `DO $strata$
DECLARE r record;
BEGIN
  FOR r IN SELECT n.nspname FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace
           WHERE d.defaclrole = ${ownerLiteral}::regrole LOOP
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I REVOKE ALL ON TABLES FROM %I', ${ownerLiteral}, r.nspname, ${roleLiteral});
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM %I', ${ownerLiteral}, r.nspname, ${roleLiteral});
  END LOOP;
  FOR r IN SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relowner <> ${roleLiteral}::regrole
             AND EXISTS (SELECT 1 FROM aclexplode(c.relacl) a WHERE a.grantee = ${roleLiteral}::regrole) LOOP
    EXECUTE format('REVOKE ALL ON %s %I.%I FROM %I', CASE WHEN r.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                   r.nspname, r.relname, ${roleLiteral});
  END LOOP;
  FOR r IN SELECT nspname FROM pg_namespace
           WHERE nspowner <> ${roleLiteral}::regrole
             AND EXISTS (SELECT 1 FROM aclexplode(nspacl) a WHERE a.grantee = ${roleLiteral}::regrole) LOOP
    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM %I', r.nspname, ${roleLiteral});
  END LOOP;
END $strata$;`,
  ];
  for (const grant of grants) {
    const privileges = grant.privileges.join(", ");
    const writes = grant.privileges.some((p) => p !== "SELECT");
    const usage = grant.createTables ? "USAGE, CREATE" : "USAGE";
    if (grant.schema === undefined) {
      sql.push(`DO $strata$
DECLARE r record;
BEGIN
  FOR r IN ${USER_SCHEMAS} LOOP
    EXECUTE format('GRANT ${usage} ON SCHEMA %I TO %I', r.nspname, ${roleLiteral});
    EXECUTE format('GRANT ${privileges} ON ALL TABLES IN SCHEMA %I TO %I', r.nspname, ${roleLiteral});${
      writes ? `\n    EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO %I', r.nspname, ${roleLiteral});` : ""
    }
  END LOOP;
END $strata$;`);
      sql.push(`ALTER DEFAULT PRIVILEGES FOR ROLE ${O} GRANT ${usage} ON SCHEMAS TO ${R};`);
      sql.push(`ALTER DEFAULT PRIVILEGES FOR ROLE ${O} GRANT ${privileges} ON TABLES TO ${R};`);
      if (writes) sql.push(`ALTER DEFAULT PRIVILEGES FOR ROLE ${O} GRANT USAGE ON SEQUENCES TO ${R};`);
      if (grant.createSchemas) sql.push(`GRANT CREATE ON DATABASE ${quoteIdent(database)} TO ${R};`);
    } else if (grant.table === undefined) {
      const S = quoteIdent(grant.schema);
      sql.push(`DO $strata$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${quoteLiteral(grant.schema)}) THEN
    GRANT ${usage} ON SCHEMA ${S} TO ${R};
    GRANT ${privileges} ON ALL TABLES IN SCHEMA ${S} TO ${R};
    ALTER DEFAULT PRIVILEGES FOR ROLE ${O} IN SCHEMA ${S} GRANT ${privileges} ON TABLES TO ${R};${
      writes
        ? `\n    GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${S} TO ${R};\n    ALTER DEFAULT PRIVILEGES FOR ROLE ${O} IN SCHEMA ${S} GRANT USAGE ON SEQUENCES TO ${R};`
        : ""
    }
  END IF;
END $strata$;`);
    } else {
      const S = quoteIdent(grant.schema);
      const T = `${S}.${quoteIdent(grant.table)}`;
      sql.push(`DO $strata$
BEGIN
  IF to_regclass(${quoteLiteral(T)}) IS NOT NULL THEN
    GRANT ${usage} ON SCHEMA ${S} TO ${R};
    GRANT ${privileges} ON TABLE ${T} TO ${R};
  END IF;
END $strata$;`);
    }
  }
  return sql.join("\n");
}

export interface DepotRoleInputs {
  access: PostgresAdminAccess;
  database: string;
  /** The database's owner, whose default privileges give the role new tables. */
  owner: string;
  role: string;
  password: string;
  grants: PostgresGrant[];
  /** The database's applied migrations: when they change, the grants are given again (new schemas and tables). */
  migrations: string[];
}

export interface DepotRoleOutputs {
  access: PostgresAdminAccess;
  database: string;
  owner: string;
  role: string;
  grants: PostgresGrant[];
}

async function applyDepotRole(inputs: DepotRoleInputs): Promise<DepotRoleOutputs> {
  const verifier = scramVerifier(inputs.password, inputs.role);
  // NOINHERIT: were the role ever made a member of another, it would not gain that role's privileges silently.
  await psql(
    inputs.access,
    inputs.database,
    `DO $strata$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(inputs.role)}) THEN
    CREATE ROLE ${quoteIdent(inputs.role)} LOGIN NOINHERIT;
  END IF;
END $strata$;
ALTER ROLE ${quoteIdent(inputs.role)} LOGIN NOINHERIT PASSWORD ${quoteLiteral(verifier)};
${depotRoleGrantsSql(inputs.database, inputs.owner, inputs.role, inputs.grants)}`,
  );
  return { access: inputs.access, database: inputs.database, owner: inputs.owner, role: inputs.role, grants: inputs.grants };
}

/**
 * A login role of a Cluster's own on a database, with only the grants the
 * Cluster's Policies need there. Deleting it hands what it made (tables
 * written through Trino) to the database's owner: no data goes with it.
 */
export const PostgresDepotRole: ResourceType<DepotRoleInputs, DepotRoleOutputs> = {
  name: "PostgresDepotRole",
  replaceOn: ["role", "database"],
  async create(inputs) {
    return { id: `${inputs.database}/${inputs.role}`, outs: await applyDepotRole(inputs) };
  },
  // A role dropped by hand is drift: the next up makes it again.
  async read(_id, outs) {
    try {
      const found = await psql(outs.access, "postgres", `SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(outs.role)}`);
      return found.trim() === "1" ? outs : undefined;
    } catch (error) {
      if (unreachable(error)) return outs;
      throw error;
    }
  },
  async update(_id, _olds, news) {
    return applyDepotRole(news);
  },
  async delete(_id, outs) {
    const R = quoteIdent(outs.role);
    try {
      await psql(outs.access, outs.database, `REASSIGN OWNED BY ${R} TO ${quoteIdent(outs.owner)};\nDROP OWNED BY ${R};\nDROP ROLE ${R};`);
    } catch (error) {
      if (unreachable(error)) return;
      // The database may be gone already (a dev stack's destroy): the role owns nothing else.
      if (!/database .* does not exist/.test(String(error))) throw error;
      await psql(outs.access, "postgres", `DROP ROLE IF EXISTS ${R};`);
    }
  },
};
