import * as pulumi from "@pulumi/pulumi";

/** How the local providers reach a PostgreSQL server as its superuser: psql over the Unix socket, peer authentication. */
export interface PostgresAdminAccess {
  /** Folder with psql, initdb, postgres. */
  binDir: string;
  /** Folder of the server's Unix socket (mode 0700, owned by the server's user). */
  socketDirectory: string;
  port: number;
  /** System user that runs the server and is its superuser ("" = the current user). */
  runAs: string;
}

// Methods of dynamic providers are serialized into state and run in the
// provider's own process: they import what they need inside the method and
// only call functions defined in this file.

/** uid/gid to run as, when we are root and a user is named. */
async function idsFor(runAs: string): Promise<{ uid?: number; gid?: number }> {
  if (!runAs || process.getuid?.() !== 0) return {};
  const { execFileSync } = await import("node:child_process");
  const id = (flag: string) => Number(execFileSync("id", [flag, runAs], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/** Runs a program as the server's user; rejects with its stderr. Input goes through stdin, never the command line. */
async function runAsServerUser(runAs: string, command: string, args: string[], stdin = "", env: Record<string, string> = {}): Promise<string> {
  const { spawn } = await import("node:child_process");
  const ids = await idsFor(runAs);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: "/",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", ...env },
      stdio: ["pipe", "pipe", "pipe"],
      ...ids,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    // A program that does not read its input closes the pipe early; that is not a failure.
    child.stdin.on("error", () => undefined);
    child.once("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr.trim() || `${command} exited with ${code}`))));
    child.stdin.end(stdin);
  });
}

/** Runs SQL as the superuser in `database`, in one transaction, stopping at the first error. */
async function psql(access: PostgresAdminAccess, database: string, sql: string): Promise<string> {
  const args = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-h", access.socketDirectory, "-p", String(access.port), "-d", database, "-f", "-"];
  return runAsServerUser(access.runAs, `${access.binDir}/psql`, args, sql);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A SCRAM-SHA-256 verifier (RFC 5802/7677) as PostgreSQL stores it, so the
 * plaintext password never reaches the server, its logs or its statistics.
 * A copy of `scramVerifier` in ../postgres-scram.ts, which a serialized
 * provider cannot call; computed inside the provider and never kept in
 * state, so its salt may be random.
 */
async function scramVerifier(password: string): Promise<string> {
  const crypto = await import("node:crypto");
  const iterations = 4096;
  const salt = crypto.randomBytes(16);
  const salted = crypto.pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = crypto.createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = crypto.createHash("sha256").update(clientKey).digest();
  const serverKey = crypto.createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

// ---------------------------------------------------------------- data directory

interface DataDirectoryInputs {
  directory: string;
  socketDirectory: string;
  binDir: string;
  runAs: string;
  /** Ancestors from here down to `directory` are made traversable (o+x) for `runAs`. */
  traverseFrom: string;
}

async function prepareDirectories(inputs: DataDirectoryInputs): Promise<void> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const ids = await idsFor(inputs.runAs);
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
      await runAsServerUser(inputs.runAs, "/usr/bin/test", ["-x", path.dirname(inputs.directory)]);
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

const dataDirectoryProvider: pulumi.dynamic.ResourceProvider<DataDirectoryInputs, { directory: string; socketDirectory: string }> = {
  async create(inputs) {
    const fs = await import("node:fs/promises");
    await prepareDirectories(inputs);
    let initialized = true;
    try {
      await fs.access(`${inputs.directory}/PG_VERSION`);
    } catch {
      initialized = false;
    }
    // A directory kept from an earlier deployment (retained data) is adopted, never re-initialized.
    if (!initialized) {
      await runAsServerUser(inputs.runAs, `${inputs.binDir}/initdb`, [
        "-D", inputs.directory, "--auth-local=peer", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions",
      ]);
    }
    return { id: inputs.directory, outs: { directory: inputs.directory, socketDirectory: inputs.socketDirectory } };
  },
  async read(id, props) {
    const fs = await import("node:fs/promises");
    try {
      await fs.access(`${id}/PG_VERSION`);
      return { id, props };
    } catch {
      return { id: "" };
    }
  },
  async diff(_id, olds, news) {
    const moved = olds.directory !== news.directory || olds.socketDirectory !== news.socketDirectory;
    return moved ? { changes: true, replaces: ["directory"], deleteBeforeReplace: true } : {};
  },
  async update(_id, _olds, news) {
    await prepareDirectories(news);
    return { outs: { directory: news.directory, socketDirectory: news.socketDirectory } };
  },
  async delete(id, props) {
    // Reached only in dev stacks: elsewhere the resource is protected and retained.
    const fs = await import("node:fs/promises");
    await fs.rm(id, { recursive: true, force: true });
    await fs.rm(props.socketDirectory, { recursive: true, force: true });
  },
};

/** A PostgreSQL data directory made by initdb (peer auth on the socket, SCRAM over TCP). Holds data: protect it outside dev. */
export class PostgresDataDirectory extends pulumi.dynamic.Resource {
  declare readonly directory: pulumi.Output<string>;
  declare readonly socketDirectory: pulumi.Output<string>;

  constructor(name: string, args: pulumi.Inputs & { [K in keyof DataDirectoryInputs]: pulumi.Input<DataDirectoryInputs[K]> }, opts?: pulumi.CustomResourceOptions) {
    super(dataDirectoryProvider, name, args, opts, "strata-local", "PostgresDataDirectory");
  }
}

// ---------------------------------------------------------------- database and owner role

interface DatabaseInputs {
  access: PostgresAdminAccess;
  database: string;
  owner: string;
  ownerPassword: string;
}

async function ensureDatabase(inputs: DatabaseInputs): Promise<void> {
  const verifier = await scramVerifier(inputs.ownerPassword);
  const owner = quoteIdent(inputs.owner);
  const exists = await psql(inputs.access, "postgres", `SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(inputs.owner)}`);
  await psql(
    inputs.access,
    "postgres",
    exists.trim() === "1"
      ? `ALTER ROLE ${owner} LOGIN PASSWORD ${quoteLiteral(verifier)};`
      : `CREATE ROLE ${owner} LOGIN PASSWORD ${quoteLiteral(verifier)};`,
  );
  const hasDb = await psql(inputs.access, "postgres", `SELECT 1 FROM pg_database WHERE datname = ${quoteLiteral(inputs.database)}`);
  if (hasDb.trim() !== "1") {
    // CREATE DATABASE cannot run inside a transaction block: one statement, alone.
    const { access } = inputs;
    await runAsServerUser(access.runAs, `${access.binDir}/psql`, [
      "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", access.socketDirectory, "-p", String(access.port), "-d", "postgres",
      "-c", `CREATE DATABASE ${quoteIdent(inputs.database)} OWNER ${owner}`,
    ]);
  }
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

type DatabaseOutputs = { database: string; owner: string; access: PostgresAdminAccess };

const databaseProvider: pulumi.dynamic.ResourceProvider<DatabaseInputs, DatabaseOutputs> = {
  async create(inputs) {
    await ensureDatabase(inputs);
    return { id: inputs.database, outs: { database: inputs.database, owner: inputs.owner, access: inputs.access } };
  },
  async diff(_id, olds, news) {
    if (olds.database !== news.database || olds.owner !== news.owner) {
      return { changes: true, replaces: ["database"], deleteBeforeReplace: true };
    }
    return {};
  },
  async update(_id, _olds, news) {
    await ensureDatabase(news);
    return { outs: { database: news.database, owner: news.owner, access: news.access } };
  },
  async delete(_id, inputs) {
    // Reached only in dev stacks: elsewhere the resource is protected and retained.
    try {
      await runAsServerUser(inputs.access.runAs, `${inputs.access.binDir}/psql`, [
        "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", inputs.access.socketDirectory, "-p", String(inputs.access.port), "-d", "postgres",
        "-c", `DROP DATABASE IF EXISTS ${quoteIdent(inputs.database)} WITH (FORCE)`,
        "-c", `DROP ROLE IF EXISTS ${quoteIdent(inputs.owner)}`,
      ]);
    } catch (error) {
      // The server (and its data directory) may already be gone in the same destroy.
      if (!/could not connect|No such file|connection to server/i.test(String(error))) throw error;
    }
  },
};

/** A database and its owner role (LOGIN, SCRAM password) on a local PostgreSQL server. */
export class PostgresDatabase extends pulumi.dynamic.Resource {
  declare readonly database: pulumi.Output<string>;
  declare readonly owner: pulumi.Output<string>;

  constructor(
    name: string,
    args: { access: pulumi.Input<PostgresAdminAccess>; database: pulumi.Input<string>; owner: pulumi.Input<string>; ownerPassword: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      databaseProvider,
      name,
      { access: args.access, database: args.database, owner: args.owner, ownerPassword: pulumi.secret(args.ownerPassword) },
      opts,
      "strata-local",
      "PostgresDatabase",
    );
  }
}

// ---------------------------------------------------------------- migrations

/** One ordered SQL migration. */
export interface Migration {
  /** Unique, stable id; migrations are applied in the order given. */
  id: string;
  /** SQL run as the database owner, in one transaction. */
  sql: string;
}

interface MigrationsInputs {
  access: PostgresAdminAccess;
  database: string;
  owner: string;
  migrations: Migration[];
  /** Names the primitive in errors, e.g. `Database "warehouse"`. */
  label: string;
}

async function checksum(sql: string): Promise<string> {
  const crypto = await import("node:crypto");
  return crypto.createHash("sha256").update(sql).digest("hex");
}

async function applyMigrations(inputs: MigrationsInputs): Promise<string[]> {
  const rows = await psql(inputs.access, inputs.database, "SELECT id || ' ' || checksum FROM public.strata_migrations ORDER BY applied_at, id");
  const applied = new Map(rows.trim().split("\n").filter(Boolean).map((line) => line.split(" ") as [string, string]));
  for (const [index, migration] of inputs.migrations.entries()) {
    const sum = await checksum(migration.sql);
    const recorded = applied.get(migration.id);
    if (recorded !== undefined) {
      if (recorded !== sum) {
        throw new Error(
          `${inputs.label}: migrations[${index}] (id "${migration.id}") was changed after it was applied. ` +
            `Fix: restore its SQL and add a new migration for the change`,
        );
      }
      continue;
    }
    const script = [
      `SET ROLE ${quoteIdent(inputs.owner)};`,
      migration.sql.trim().replace(/;?\s*$/, ";"),
      "RESET ROLE;",
      `INSERT INTO public.strata_migrations (id, checksum) VALUES (${quoteLiteral(migration.id)}, ${quoteLiteral(sum)});`,
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
  return inputs.migrations.map((m) => m.id);
}

const migrationsProvider: pulumi.dynamic.ResourceProvider<MigrationsInputs, { applied: string[] }> = {
  async create(inputs) {
    return { id: `${inputs.database}-migrations`, outs: { applied: await applyMigrations(inputs) } };
  },
  async update(_id, _olds, news) {
    return { outs: { applied: await applyMigrations(news) } };
  },
  // No delete: the schema lives in the database; dropping the database is the Database's job.
};

/**
 * Ordered SQL migrations, each applied once in its own transaction and
 * recorded in `public.strata_migrations` with its checksum. A failing
 * migration rolls back alone; an applied one that changed is refused.
 */
export class PostgresMigrations extends pulumi.dynamic.Resource {
  declare readonly applied: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: { access: pulumi.Input<PostgresAdminAccess>; database: pulumi.Input<string>; owner: pulumi.Input<string>; migrations: Migration[]; label: string },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(migrationsProvider, name, { ...args, applied: undefined }, opts, "strata-local", "PostgresMigrations");
  }
}
