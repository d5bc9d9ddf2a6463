// The role a Cluster reads a local Database with, on a real PostgreSQL 15:
// the provider's create, update, read and delete, and what the role can and
// cannot do afterwards, asked of the server as that role over TCP. Each
// expectation is PostgreSQL's own answer, never the generated SQL.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { POSTGRES_BIN, type TestPostgres, startPostgres } from "../support/postgres.js";
import {
  type DepotRoleInputs,
  type DepotRoleOutputs,
  type PostgresAdminAccess,
  PostgresDatabase,
  PostgresDepotRole,
  type PostgresGrant,
} from "../../packages/cloud-kernel/dist/provider/postgres.js";

const OWNER = "shop_owner";
const ROLE = "shop_analytics";
const ROLE_PASSWORD = "role-pw-8TqLx2";
const OWNER_PASSWORD = "owner-pw-Vn31aa";

let server: TestPostgres;
let access: PostgresAdminAccess;
let outputs: DepotRoleOutputs;

const inputs = (grants: PostgresGrant[], migrations: string[] = ["001"]): DepotRoleInputs => ({
  access,
  database: "shop",
  owner: OWNER,
  role: ROLE,
  password: ROLE_PASSWORD,
  grants,
  migrations,
});

/** Runs SQL as `user` over TCP with its password (SCRAM); the first error's message, or the rows. */
async function as(user: string, password: string, sql: string): Promise<{ ok: boolean; out: string }> {
  const result = await server.psql(["-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", "shop", "-c", sql], {
    PGUSER: user,
    PGPASSWORD: password,
  });
  return { ok: result.code === 0, out: (result.code === 0 ? result.stdout : result.stderr).trim() };
}
const asRole = (sql: string) => as(ROLE, ROLE_PASSWORD, sql);
const asOwner = (sql: string) => as(OWNER, OWNER_PASSWORD, sql);
async function allowed(sql: string): Promise<string> {
  const result = await asRole(sql);
  expect(result, sql).toMatchObject({ ok: true });
  return result.out;
}
async function refused(sql: string): Promise<void> {
  const result = await asRole(sql);
  expect(result.ok, sql).toBe(false);
  expect(result.out, sql).toMatch(/permission denied/);
}

beforeAll(async () => {
  server = await startPostgres();
  access = { binDir: POSTGRES_BIN, socketDirectory: server.socketDirectory, port: server.port, runAs: server.runAs };
  await PostgresDatabase.create!({ access, database: "shop", owner: OWNER, ownerPassword: OWNER_PASSWORD });
  const seed = await asOwner(
    `CREATE TABLE public.accounts (id int PRIMARY KEY, name text);
     INSERT INTO public.accounts VALUES (1, 'a');
     CREATE TABLE public.notes (id serial PRIMARY KEY, body text);
     INSERT INTO public.notes (body) VALUES ('n');
     CREATE SCHEMA finance;
     CREATE TABLE finance.ledger (id int PRIMARY KEY, amount int);
     INSERT INTO finance.ledger VALUES (1, 100);`,
  );
  expect(seed.ok, seed.out).toBe(true);
});

afterAll(async () => {
  await server?.stop();
});

describe("a Cluster's role on a local database has only its Policies' grants", () => {
  test("one table read: that table only; no other table, no write, no new table or schema", async () => {
    outputs = (await PostgresDepotRole.create!(inputs([{ schema: "public", table: "accounts", privileges: ["SELECT"] }]))).outs;
    expect(await allowed("SELECT name FROM public.accounts")).toBe("a");
    await refused("SELECT * FROM public.notes");
    await refused("SELECT * FROM finance.ledger");
    await refused("INSERT INTO public.accounts VALUES (2, 'b')");
    await refused("CREATE TABLE public.mine (id int)");
    await refused("CREATE SCHEMA scratch");
    // Catalog metadata stays readable (Trino lists tables and columns from it; so does the policy check).
    expect(
      await allowed(
        "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = 'ledger' AND a.attnum > 0",
      ),
    ).toBe("2");
    // The password reached the server as a SCRAM verifier.
    expect(
      (await server.psql(["-A", "-t", "-d", "shop", "-c", `SELECT rolpassword FROM pg_authid WHERE rolname = '${ROLE}'`])).stdout,
    ).toMatch(/^SCRAM-SHA-256\$4096:/);
  });

  test("write on a schema: its tables (serial ids too), tables the owner makes later, a table of its own; not the other schema", async () => {
    const grants: PostgresGrant[] = [
      { schema: "public", privileges: ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"], createTables: true },
    ];
    outputs = await PostgresDepotRole.update!("shop/shop_analytics", outputs, inputs(grants));
    expect(await allowed("INSERT INTO public.notes (body) VALUES ('via trino') RETURNING id")).toBe("2");
    expect(await allowed("SELECT count(*) FROM public.accounts")).toBe("1");
    await allowed("CREATE TABLE public.mine AS SELECT id FROM public.accounts");
    await refused("SELECT * FROM finance.ledger");
    await refused("CREATE SCHEMA scratch");
    // A migration's new table: granted by the owner's default privileges, without another deployment.
    expect((await asOwner("CREATE TABLE public.later (id int); INSERT INTO public.later VALUES (7)")).ok).toBe(true);
    expect(await allowed("SELECT id FROM public.later")).toBe("7");
  });

  test("fewer grants take back the rest; its own table stays its own", async () => {
    outputs = await PostgresDepotRole.update!(
      "shop/shop_analytics",
      outputs,
      inputs([{ schema: "finance", privileges: ["SELECT"] }], ["001", "002"]),
    );
    expect(await allowed("SELECT amount FROM finance.ledger")).toBe("100");
    await refused("SELECT * FROM public.accounts");
    await refused("SELECT * FROM public.later");
    await refused("INSERT INTO public.notes (body) VALUES ('x')");
    await refused("CREATE TABLE public.mine2 (id int)");
    await refused("CREATE TABLE finance.mine (id int)");
    expect(await allowed("SELECT count(*) FROM public.mine")).toBe("1");
    // The old default privileges are gone too: the owner's next table in public is not the role's.
    expect((await asOwner("CREATE TABLE public.latest (id int)")).ok).toBe(true);
    await refused("SELECT * FROM public.latest");
  });

  test("all on the whole depot: every schema, schemas made later, and making schemas", async () => {
    const all: PostgresGrant = {
      privileges: ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"],
      createTables: true,
      createSchemas: true,
    };
    outputs = await PostgresDepotRole.update!("shop/shop_analytics", outputs, inputs([all]));
    expect(await allowed("SELECT count(*) FROM public.latest")).toBe("0");
    expect((await asOwner("CREATE SCHEMA sales; CREATE TABLE sales.orders (id int); INSERT INTO sales.orders VALUES (3)")).ok).toBe(true);
    expect(await allowed("SELECT id FROM sales.orders")).toBe("3");
    await allowed("CREATE SCHEMA scratch; CREATE TABLE scratch.t (id int)");
  });

  test("read finds a role dropped by hand; delete hands the role's tables to the owner and keeps their rows", async () => {
    expect(await PostgresDepotRole.read!("shop/shop_analytics", outputs)).toEqual(outputs);
    await PostgresDepotRole.delete!("shop/shop_analytics", outputs);
    expect(
      (await server.psql(["-A", "-t", "-d", "shop", "-c", `SELECT count(*) FROM pg_roles WHERE rolname = '${ROLE}'`])).stdout.trim(),
    ).toBe("0");
    expect(await PostgresDepotRole.read!("shop/shop_analytics", outputs)).toBeUndefined();
    const owned = await asOwner("SELECT tableowner || ':' || (SELECT count(*) FROM public.mine) FROM pg_tables WHERE tablename = 'mine'");
    expect(owned).toEqual({ ok: true, out: `${OWNER}:1` });
    expect((await asOwner("SELECT count(*) FROM scratch.t")).ok).toBe(true);
  });
});
