// A semantic model over a Database's tables, its views in a lakehouse, and
// its measures over HTTP. Revenue by region never counts a customer twice,
// however many orders they placed.
import * as pulumi from "@pulumi/pulumi";
import { Cluster, Database, Depot, LocalObjectStore, Model, ModelApi, Policy, Secret } from "@strata/user-kernel";

export function modelExample() {
  const password = new Secret("shop-password", { value: new pulumi.Config().requireSecret("shopPassword") });
  const shop = new Database("shop", {
    password,
    migrations: [
      { id: "001_customers", sql: "CREATE TABLE customers (id integer PRIMARY KEY, region text NOT NULL)" },
      { id: "002_orders", sql: "CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL, amount bigint NOT NULL)" },
    ],
  });
  const metastore = new Database("lake-catalog", { password, server: shop.native.kind === "local" ? shop.native.server : undefined });
  const lake = new Depot("lake", { source: { kind: "lakehouse", metastore, storage: new LocalObjectStore("lake-files") } });
  const owner = new Policy("models", {
    access: [
      { serviceAccounts: ["model-sales"], depot: "shop", access: "read" },
      { serviceAccounts: ["model-sales"], depot: "lake", access: "all" },
    ],
  });
  const cluster = new Cluster("shop", { depots: [shop.depot, lake], policies: [owner] });
  const sales = new Model("sales", {
    cluster,
    depot: lake,
    tables: {
      orders: { table: "shop.public.orders", primaryKey: "id", measures: { revenue: { type: "sum", sql: "orders.amount" } } },
      customers: {
        table: "shop.public.customers",
        primaryKey: "id",
        dimensions: { region: { type: "string" } },
        measures: { count: { type: "count" } },
      },
    },
    joins: [{ from: "orders", to: "customers", relationship: "many_to_one", on: "orders.customer_id = customers.id" }],
    metrics: { revenue_by_region: { measures: ["orders.revenue", "customers.count"], dimensions: ["customers.region"] } },
  });
  const api = new ModelApi("sales-api", { model: sales, port: 8642 });
  return { viewSchema: sales.viewSchema, url: api.url };
}
