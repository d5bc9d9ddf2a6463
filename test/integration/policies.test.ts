// Overlapping policies, masks and filters on real Trino and PostgreSQL, for
// users who are members of groups. Every expected row is written by hand
// (hashes computed with node:crypto), not read back from the compiler.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Cluster, Compute, Database, Policy, type PolicyArgs, Secret, TrinoQueryError, strataProgram } from "@strata/user-kernel";
import { TestStack } from "../support/engine.js";
import { type Connection, clusterConnection, connectionFromResult, sessionAs } from "../support/logins.js";
import { POSTGRES_BIN, runProgram } from "../support/postgres.js";

const PASSWORD = "pw-policies-Zq81mVt4";

const SEED = `
CREATE TABLE salaries (
  id integer PRIMARY KEY, name text NOT NULL, email varchar(40) NOT NULL, code text NOT NULL,
  band integer NOT NULL, amount numeric(10,2) NOT NULL, hired date NOT NULL, updated timestamp NOT NULL, region text NOT NULL);
INSERT INTO salaries VALUES
  (1, 'Ana',  'ana@corp.eu',  'A-1', 1, 1200.50, '2020-03-04', '2024-01-02 10:11:12', 'EU'),
  (2, 'Ben',  'ben@corp.us',  'B-2', 3, 2500.00, '2019-07-01', '2024-02-03 08:00:00', 'US'),
  (3, 'Cleo', 'cleo@corp.eu', 'C-3', 5, 4100.75, '2021-11-30', '2024-03-04 23:59:59', 'EU'),
  (4, 'Dan',  'dan@corp.eu',  'D-4', 7, 8300.00, '2018-01-15', '2024-04-05 12:00:00', 'EU');
CREATE TABLE orders (id integer PRIMARY KEY, total integer NOT NULL);
INSERT INTO orders VALUES (10, 250), (11, 990);
CREATE SCHEMA finance;
CREATE TABLE finance.ledger (id integer PRIMARY KEY, amount integer NOT NULL);
INSERT INTO finance.ledger VALUES (1, 100);
`;

// A second database on the same server, opened one table at a time.
const CRM_SEED = `
CREATE TABLE accounts (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO accounts VALUES (1, 'Acme');
CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL);
INSERT INTO notes VALUES (1, 'call back');
`;

const SALARIES = { depot: "hr", schema: "public", table: "salaries" } as const;

const GROUPS = {
  analysts: ["ann", "raj"],
  interns: ["fay", "ida"],
  contractors: ["bob"],
  readers: ["cy", "dee"],
  blocked: ["cy"],
  writers: ["dee"],
  auditors: ["eve"],
  maskers: ["max"],
  eu: ["gil"],
  fulltime: ["gil"],
  owners: ["olga"],
  staff: ["ivy"],
};

const POLICIES: Record<string, PolicyArgs> = {
  // Case 1: ann's own deny on salaries beats her group's allow with a row filter.
  analysts: {
    access: [{ groups: ["analysts"], depot: "hr", access: "read" }],
    filters: [{ groups: ["analysts"], ...SALARIES, where: "band < 5" }],
    masks: [{ groups: ["analysts"], ...SALARIES, column: "email", mask: "email" }],
  },
  ann: {
    access: [
      { users: ["ann"], depot: "hr", access: "read" },
      { users: ["ann"], ...SALARIES, access: "none" },
    ],
  },
  // Case 2: bob's own allow does not beat his group's deny on the same table.
  contractors: {
    access: [
      { groups: ["contractors"], depot: "hr", access: "read" },
      { groups: ["contractors"], ...SALARIES, access: "none" },
    ],
  },
  bob: { access: [{ users: ["bob"], ...SALARIES, access: "read" }] },
  // Case 3: two groups disagree: a deny wins (cy); two allows give the wider (dee writes).
  readers: {
    access: [
      { groups: ["readers"], ...SALARIES, access: "read" },
      { groups: ["blocked"], ...SALARIES, access: "none" },
      { groups: ["writers"], ...SALARIES, access: "write" },
    ],
  },
  // Case 4: a table rule beats a depot rule whatever its subject: eve's table allow, her group's depot deny.
  auditors: {
    access: [
      { groups: ["auditors"], depot: "hr", access: "none" },
      { users: ["eve"], ...SALARIES, access: "read" },
    ],
  },
  // Case 5: a masked group with a user-specific grant: the group may not read salaries, fay may; its mask and filter follow her.
  interns: {
    access: [{ groups: ["interns"], depot: "hr", schema: "public", table: "orders", access: "read" }],
    masks: [{ groups: ["interns"], ...SALARIES, column: "email", mask: "email" }],
    filters: [{ groups: ["interns"], ...SALARIES, where: "band < 5" }],
  },
  fay: { access: [{ users: ["fay"], ...SALARIES, access: "write" }] },
  // Every mask kind on typed columns.
  maskers: {
    access: [{ groups: ["maskers"], ...SALARIES, access: "read" }],
    masks: [
      { groups: ["maskers"], ...SALARIES, column: "name", mask: "redact" },
      { groups: ["maskers"], ...SALARIES, column: "email", mask: "email" },
      { groups: ["maskers"], ...SALARIES, column: "code", mask: "hash" },
      { groups: ["maskers"], ...SALARIES, column: "band", mask: "null" },
      { groups: ["maskers"], ...SALARIES, column: "amount", mask: { sql: "CAST(round(amount, -3) AS decimal(10,2))" } },
      { groups: ["maskers"], ...SALARIES, column: "hired", mask: { sql: "date_trunc('year', hired)" } },
      { groups: ["maskers"], ...SALARIES, column: "updated", mask: "null" },
    ],
  },
  // Filters of two policies merge (AND) for a user in both groups.
  regions: {
    access: [{ groups: ["eu"], ...SALARIES, access: "read" }],
    filters: [{ groups: ["eu"], ...SALARIES, where: "region = 'EU'" }],
  },
  tenure: { filters: [{ groups: ["fulltime"], ...SALARIES, where: "band >= 2" }] },
  // `all` on a schema owns it; a schema deny hides a whole schema.
  owners: { access: [{ groups: ["owners"], depot: "hr", schema: "public", access: "all" }] },
  // `write` on a schema: its tables (new ones included), not the schema itself.
  wes: { access: [{ users: ["wes"], depot: "hr", schema: "public", access: "write" }] },
  staff: {
    access: [
      { groups: ["staff"], depot: "hr", access: "read" },
      { groups: ["staff"], depot: "hr", schema: "finance", access: "none" },
    ],
  },
};

// Turned by tests between deployments; the program reads it on every run.
const knobs: { extra: Record<string, PolicyArgs>; crmTable: string } = { extra: {}, crmTable: "accounts" };

const program = strataProgram(() => {
  const password = new Secret("hr-password", { value: new pulumi.Config().requireSecret("password") });
  const hr = new Database("hr", { password, migrations: [{ id: "001_seed", sql: SEED }] });
  if (hr.native.kind !== "local") throw new Error("this test deploys to the local target");
  const crm = new Database("crm", { password, server: hr.native.server, migrations: [{ id: "001_seed", sql: CRM_SEED }] });
  const crmPolicy: PolicyArgs = { access: [{ users: ["ann"], depot: "crm", schema: "public", table: knobs.crmTable, access: "read" }] };
  const policies = Object.entries({ ...POLICIES, crm: crmPolicy, ...knobs.extra }).map(([name, args]) => new Policy(name, args));
  const cluster = new Cluster("governed", {
    compute: new Compute("governed-compute", { memoryMb: 1536 }),
    depots: [hr.depot, crm.depot],
    policies,
    groups: GROUPS,
    users: { guest: "generate" },
  });
  if (cluster.native.kind !== "local") throw new Error("this test deploys to the local target");
  const roles = cluster.native.depotRoles;
  return {
    ...clusterConnection(cluster),
    rulesFile: cluster.native.rulesFile,
    postgres: { host: crm.host, port: crm.port },
    roles: Object.fromEntries(Object.entries(roles).map(([catalog, r]) => [catalog, { role: r.role.role, passwordFile: r.password.file }])),
  };
});

const stack = new TestStack("strata-it-policies", program);
const config = { password: { value: PASSWORD, secret: true } };
let connection: Connection = { endpoint: "" };
let rulesFile = "";
let postgres = { host: "", port: 0 };
let roles: Record<string, { role: string; passwordFile: string }> = {};

const query = (user: string, sql: string) => sessionAs(connection, user).query(sql);
const rows = async (user: string, sql: string) => (await query(user, sql)).rows;
async function denied(user: string, sql: string): Promise<string> {
  const error = await query(user, sql).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `${user}: ${sql}`).toBeInstanceOf(TrinoQueryError);
  return (error as TrinoQueryError).errorName;
}
const ALL = "SELECT id, name, email, band, region FROM hr.public.salaries ORDER BY id";
const upper = (text: string) => createHash("sha256").update(text, "utf8").digest("hex").toUpperCase();

beforeAll(async () => {
  const result = await stack.run("up", config);
  connection = connectionFromResult(result.outputs);
  rulesFile = result.outputs.rulesFile!.value as string;
  postgres = result.outputs.postgres!.value as typeof postgres;
  roles = result.outputs.roles!.value as typeof roles;
});

/** Runs SQL in `database` as the role the Cluster reads `catalog` with, over TLS with its own password: the first error, or the rows. */
async function asClusterRole(catalog: string, database: string, sql: string): Promise<{ ok: boolean; out: string }> {
  const { role, passwordFile } = roles[catalog]!;
  const result = await runProgram(`${POSTGRES_BIN}/psql`, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], {
    ...process.env,
    PGHOST: postgres.host,
    PGPORT: String(postgres.port),
    PGDATABASE: database,
    PGUSER: role,
    PGPASSWORD: fs.readFileSync(passwordFile, "utf8"),
    PGSSLMODE: "verify-full",
    PGSSLROOTCERT: connection.caFile!,
  });
  return { ok: result.code === 0, out: (result.code === 0 ? result.stdout : result.stderr).trim() };
}

afterAll(async () => {
  // Whatever happened above, leave no process behind.
  await stack.run("destroy").catch(() => undefined);
  stack.remove();
});

describe("overlapping policies on real Trino, for users in groups", () => {
  test("a user's deny beats the group's allow with a row filter; the group's other members see the filtered rows", async () => {
    expect(await denied("ann", ALL)).toBe("PERMISSION_DENIED");
    expect(await rows("ann", "SELECT id, total FROM hr.public.orders ORDER BY id")).toEqual([
      [10, 250],
      [11, 990],
    ]);
    expect(await rows("raj", ALL)).toEqual([
      [1, "Ana", "***@corp.eu", 1, "EU"],
      [2, "Ben", "***@corp.us", 3, "US"],
    ]);
  });

  test("a user's allow does not beat the group's deny on the same table", async () => {
    expect(await denied("bob", ALL)).toBe("PERMISSION_DENIED");
    expect(await rows("bob", "SELECT count(*) FROM hr.public.orders")).toEqual([[2n]]);
  });

  test("two groups that disagree: a deny wins; two allows give the wider", async () => {
    expect(await denied("cy", ALL)).toBe("PERMISSION_DENIED");
    expect((await rows("dee", ALL)).map((r) => r[0])).toEqual([1, 2, 3, 4]);
    await query(
      "dee",
      "INSERT INTO hr.public.salaries VALUES (9, 'Tmp', 't@corp.eu', 'T-9', 2, 1.00, DATE '2024-01-01', TIMESTAMP '2024-01-01 00:00:00', 'EU')",
    );
    expect(await rows("dee", "SELECT name FROM hr.public.salaries WHERE id = 9")).toEqual([["Tmp"]]);
    await query("dee", "DELETE FROM hr.public.salaries WHERE id = 9");
    expect(await rows("dee", "SELECT count(*) FROM hr.public.salaries")).toEqual([[4n]]);
    // A reader may not write.
    expect(await denied("cy", "DELETE FROM hr.public.salaries WHERE id = 1")).toBe("PERMISSION_DENIED");
  });

  test("a table rule beats a depot rule: eve reads salaries, nothing else of the depot", async () => {
    expect((await rows("eve", ALL)).map((r) => r[0])).toEqual([1, 2, 3, 4]);
    expect(await denied("eve", "SELECT * FROM hr.public.orders")).toBe("PERMISSION_DENIED");
  });

  test("a masked group with a user-specific grant: fay's grant opens the table, her group's mask and filter still apply", async () => {
    expect(await rows("fay", ALL)).toEqual([
      [1, "Ana", "***@corp.eu", 1, "EU"],
      [2, "Ben", "***@corp.us", 3, "US"],
    ]);
    // Her group alone does not open it.
    expect(await denied("ida", ALL)).toBe("PERMISSION_DENIED");
    expect(await rows("ida", "SELECT count(*) FROM hr.public.orders")).toEqual([[2n]]);
    // Trino refuses writes to a table with a column mask for the writer, whatever the grant.
    expect(
      await denied(
        "fay",
        "INSERT INTO hr.public.salaries VALUES (8, 'Fay', 'fay@corp.eu', 'F-8', 1, 10.00, DATE '2024-01-01', TIMESTAMP '2024-01-01 00:00:00', 'EU')",
      ),
    ).toBe("NOT_SUPPORTED");
  });
});

describe("masks and filters on typed columns", () => {
  test("every mask kind: redact and email on text, hash on text, null on integer and timestamp, SQL on decimal and date", async () => {
    const result = await rows(
      "max",
      "SELECT id, name, email, code, band, amount, hired, updated, region FROM hr.public.salaries ORDER BY id",
    );
    expect(result).toEqual([
      [1, "****", "***@corp.eu", upper("A-1"), null, "1000.00", "2020-01-01", null, "EU"],
      [2, "****", "***@corp.us", upper("B-2"), null, "3000.00", "2019-01-01", null, "US"],
      [3, "****", "***@corp.eu", upper("C-3"), null, "4000.00", "2021-01-01", null, "EU"],
      [4, "****", "***@corp.eu", upper("D-4"), null, "8000.00", "2018-01-01", null, "EU"],
    ]);
  });

  test("filters of two policies merge: region EU and band >= 2", async () => {
    expect((await rows("gil", ALL)).map((r) => r[0])).toEqual([3, 4]);
  });

  test("`all` on a schema: create and drop a table and a schema; `write` creates tables (CREATE TABLE AS) but no schema; `read` neither", async () => {
    await query("olga", "CREATE TABLE hr.public.scratch (id integer)");
    await query("olga", "INSERT INTO hr.public.scratch VALUES (1)");
    expect(await rows("olga", "SELECT id FROM hr.public.scratch")).toEqual([[1]]);
    await query("olga", "DROP TABLE hr.public.scratch");
    await query("wes", "CREATE TABLE hr.public.scratch2 AS SELECT id FROM hr.public.orders");
    await query("wes", "INSERT INTO hr.public.scratch2 VALUES (7)");
    expect(await rows("wes", "SELECT count(*) FROM hr.public.scratch2")).toEqual([[3n]]);
    await query("wes", "DROP TABLE hr.public.scratch2");
    expect(await denied("wes", "CREATE SCHEMA hr.scratch")).toBe("PERMISSION_DENIED");
    expect(await denied("ivy", "CREATE TABLE hr.public.scratch3 (id integer)")).toBe("PERMISSION_DENIED");
  });

  test("a schema deny hides the schema; a table deny the table; nobody else gets in", async () => {
    expect(await denied("ivy", "SELECT * FROM hr.finance.ledger")).toBe("PERMISSION_DENIED");
    expect(await rows("ivy", "SELECT count(*) FROM hr.public.orders")).toEqual([[2n]]);
    expect(await rows("olga", "SELECT count(*) FROM hr.public.orders")).toEqual([[2n]]);
    expect(await denied("olga", "SELECT * FROM hr.finance.ledger")).toBe("PERMISSION_DENIED");
    expect(await denied("guest", "SELECT 1 FROM hr.public.orders")).toBe("PERMISSION_DENIED");
  });
});

describe("the Cluster reads each Database with a role of its own, granted only what its Policies allow", () => {
  test("Trino's catalogs log in as the Cluster's roles, not as the databases' owners", () => {
    expect(roles.hr!.role).toBe("hr_governed");
    expect(roles.crm!.role).toBe("crm_governed");
    const catalogs = `${rulesFile.replace(/rules\.json$/, "")}catalog`;
    expect(fs.readFileSync(`${catalogs}/crm.properties`, "utf8")).toContain("connection-user=crm_governed\n");
    expect(fs.readFileSync(`${catalogs}/hr.properties`, "utf8")).toContain("connection-user=hr_governed\n");
    expect(fs.statSync(roles.crm!.passwordFile).mode & 0o777).toBe(0o600);
  });

  test("hr: read on every schema (several groups), writes only where a write or all rule is; crm: the one table", async () => {
    expect(await asClusterRole("hr", "hr", "SELECT amount FROM finance.ledger")).toEqual({ ok: true, out: "100" });
    expect((await asClusterRole("hr", "hr", "INSERT INTO finance.ledger VALUES (2, 1)")).out).toMatch(/permission denied for table ledger/);
    expect((await asClusterRole("hr", "hr", "CREATE SCHEMA scratch")).out).toMatch(/permission denied for database "?hr"?/);
    expect(await asClusterRole("hr", "hr", "BEGIN; DELETE FROM public.orders; ROLLBACK")).toMatchObject({ ok: true });
    expect(await asClusterRole("crm", "crm", "SELECT name FROM public.accounts")).toEqual({ ok: true, out: "Acme" });
    expect((await asClusterRole("crm", "crm", "SELECT body FROM public.notes")).out).toMatch(/permission denied for table notes/);
    expect((await asClusterRole("crm", "hr", "SELECT 1")).out).toMatch(/permission denied for database "?hr"?/);
    expect(await rows("ann", "SELECT name FROM crm.public.accounts")).toEqual([["Acme"]]);
  });

  test("a Policy that opens another table instead: the role gains it and loses the first, at the same deployment", async () => {
    knobs.crmTable = "notes";
    await stack.run("up", config);
    expect(await asClusterRole("crm", "crm", "SELECT body FROM public.notes")).toEqual({ ok: true, out: "call back" });
    expect((await asClusterRole("crm", "crm", "SELECT name FROM public.accounts")).out).toMatch(/permission denied for table accounts/);
    expect(await rows("ann", "SELECT body FROM crm.public.notes")).toEqual([["call back"]]);
  });
});

describe("a mask whose type differs from its column's fails at preview, not at query time", () => {
  async function refusedAtPreview(extra: Record<string, PolicyArgs>, message: RegExp): Promise<void> {
    const before = fs.readFileSync(rulesFile, "utf8");
    knobs.extra = extra;
    try {
      await expect(stack.run("preview", config)).rejects.toThrow(message);
      // The preview-first `up` refuses it too, and nothing changes.
      await expect(stack.run("up", config)).rejects.toThrow(message);
      expect(fs.readFileSync(rulesFile, "utf8")).toBe(before);
    } finally {
      knobs.extra = {};
    }
  }

  test("a text mask on an integer column", async () => {
    await refusedAtPreview(
      {
        wrong: {
          access: [{ users: ["wes"], ...SALARIES, access: "read" }],
          masks: [{ users: ["wes"], ...SALARIES, column: "band", mask: "redact" }],
        },
      },
      /Policy "wrong": masks\[0\]\.mask="redact" produces text, but hr\.public\.salaries\.band is integer, and Trino refuses a mask of another type\. Fix: use mask "null", or \{ sql: "\.\.\." \} returning integer/,
    );
  });

  test("a SQL mask returning text on a date column", async () => {
    await refusedAtPreview(
      {
        wrong: {
          access: [{ users: ["wes"], ...SALARIES, access: "read" }],
          masks: [{ users: ["wes"], ...SALARIES, column: "hired", mask: { sql: "CAST(hired AS varchar)" } }],
        },
      },
      /Policy "wrong": masks\[0\]\.mask="CAST\(hired AS varchar\)" is of type varchar, but hr\.public\.salaries\.hired is date, and Trino refuses a mask of another type\. Fix: return date/,
    );
  });

  test("after the refusals the stack is unchanged: a preview shows no change", async () => {
    const result = await stack.run("preview", config);
    expect(Object.keys(result.changes).filter((k) => k !== "same")).toEqual([]);
    expect(await rows("raj", "SELECT count(*) FROM hr.public.salaries")).toEqual([[2n]]);
  });
});
