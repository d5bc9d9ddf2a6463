// The Kubernetes migrations Job's script (MIGRATE_SCRIPT) run with psql
// against a real PostgreSQL 15, as the Job runs it: connection from PG*
// variables, the owner's password as a SCRAM verifier, migrations as the
// ConfigMap's files (migrationFiles) in a folder. No Kubernetes involved.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Finished, POSTGRES_BIN, type TestPostgres, runProgram, startPostgres } from "../support/postgres.js";

const { MIGRATE_SCRIPT, migrationFiles } = await import("@strata/cloud-kernel");
const { scramVerifier } = await import("@strata/cloud-kernel");

const OWNER = "warehouse_owner";
const DATABASE = "warehouse";
const OWNER_PASSWORD = "owner-plaintext-pw-4e7b1d";
const CUSTOMERS = { id: "001_customers", sql: "CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);" };
const ORDERS = { id: "002_orders", sql: "CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id));" };

let pg: TestPostgres;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "strata-migrate-job-"));
const script = path.join(work, "migrate.sh");
const migrationsDir = path.join(work, "migrations");

beforeAll(async () => {
  // Every statement in the server's log: the place a plaintext password would show.
  pg = await startPostgres({ log_statement: "all" });
  fs.writeFileSync(script, MIGRATE_SCRIPT, { mode: 0o755 });
}, 60_000);

afterAll(async () => {
  await pg?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

/** The ConfigMap's files for `migrations`, and nothing else, in the migrations folder. */
function writeMigrations(migrations: Array<{ id: string; sql: string }>): void {
  fs.rmSync(migrationsDir, { recursive: true, force: true });
  fs.mkdirSync(migrationsDir);
  for (const [file, sql] of Object.entries(migrationFiles(migrations))) fs.writeFileSync(path.join(migrationsDir, file), sql);
}

/** Runs the script as the Job does: /bin/sh, PG* for the administrator, the owner's verifier. */
function migrate(verifier = scramVerifier(OWNER_PASSWORD, OWNER)): Promise<Finished> {
  return runProgram("/bin/sh", [script], {
    PATH: `${POSTGRES_BIN}:/usr/bin:/bin`,
    ...pg.adminEnv(),
    DATABASE,
    OWNER,
    OWNER_PASSWORD_VERIFIER: verifier,
    MIGRATIONS_DIR: migrationsDir,
  });
}

/** strata_migrations as rows, oldest first. */
async function recorded(): Promise<Array<{ id: string; checksum: string; appliedAt: string }>> {
  const query = "SELECT id, checksum, applied_at FROM strata_migrations ORDER BY applied_at, id";
  const result = await pg.psql(["-d", DATABASE, "-tA", "-F", "|", "-c", query]);
  expect(result.stderr).toBe("");
  return result.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [id, checksum, appliedAt] = line.split("|");
      return { id: id!, checksum: checksum!, appliedAt: appliedAt! };
    });
}

async function tables(): Promise<string[]> {
  const query = "SELECT tablename || ' ' || tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY 1";
  const result = await pg.psql(["-d", DATABASE, "-tA", "-c", query]);
  return result.stdout.trim().split("\n").filter(Boolean);
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("the migrations Job's script against PostgreSQL 15", () => {
  test("creates the owner and database, applies both migrations and records their sha256 checksums", async () => {
    writeMigrations([CUSTOMERS, ORDERS]);
    const run = await migrate();
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout.split("\n").filter((line) => line.startsWith("applying"))).toEqual(["applying 001_customers", "applying 002_orders"]);
    expect((await recorded()).map(({ id, checksum }) => ({ id, checksum }))).toEqual([
      { id: "001_customers", checksum: sha256(CUSTOMERS.sql) },
      { id: "002_orders", checksum: sha256(ORDERS.sql) },
    ]);
    expect(await tables()).toEqual([`customers ${OWNER}`, `orders ${OWNER}`, `strata_migrations ${OWNER}`]);
  });

  test("the owner logs in over TCP with the plaintext password; the server only ever saw the verifier", async () => {
    // The log holds every statement (log_statement=all), the ALTER ROLE among them: the plaintext would be seen.
    const log = pg.log();
    expect(log).not.toContain(OWNER_PASSWORD);
    expect(log).toContain(`statement: ALTER ROLE ${OWNER} LOGIN PASSWORD 'SCRAM-SHA-256$4096:`);

    const asOwner = (password: string) =>
      pg.psql(["-d", DATABASE, "-tA", "-c", "SELECT current_user"], { PGUSER: OWNER, PGPASSWORD: password, PGSSLMODE: "disable" });
    const login = await asOwner(OWNER_PASSWORD);
    expect(login, login.stderr).toMatchObject({ code: 0, stdout: `${OWNER}\n` });
    // SCRAM really checks the password (pg_hba from initdb: scram-sha-256 on TCP).
    const wrong = await asOwner(`${OWNER_PASSWORD}-not`);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(`password authentication failed for user "${OWNER}"`);
    const stored = await pg.psql(["-d", "postgres", "-tA", "-c", `SELECT rolpassword FROM pg_authid WHERE rolname = '${OWNER}'`]);
    expect(stored.stdout.trim()).toBe(scramVerifier(OWNER_PASSWORD, OWNER));
  });

  test("a plaintext password in place of the verifier is refused before anything reaches the server", async () => {
    const before = pg.log().length;
    const run = await migrate(OWNER_PASSWORD);
    expect(run).toMatchObject({ code: 1, stdout: "", stderr: "OWNER_PASSWORD_VERIFIER is not a SCRAM-SHA-256 verifier\n" });
    expect(pg.log().slice(before)).not.toContain(OWNER_PASSWORD);
  });

  test("a second run with the same migrations changes nothing", async () => {
    const before = await recorded();
    const run = await migrate();
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).not.toContain("applying");
    expect(await recorded()).toEqual(before);
  });

  test("an applied migration that was changed is refused, and no new migration is applied", async () => {
    const before = await recorded();
    const refunds = { id: "003_refunds", sql: "CREATE TABLE refunds (id int PRIMARY KEY);" };
    // The new migration is listed before the changed one (its file sorts first, as when a migration is
    // inserted in the middle): checking as it goes would apply it before noticing the change.
    const changed = `${ORDERS.sql}\nALTER TABLE orders ADD COLUMN amount int;`;
    writeMigrations([CUSTOMERS, refunds, { ...ORDERS, sql: changed }]);
    const run = await migrate();
    expect(run.code).toBe(1);
    // psql's notices come first (the role and the table exist already); the refusal is the last line.
    expect(run.stderr.trim().split("\n").at(-1)).toBe(
      `migration 002_orders was changed after it was applied (recorded ${sha256(ORDERS.sql)}, now ${sha256(changed)}): ` +
        "add a new migration instead",
    );
    expect(run.stdout).not.toContain("applying");
    expect(await recorded()).toEqual(before);
    expect(await tables()).toEqual([`customers ${OWNER}`, `orders ${OWNER}`, `strata_migrations ${OWNER}`]);
  });
});
