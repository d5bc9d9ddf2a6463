import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { installMocks, promiseOf, thrown } from "../../../test/support/mocks.js";

const mocks = await installMocks({
  stack: "dev",
  config: { "strata:dataDir": "/srv/strata", "strata:trinoHome": "/opt/trino", "strata:javaHome": "/opt/jdk" },
});
const { Cluster, Compute, Database, Depot, Policy, Secret, Workspace, contextFromConfig, createPlatform } =
  await import("@strata/core-kernel");

const secretWrapped = (value: unknown) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });

beforeEach(async () => {
  await mocks.settle();
  mocks.registered.length = 0;
  mocks.constructed.length = 0;
});

// A migrations folder, files out of order, with a file that is not a migration.
const migrations = fs.mkdtempSync(path.join(os.tmpdir(), "strata-migrations-"));
fs.writeFileSync(path.join(migrations, "002_orders.sql"), "CREATE TABLE orders (id int);");
fs.writeFileSync(path.join(migrations, "001_customers.sql"), "CREATE TABLE customers (id int, email text);");
fs.writeFileSync(path.join(migrations, "README.md"), "not a migration");
afterAll(() => fs.rmSync(migrations, { recursive: true, force: true }));

function platform() {
  const password = new Secret("wh-password", { value: "hunter2-secret" });
  const warehouse = new Database("warehouse", { password, migrations: { directory: migrations } });
  const tpch = new Depot("tpch", { source: { kind: "tpch" } });
  const policy = new Policy("analysts", {
    access: [{ users: ["ann"], depot: "warehouse", access: "read" }],
    masks: [{ users: ["ann"], depot: "warehouse", schema: "public", table: "customers", column: "email", mask: "hash" }],
  });
  const cluster = new Cluster("analytics", {
    compute: new Compute("small", { memoryMb: 1024, cpus: 1 }),
    depots: [warehouse.depot, tpch],
    policies: [policy],
  });
  return { warehouse, cluster };
}

describe("Cluster on the local target (mocks)", () => {
  test("children: port, plugins, config files, one catalog folder, policy check, rules, server", async () => {
    platform();
    await mocks.settle();
    const children = mocks.registered
      .filter((r) => r.name.startsWith("analytics-"))
      .map((r) => `${r.type.replace("strata:local:", "")} ${r.name}`);
    expect(children.sort()).toEqual(
      [
        "File analytics-access-rules",
        "GeneratedSecret analytics-depot-warehouse",
        "PostgresDepotRole analytics-depot-warehouse-role",
        "File analytics-config-access-control",
        "File analytics-config-password-authenticator",
        "GeneratedSecret analytics-login-ann",
        "GeneratedSecret analytics-health-login",
        "RandomValue analytics-shared-secret",
        "PasswordFile analytics-passwords",
        "ServerCertificate analytics-certificate",
        "File analytics-config-jvm",
        "File analytics-config-log",
        "File analytics-config-node",
        "File analytics-config-server",
        "FileSet analytics-catalogs",
        "FreePort analytics-port",
        "Links analytics-plugins",
        "PolicyCheck analytics-policy-check",
        "Process analytics-server",
      ].sort(),
    );
  });

  test("the server: Trino's launcher, credentials only in secret environment, never in arguments", async () => {
    platform();
    await mocks.settle();
    const server = mocks.byName("analytics-server").inputs;
    expect(server.command).toBe("/opt/trino/bin/launcher");
    expect(server.args).toEqual([
      "run",
      "--etc-dir=/srv/strata/clusters/analytics/etc",
      "--data-dir=/srv/strata/clusters/analytics/data",
      "--pid-file=/srv/strata/clusters/analytics/launcher.pid",
    ]);
    expect(JSON.stringify(server.args)).not.toContain("hunter2");
    expect(server.env).toEqual({ JAVA_HOME: "/opt/jdk", PATH: "/opt/jdk/bin:/usr/local/bin:/usr/bin:/bin" });
    // The nodes' shared secret is generated, and reaches the server only through its secret environment.
    expect(server.secretEnv).toEqual(
      secretWrapped({
        STRATA_TRINO_SHARED_SECRET: "random-analytics-shared-secret",
        // The Cluster's own role on the warehouse, with a password of its own: never the owner's.
        STRATA_DEPOT_WAREHOUSE_PASSWORD: "random-analytics-depot-warehouse",
      }),
    );
    // The readiness check logs in like anyone else: its password's file and the authority's certificate, never a value.
    expect(server.health).toEqual({
      kind: "trino",
      user: "strata-health",
      passwordFile: "/srv/strata/secrets/analytics-health-login.password",
      caFile: "/srv/strata/tls/ca.pem",
    });
    expect(server.logFile).toBe("/srv/strata/clusters/analytics/server.log");
    expect(server.restartTrigger).toMatch(/^[0-9a-f]{64}$/);
  });

  test("logins: a password file of every user, kept secret in state; a certificate for loopback from the stack's authority", async () => {
    platform();
    await mocks.settle();
    const passwords = mocks.byName("analytics-passwords").inputs;
    expect(passwords.path).toBe("/srv/strata/clusters/analytics/etc/password.db");
    expect(passwords.users).toEqual(secretWrapped({ ann: "random-analytics-login-ann", "strata-health": "random-analytics-health-login" }));
    // A generated password is one resource: its value stays in the plugin's state (secret), its file is named here.
    expect(mocks.byName("analytics-login-ann").inputs).toEqual({ file: "/srv/strata/secrets/analytics-login-ann.password", bytes: 24 });
    const certificate = mocks.byName("analytics-certificate").inputs;
    expect(certificate).toMatchObject({
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
      keystoreFile: "/srv/strata/secrets/analytics-trino-keystore.pem",
      authorityKeyFile: "/srv/strata/secrets/strata-ca.key",
    });
    const authority = mocks.registered.find((r) => r.type === "strata:local:CertificateAuthority")!;
    expect(authority.name).toBe("strata-ca");
    expect(authority.inputs).toMatchObject({ keyFile: "/srv/strata/secrets/strata-ca.key", certificateFile: "/srv/strata/tls/ca.pem" });
    const server = mocks.byName("analytics-config-server").inputs.content as string;
    expect(server).toContain("http-server.http.enabled=false\n");
    expect(server).toContain("http-server.authentication.type=PASSWORD\n");
    expect(mocks.byName("analytics-config-password-authenticator").inputs.content).toContain(
      "file.password-file=/srv/strata/clusters/analytics/etc/password.db\n",
    );
  });

  test("catalogs hold ${ENV:...} references, the plugins only what the depots need, Trino listens on loopback", async () => {
    platform();
    await mocks.settle();
    const catalogs = mocks.byName("analytics-catalogs").inputs;
    expect(catalogs.directory).toBe("/srv/strata/clusters/analytics/etc/catalog");
    expect(Object.keys(catalogs.files).sort()).toEqual(["tpch.properties", "warehouse.properties"]);
    expect(catalogs.files["warehouse.properties"]).toContain("connection-password=${ENV:STRATA_DEPOT_WAREHOUSE_PASSWORD}");
    expect(JSON.stringify(catalogs)).not.toContain("hunter2");
    expect(mocks.byName("analytics-plugins").inputs.links).toEqual({
      geospatial: "/opt/trino/plugin/geospatial",
      "password-authenticators": "/opt/trino/plugin/password-authenticators",
      postgresql: "/opt/trino/plugin/postgresql",
      tpch: "/opt/trino/plugin/tpch",
    });
    expect(mocks.byName("analytics-config-node").inputs.content).toContain("node.bind-ip=127.0.0.1\n");
    expect(mocks.byName("analytics-config-jvm").inputs.content).toContain("-Xmx819m\n");
    const rules = JSON.parse(mocks.byName("analytics-access-rules").inputs.content);
    expect(rules.tables[1]).toMatchObject({ user: "ann", table: "customers", columns: [{ name: "email" }] });
  });

  test("the Cluster reads the warehouse with a role of its own, granted what its Policies give there", async () => {
    platform();
    await mocks.settle();
    const role = mocks.byName("analytics-depot-warehouse-role").inputs;
    expect(role).toMatchObject({
      database: "warehouse",
      owner: "warehouse_owner",
      role: "warehouse_analytics",
      password: secretWrapped("random-analytics-depot-warehouse"),
      // ann reads the whole depot (her mask rides on that read).
      grants: [{ privileges: ["SELECT"] }],
    });
    expect(mocks.byName("analytics-depot-warehouse").inputs).toEqual({
      file: "/srv/strata/secrets/analytics-depot-warehouse.password",
      bytes: 24,
    });
    expect(mocks.byName("analytics-catalogs").inputs.files["warehouse.properties"]).toContain("connection-user=warehouse_analytics\n");
  });

  test("the policy check reads the warehouse as the Cluster's role, password kept secret", async () => {
    platform();
    await mocks.settle();
    const check = mocks.byName("analytics-policy-check").inputs;
    // The password is kept apart, as a secret; the depots stay plain.
    expect(check.passwords).toEqual(secretWrapped({ warehouse: "random-analytics-depot-warehouse" }));
    expect(check.depots).toEqual([
      {
        depot: "warehouse",
        // Over TLS, the server's certificate checked against the stack's authority.
        postgres: {
          psql: "/usr/lib/postgresql/15/bin/psql",
          host: "127.0.0.1",
          database: "warehouse",
          user: "warehouse_analytics",
          caFile: "/srv/strata/tls/ca.pem",
        },
        references: [
          {
            primitive: 'Policy "analysts"',
            field: "masks[0].column",
            schema: "public",
            table: "customers",
            column: "email",
            mask: "hash",
          },
        ],
      },
    ]);
    expect(check.sqlMasks).toEqual([]);
    expect(check.trino).toBeUndefined();
  });

  test("without the engines' locations a Cluster is refused before anything registers", () => {
    const error = thrown(
      () =>
        new Cluster("bare", {
          platform: createPlatform({
            target: "local",
            environment: "dev",
            dataDir: "/x",
            tools: { postgresBin: "/pg" },
            kubernetes: contextFromConfig({ get: () => undefined }, "p", "dev").kubernetes,
          }),
        }),
    );
    // A resource is recorded as its constructor runs, so nothing here means nothing will ever reach the engine.
    expect(mocks.constructed).toEqual([]);
    expect(error.message).toContain('Cluster "bare": strata:trinoHome=undefined is not set in stack config. Fix: run scripts/setup.sh');
  });
});

describe("Database on the local target (mocks)", () => {
  test("its own server, database and owner role, migrations from a directory in file order, and a Depot", async () => {
    const { warehouse } = platform();
    await mocks.settle();
    const data = mocks.byName("warehouse-server-data").inputs;
    expect(data.directory).toBe("/srv/strata/postgres/warehouse-server/data");
    expect(data.runAs).toBe(os.userInfo().uid === 0 ? "postgres" : "");
    const server = mocks.byName("warehouse-server-server").inputs;
    expect(server.command).toBe("/usr/lib/postgresql/15/bin/postgres");
    expect(server.args).toContain("listen_addresses=127.0.0.1");
    const database = mocks.byName("warehouse-database").inputs;
    expect(database).toMatchObject({ database: "warehouse", owner: "warehouse_owner" });
    expect(database.ownerPassword).toEqual(secretWrapped("hunter2-secret"));
    const migrations = mocks.byName("warehouse-migrations").inputs;
    expect(migrations.migrations.map((m: { id: string }) => m.id)).toEqual(["001_customers", "002_orders"]);
    expect(migrations.label).toBe('Database "warehouse"');
    expect(warehouse.depot.catalogName).toBe("warehouse");
    expect(warehouse.depot.address).toBe("strata://warehouse");
  });

  test.each([
    [{ databaseName: "pg_x" }, 'databaseName="pg_x" is not a usable database name'],
    [{ ownerRole: "Owner" }, 'ownerRole="Owner" is not a usable role name'],
    [
      {
        migrations: [
          { id: "1", sql: "select 1" },
          { id: "1", sql: "select 2" },
        ],
      },
      'migrations[1].id="1" is used twice',
    ],
    [{ migrations: { directory: "relative/dir" } }, 'migrations.directory="relative/dir" is not an existing absolute directory'],
  ])("%j is refused", (extra, message) => {
    const password = new Secret("p", { value: "x" });
    const before = mocks.constructed.length;
    expect(thrown(() => new Database("db", { password, ...(extra as object) })).message).toContain(`Database "db": ${message}`);
    expect(mocks.constructed.slice(before)).toEqual([]);
  });
});

describe("Compute and Workspace", () => {
  test("Compute: a local node pool; heap is 80 % of memory; out-of-range budgets are refused", async () => {
    const compute = new Compute("c", { memoryMb: 2000, cpus: 1 });
    expect([compute.memoryMb, compute.heapMb, compute.cpus]).toEqual([2000, 1600, 1]);
    await mocks.settle();
    expect(mocks.registered.map((r) => [r.type, r.name])).toEqual([
      ["strata:core:Compute", "c"],
      ["strata:cloud:LocalNodePool", "c-pool"],
    ]);
    expect(thrown(() => new Compute("big", { memoryMb: 10 ** 9 })).message).toMatch(
      /Compute "big": memoryMb=1000000000 is more than this machine's \d+ MiB\. Fix: give at most \d+/,
    );
    expect(thrown(() => new Compute("small", { memoryMb: 512 })).message).toContain(
      'Compute "small": memoryMb=512 is not a whole number of MiB >= 1024',
    );
    expect(thrown(() => new Compute("cpu", { cpus: 0 })).message).toContain('Compute "cpu": cpus=0 is not a whole number >= 1');
    expect(thrown(() => new Compute("many", { cpus: 4096 })).message).toMatch(
      /Compute "many": cpus=4096 is more than this machine's \d+ cores/,
    );
  });

  test("Workspace: a private directory and a schema prefix", async () => {
    const ws = new Workspace("marketing-eu");
    expect(await promiseOf(ws.location)).toBe("/srv/strata/workspaces/marketing-eu");
    expect(ws.schemaPrefix).toBe("marketing_eu_");
  });
});
