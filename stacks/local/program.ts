import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { Cluster, Compute, Database, Depot, Policy, type PolicyArgs, Secret, Workspace, strataProgram } from "@strata/user-kernel";

/** The query the demo runs as each user: customers joined across the warehouse (PostgreSQL) and TPC-H depots. */
const DEMO_QUERY = `
SELECT c.name, c.email, c.region, n.name AS nation, count(o.id) AS orders, sum(o.amount) AS amount_cents
FROM warehouse.public.customers c
JOIN tpch.tiny.nation n ON n.nationkey = c.nation_key
LEFT JOIN warehouse.public.orders o ON o.customer_id = c.id
GROUP BY c.name, c.email, c.region, n.name
ORDER BY c.name`;

/** What `strata demo` shows after deploying: the same query as each user, and what each should see. */
export const demo = {
  query: DEMO_QUERY,
  users: [
    { user: "admin", expect: "every customer, emails in clear" },
    { user: "analyst", expect: "EU customers only, emails masked" },
    { user: "guest", expect: "access denied" },
  ],
};

/** The demo's policies, as plain data (the benchmark's bare floor compiles the same rules). */
export const policies: Record<string, PolicyArgs> = {
  admins: {
    access: [
      { groups: ["admins"], depot: "warehouse", access: "all" },
      { groups: ["admins"], depot: "tpch", access: "read" },
    ],
  },
  analysts: {
    access: [
      { groups: ["analysts"], depot: "warehouse", access: "read" },
      { groups: ["analysts"], depot: "tpch", access: "read" },
    ],
    masks: [{ groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", column: "email", mask: "email" }],
    filters: [{ groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", where: "region = 'EU'" }],
  },
};

/** Group membership of the demo's users. */
export const groups = { admins: ["admin"], analysts: ["analyst"] };

/** Memory of the demo's Cluster, in MiB. */
export const CLUSTER_MEMORY_MB = 2048;

/**
 * The local data platform: a PostgreSQL warehouse seeded by migrations, a
 * TPC-H depot, a Trino cluster federating both, and policies for three
 * users: `admin` sees everything, `analyst` sees masked emails and EU rows
 * only, `guest` is denied.
 *
 * Stack config: `warehousePassword` (secret). The strata command also sets
 * `strata:dataDir` and the engine locations (`strata:trinoHome`, ...).
 */
export default strataProgram(() => {
  const config = new pulumi.Config();
  const warehousePassword = new Secret("warehouse-password", {
    value: config.requireSecret("warehousePassword"),
    owner: "data-platform",
    description: "Password of the warehouse database owner",
  });
  const warehouse = new Database("warehouse", {
    password: warehousePassword,
    migrations: { directory: fileURLToPath(new URL("./migrations", import.meta.url)) },
    owner: "sales-engineering",
    domain: "sales",
  });
  const tpch = new Depot("tpch", { source: { kind: "tpch" }, owner: "data-platform", description: "TPC-H reference data" });
  const policyList = Object.entries(policies).map(([name, args]) => new Policy(name, { ...args, owner: "data-platform" }));
  const compute = new Compute("analytics-compute", { memoryMb: CLUSTER_MEMORY_MB, owner: "data-platform" });
  const cluster = new Cluster("analytics", {
    compute,
    depots: [warehouse.depot, tpch],
    policies: policyList,
    groups,
    owner: "data-platform",
  });
  const marketing = new Workspace("marketing", { owner: "marketing" });
  return {
    endpoint: cluster.endpoint,
    trinoPid: cluster.pid,
    catalogs: cluster.catalogs,
    warehouse: { host: warehouse.host, port: warehouse.port, database: warehouse.databaseName, migrations: warehouse.appliedMigrations },
    marketingDirectory: marketing.directory,
    warehousePasswordFile: warehousePassword.reference,
  };
});
