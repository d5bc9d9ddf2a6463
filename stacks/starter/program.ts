import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { Cluster, Database, Depot, Policy, Secret, strataProgram } from "@strata/user-kernel";

/** What `strata demo -t .` shows after deploying: one query across both depots as each user. */
export const demo = {
  query: `
SELECT c.name, c.email, c.region, n.name AS nation
FROM warehouse.public.customers c
JOIN tpch.tiny.nation n ON n.nationkey = c.nation_key
ORDER BY c.id`,
  users: [
    { user: "admin", expect: "every customer, emails in clear" },
    { user: "analyst", expect: "EU customers only, emails masked" },
    { user: "guest", expect: "access denied" },
  ],
};

/**
 * A small data platform: a PostgreSQL `warehouse` seeded by one migration,
 * a TPC-H Depot, a Trino Cluster federating both, and one Policy: `admin`
 * reads and writes everything, `analyst` reads EU customers with their
 * emails masked, `guest` logs in and is denied. Each one logs in with a
 * password the Cluster generates and keeps as a Secret (the `logins` output
 * names each one's 0600 file).
 *
 * Stack config: `warehousePassword` (secret; `strata demo` sets a random one
 * the first time). On the local target the strata
 * command also sets `strata:dataDir` and the engine locations (`strata:trinoHome`, ...).
 */
export default strataProgram(() => {
  const config = new pulumi.Config();
  const password = new Secret("warehouse-password", {
    value: config.requireSecret("warehousePassword"),
    description: "Password of the warehouse database owner",
  });
  const warehouse = new Database("warehouse", {
    password,
    migrations: { directory: fileURLToPath(new URL("./migrations", import.meta.url)) },
  });
  const tpch = new Depot("tpch", { source: { kind: "tpch" }, description: "TPC-H reference data" });
  const readers = new Policy("readers", {
    access: [
      { groups: ["admins"], depot: "warehouse", access: "all" },
      { groups: ["admins", "analysts"], depot: "tpch", access: "read" },
      { groups: ["analysts"], depot: "warehouse", access: "read" },
    ],
    masks: [{ groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", column: "email", mask: "email" }],
    filters: [{ groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", where: "region = 'EU'" }],
  });
  const cluster = new Cluster("analytics", {
    depots: [warehouse.depot, tpch],
    policies: [readers],
    groups: { admins: ["admin"], analysts: ["analyst"] },
    users: { guest: "generate" },
  });
  return {
    endpoint: cluster.endpoint,
    caFile: cluster.caFile,
    logins: cluster.loginFiles(),
    catalogs: cluster.catalogs,
    warehouse: { host: warehouse.host, port: warehouse.port, database: warehouse.databaseName, migrations: warehouse.appliedMigrations },
  };
});
