// A data contract (Open Data Contract Standard v3.1, written in the program
// with the standard's field names) on a table of a Database's Depot. Its
// checks run at every preview and up as the user `contract-customers`,
// which a Policy lets read the depot; a failed rule stops the deployment.
import * as pulumi from "@pulumi/pulumi";
import { Cluster, Contract, Database, Policy, Secret } from "@strata/user-kernel";

export function contractExample() {
  const password = new Secret("crm-password", { value: new pulumi.Config().requireSecret("crmPassword") });
  const crm = new Database("crm", {
    password,
    migrations: [{ id: "001_customers", sql: "CREATE TABLE customers (id integer PRIMARY KEY, email text NOT NULL)" }],
  });
  const checks = new Policy("contract-checks", { access: [{ serviceAccounts: ["contract-customers"], depot: "crm", access: "read" }] });
  const cluster = new Cluster("crm", { depots: [crm.depot], policies: [checks] });
  const customers = new Contract("customers", {
    depot: crm.depot,
    cluster,
    schema: "public",
    document: {
      apiVersion: "v3.1.0",
      kind: "DataContract",
      id: "urn:example:customers",
      version: "1.0.0",
      status: "active",
      schema: [
        {
          name: "customers",
          properties: [
            { name: "id", logicalType: "integer", primaryKey: true },
            {
              name: "email",
              logicalType: "string",
              required: true,
              quality: [{ metric: "invalidValues", arguments: { pattern: "^[^@]+@[^@]+$" }, mustBe: 0 }],
            },
          ],
          quality: [{ metric: "rowCount", mustBeGreaterThan: 0, severity: "warning" }],
        },
      ],
    },
  });
  return { datasets: customers.plan.datasets, queries: customers.plan.queries.length, report: customers.report };
}
