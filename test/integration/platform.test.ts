import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, test } from "vitest";
import { Cluster, Compute, Database, Depot, Policy, Secret, TrinoQueryError, TrinoSession, strataProgram } from "@strata/user-kernel";
import type { Migration } from "@strata/core-kernel";
import { programHistory, programInfo, supervisorLog } from "@strata/user-kernel";
import { openStack } from "@strata/cli";
import { TestStack } from "../support/engine.js";

const PASSWORD = "pw-Lk29xQ7vRt4mZ8-plaintext";
const repo = path.resolve(import.meta.dirname, "..", "..");
const templateMigrations = path.join(repo, "stacks", "local", "migrations");
const seed: Migration[] = fs
  .readdirSync(templateMigrations)
  .sort()
  .map((f) => ({ id: f.replace(/\.sql$/, ""), sql: fs.readFileSync(path.join(templateMigrations, f), "utf8") }));

// Knobs the tests turn between deployments; the program reads them on every run.
const knobs = {
  analystRegion: "EU",
  migrations: [...seed],
  extraDepot: false,
  maskColumn: "email",
};

const QUERY = `
SELECT c.name, c.email, c.region, n.name AS nation, count(o.id) AS orders, sum(o.amount) AS amount
FROM warehouse.public.customers c
JOIN tpch.tiny.nation n ON n.nationkey = c.nation_key
LEFT JOIN warehouse.public.orders o ON o.customer_id = c.id
GROUP BY 1, 2, 3, 4 ORDER BY 1`;

const program = strataProgram(() => {
  const password = new Secret("warehouse-password", { value: new pulumi.Config().requireSecret("warehousePassword") });
  const warehouse = new Database("warehouse", { password, migrations: knobs.migrations });
  const tpch = new Depot("tpch", { source: { kind: "tpch" } });
  const depots = [warehouse.depot, tpch];
  if (knobs.extraDepot) depots.push(new Depot("scratch", { source: { kind: "memory" } }));
  const adminAccess = [
    { users: ["admin"], depot: "warehouse", access: "all" as const },
    { users: ["admin"], depot: "tpch", access: "read" as const },
  ];
  if (knobs.extraDepot) adminAccess.push({ users: ["admin"], depot: "scratch", access: "all" });
  const policies = [
    new Policy("admins", { access: adminAccess }),
    new Policy("analysts", {
      access: [
        { groups: ["analysts"], depot: "warehouse", access: "read" },
        { groups: ["analysts"], depot: "tpch", access: "read" },
      ],
      masks: [{ groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", column: knobs.maskColumn, mask: "email" }],
      filters: [
        { groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", where: `region = '${knobs.analystRegion}'` },
      ],
    }),
  ];
  const cluster = new Cluster("analytics", {
    compute: new Compute("analytics-compute", { memoryMb: 1536 }),
    depots,
    policies,
    groups: { analysts: ["analyst"] },
  });
  // The process and the rules file are the local target's own: read through the escape hatch.
  if (cluster.native.kind !== "local") throw new Error("this test deploys to the local target");
  return {
    endpoint: cluster.endpoint,
    pid: cluster.native.server.pid,
    catalogs: cluster.catalogs,
    postgresPort: warehouse.port,
    rulesFile: cluster.native.rulesFile,
  };
});

const stack = new TestStack("strata-it-platform", program);
const config = { warehousePassword: { value: PASSWORD, secret: true } };
let outputs: Record<string, unknown> = {};

async function up() {
  const result = await stack.run("up", config);
  outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
  return result;
}

/** The PostgreSQL server's pid, from its own pid file. */
const postmasterPid = () =>
  Number(fs.readFileSync(path.join(stack.dataDir, "postgres", "warehouse-server", "data", "postmaster.pid"), "utf8").split("\n")[0]);

/** Trino's pid as a refresh finds it. */
async function refreshedPid(): Promise<number | undefined> {
  await stack.run("refresh", config);
  const resources = ((await (await openStack(stack.target())).exportStack()).deployment?.resources ?? []) as {
    type: string;
    urn: string;
    outputs?: { pid?: number };
  }[];
  return resources.find((r) => r.type === "strata:local:Process" && r.urn.endsWith("::analytics-server"))?.outputs?.pid;
}

const query = (user: string, sql = QUERY) => new TrinoSession({ endpoint: outputs.endpoint as string, user }).query(sql);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

const alive = (pid: number) => {
  try {
    return !fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z");
  } catch {
    return false;
  }
};

async function eventually<T>(check: () => Promise<T>, accept: (value: T) => boolean, seconds = 20): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

afterAll(async () => {
  // Whatever happened above, leave no process behind.
  await stack.run("destroy").catch(() => undefined);
  stack.remove();
});

describe("the local data platform on the real engine, Trino and PostgreSQL", () => {
  test("up from nothing; one query joins the PostgreSQL and TPC-H depots", async () => {
    const result = await up();
    expect(result.changes.create).toBeGreaterThan(20);
    expect(outputs.catalogs).toEqual(["tpch", "warehouse"]);
    const admin = await query("admin");
    expect(admin.columns.map((c) => c.name)).toEqual(["name", "email", "region", "nation", "orders", "amount"]);
    expect(admin.rows).toHaveLength(8);
    expect(admin.rows[0]).toEqual(["Ada Lindqvist", "ada.lindqvist@example.co.uk", "EU", "UNITED KINGDOM", 2n, 17450n]);
  });

  test("analyst sees masked emails and EU rows only; guest is denied; admin sees all", async () => {
    const analyst = await query("analyst");
    expect(analyst.rows.map((r) => r[2])).toEqual(["EU", "EU", "EU", "EU"]);
    expect(analyst.rows.map((r) => r[1])).toEqual(["***@example.co.uk", "***@example.ro", "***@example.fr", "***@example.de"]);
    const denied = await query("guest").catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(TrinoQueryError);
    expect((denied as TrinoQueryError).errorName).toBe("PERMISSION_DENIED");
    const admin = await query("admin");
    expect(admin.rows.map((r) => r[1])).toContain("emily.carter@example.com");
  });

  test("BIGINT stays exact beyond 2^53", async () => {
    const result = await query("admin", "SELECT BIGINT '9007199254740993' AS big, 1 + 1 AS small");
    expect(result.rows).toEqual([[9007199254740993n, 2]]);
  });

  test("a policy change takes effect without restarting Trino", async () => {
    const pid = outputs.pid as number;
    knobs.analystRegion = "US";
    try {
      const result = await up();
      expect(result.changes.update).toBe(1);
      expect(outputs.pid).toBe(pid);
      // up ends only once the server has reloaded the rules: the change is in effect now.
      expect((await query("analyst")).rows.map((r) => r[2])).toEqual(["US", "US"]);
    } finally {
      knobs.analystRegion = "EU";
    }
    await up();
    expect((await query("analyst")).rows.map((r) => r[2])).toEqual(["EU", "EU", "EU", "EU"]);
  });

  test("a policy naming an unknown column fails before the rules change", async () => {
    const rulesBefore = fs.readFileSync(outputs.rulesFile as string, "utf8");
    knobs.maskColumn = "emial";
    try {
      await expect(up()).rejects.toThrow(
        'Policy "analysts": masks[0].column="emial" is not a column of warehouse.public.customers. Fix: use one of: email, id, name, nation_key, region',
      );
    } finally {
      knobs.maskColumn = "email";
    }
    expect(fs.readFileSync(outputs.rulesFile as string, "utf8")).toBe(rulesBefore);
  });

  test("a migration with a SQL error rolls back alone and changes nothing else", async () => {
    const pid = outputs.pid as number;
    knobs.migrations = [
      ...seed,
      { id: "999_broken", sql: "CREATE TABLE refunds (id integer PRIMARY KEY);\nINSERT INTO refunds VALUES ('not a number');" },
    ];
    try {
      await expect(up()).rejects.toThrow(
        new RegExp(
          `Database "warehouse": migrations\\[${seed.length}\\] \\(id "999_broken"\\) failed and was rolled back: .*invalid input syntax for type integer`,
        ),
      );
    } finally {
      knobs.migrations = [...seed];
    }
    expect(alive(pid)).toBe(true);
    const tables = await query(
      "admin",
      "SELECT table_name FROM warehouse.information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.rows.map((r) => r[0])).toEqual(["customers", "orders", "strata_migrations"]);
  });

  test("an applied migration whose SQL was edited is refused at up, and nothing is applied", async () => {
    const edited = seed.map((m, i) => (i === 1 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
    knobs.migrations = [...edited, { id: "999_refunds", sql: "CREATE TABLE refunds (id integer PRIMARY KEY);" }];
    try {
      await expect(up()).rejects.toThrow(
        `Database "warehouse": migrations[1] (id "${seed[1]!.id}") was changed after it was applied. Fix: restore its SQL and add a new migration for the change`,
      );
    } finally {
      knobs.migrations = [...seed];
    }
    const tables = await query(
      "admin",
      "SELECT table_name FROM warehouse.information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.rows.map((r) => r[0])).toEqual(["customers", "orders", "strata_migrations"]);
  });

  test("adding a Depot restarts Trino, and the new catalog answers; removing it keeps the others", async () => {
    const pid = outputs.pid as number;
    knobs.extraDepot = true;
    try {
      await up();
      expect(outputs.catalogs).toEqual(["scratch", "tpch", "warehouse"]);
      expect(outputs.pid).not.toBe(pid);
      expect(alive(pid)).toBe(false);
      await query("admin", "CREATE TABLE scratch.default.probe AS SELECT 42 AS answer");
      expect((await query("admin", "SELECT answer FROM scratch.default.probe")).rows).toEqual([[42]]);
      expect((await query("admin")).rows).toHaveLength(8);
    } finally {
      knobs.extraDepot = false;
    }
    await up();
    expect(outputs.catalogs).toEqual(["tpch", "warehouse"]);
    expect((await query("admin")).rows).toHaveLength(8);
    const gone = await query("admin", "SELECT 1 FROM scratch.default.probe").catch((e: unknown) => e);
    expect((gone as TrinoQueryError).errorName).toBe("CATALOG_NOT_FOUND");
  });

  test("Trino and PostgreSQL killed with SIGKILL serve again within 30 s without any command, with the same rows", async () => {
    const trino = outputs.pid as number;
    const postgres = postmasterPid();
    process.kill(trino, "SIGKILL");
    process.kill(postgres, "SIGKILL");
    const killedAt = Date.now();
    const counted = await eventually(
      () => query("admin", "SELECT count(*), sum(amount) FROM warehouse.public.orders").then((r) => r.rows, String),
      (rows) => Array.isArray(rows),
      30,
    );
    expect(counted).toEqual([[10n, 159315n]]);
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    expect(alive(trino)).toBe(false);
    expect(postmasterPid()).not.toBe(postgres);
    // The supervisor's own record: each engine started once more, its last exit the kill.
    const supervision = stack.supervision;
    const log = await supervisorLog(supervision.dir);
    const trinoInfo = await programInfo(supervision, "analytics-server");
    expect(trinoInfo?.statename).toBe("RUNNING");
    expect(programHistory(log, "analytics-server", trino)).toMatchObject({
      restarts: 1,
      lastExit: { description: expect.stringContaining("SIGKILL") },
    });
  });

  test("a killed supervisor: the next up starts a new one, stops what the old one left and brings every engine back", async () => {
    const supervisorDir = path.join(stack.dataDir, "supervisor");
    const supervisor = Number(fs.readFileSync(path.join(supervisorDir, "supervisord.pid"), "utf8"));
    const trino = (await refreshedPid())!;
    process.kill(supervisor, "SIGKILL");
    expect(
      await eventually(
        async () => alive(supervisor),
        (a) => !a,
        10,
      ),
    ).toBe(false);
    // Left running, unsupervised, until the next up.
    expect(alive(trino)).toBe(true);
    const result = await up();
    // up refreshes first: both engines are found unsupervised and started again under a new supervisor.
    expect(result.changes.create).toBe(2);
    expect(alive(trino)).toBe(false);
    expect(Number(fs.readFileSync(path.join(supervisorDir, "supervisord.pid"), "utf8"))).not.toBe(supervisor);
    const admin = await query("admin", "SELECT count(*), sum(amount) FROM warehouse.public.orders");
    expect(admin.rows).toEqual([[10n, 159315n]]);
    // A second up finds nothing to do.
    const again = await up();
    expect(Object.keys(again.changes)).toEqual(["same"]);
  });

  test("the password is in no catalog file, command line, state file or log", () => {
    const files = stack.filesContaining(PASSWORD).map((f) => path.relative(stack.root, f));
    const data = path.join("home", "data", "strata-it-platform", "dev");
    expect(files.sort()).toEqual([
      // The Secret's own file, and the start script the supervisor runs Trino with (its environment): both 0600.
      path.join(data, "secrets", "warehouse-password"),
      path.join(data, "supervisor", "programs", "analytics-server.sh"),
    ]);
    for (const file of files) expect(fs.statSync(path.join(stack.root, file)).mode & 0o777).toBe(0o600);
    expect(stack.log).not.toContain(PASSWORD);
    const cmdlines = fs
      .readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .map((p) => {
        try {
          return fs.readFileSync(`/proc/${p}/cmdline`, "utf8");
        } catch {
          return "";
        }
      });
    expect(cmdlines.some((c) => c.includes("io.trino.server.TrinoServer"))).toBe(true);
    expect(cmdlines.filter((c) => c.includes(PASSWORD))).toEqual([]);
  });

  test("destroy leaves no process and no bound port", async () => {
    const pid = outputs.pid as number;
    const ports = [new URL(outputs.endpoint as string).port, outputs.postgresPort].map(Number);
    const supervisor = Number(fs.readFileSync(path.join(stack.dataDir, "supervisor", "supervisord.pid"), "utf8"));
    await stack.run("destroy");
    expect(alive(pid)).toBe(false);
    // The supervisor stops with the stack's last engine.
    expect(alive(supervisor)).toBe(false);
    for (const port of ports) expect(await portOpen(port)).toBe(false);
    // A dev stack: the database's data directory goes too.
    expect(fs.existsSync(path.join(stack.dataDir, "postgres", "warehouse-server", "data"))).toBe(false);
  });
});
