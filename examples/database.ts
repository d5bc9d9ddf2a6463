// A PostgreSQL Database with ordered migrations and its Depot, queried
// through a Cluster. The password comes from encrypted stack config.
import * as pulumi from "@pulumi/pulumi";
import { Cluster, Database, Secret } from "@strata/core-kernel";

export function databaseExample() {
  const config = new pulumi.Config();
  const password = new Secret("orders-password", { value: config.requireSecret("ordersPassword") });
  const orders = new Database("orders", {
    password,
    migrations: [
      { id: "001_orders", sql: "CREATE TABLE orders (id bigint PRIMARY KEY, amount bigint NOT NULL)" },
      { id: "002_index", sql: "CREATE INDEX orders_amount ON orders (amount)" },
    ],
    owner: "sales-engineering",
  });
  const cluster = new Cluster("sales", { depots: [orders.depot] });
  return { postgres: orders.port, endpoint: cluster.endpoint, migrations: orders.appliedMigrations };
}
