import { describe, expect, test } from "vitest";
import { migrateDeployment, needsMigration } from "./migrate-state.js";

const STACK = "urn:pulumi:dev::strata-local";
const OLD_PROVIDER = `${STACK}::pulumi:providers:pulumi-nodejs::default`;
const legacy = {
  manifest: { time: "t" },
  resources: [
    { urn: `${STACK}::pulumi:pulumi:Stack::strata-local-dev`, type: "pulumi:pulumi:Stack", custom: false },
    { urn: OLD_PROVIDER, custom: true, id: "old-id", type: "pulumi:providers:pulumi-nodejs" },
    {
      urn: `${STACK}::strata:core:Database::warehouse`,
      type: "strata:core:Database",
      custom: false,
      parent: `${STACK}::pulumi:pulumi:Stack::strata-local-dev`,
    },
    {
      urn: `${STACK}::strata:core:Database$pulumi-nodejs:dynamic/strata-local:PostgresDatabase::warehouse-database`,
      type: "pulumi-nodejs:dynamic/strata-local:PostgresDatabase",
      custom: true,
      id: "warehouse",
      parent: `${STACK}::strata:core:Database::warehouse`,
      provider: `${OLD_PROVIDER}::old-id`,
      protect: true,
      inputs: { __provider: "exports.handler = ...", database: "warehouse", owner: "warehouse_owner" },
      outputs: { __provider: "exports.handler = ...", database: "warehouse", owner: "warehouse_owner" },
    },
    {
      urn: `${STACK}::strata:core:Database$pulumi-nodejs:dynamic/strata-local:PostgresMigrations::warehouse-migrations`,
      type: "pulumi-nodejs:dynamic/strata-local:PostgresMigrations",
      custom: true,
      id: "warehouse-migrations",
      parent: `${STACK}::strata:core:Database::warehouse`,
      provider: `${OLD_PROVIDER}::old-id`,
      dependencies: [`${STACK}::strata:core:Database$pulumi-nodejs:dynamic/strata-local:PostgresDatabase::warehouse-database`],
      propertyDependencies: {
        database: [`${STACK}::strata:core:Database$pulumi-nodejs:dynamic/strata-local:PostgresDatabase::warehouse-database`],
      },
      inputs: { __provider: "x", access: { port: 5 }, database: "warehouse", migrations: [] },
      outputs: { __provider: "x", applied: ["001"] },
    },
  ],
};

describe("moving a stack of dynamic local resources to the strata provider plugin", () => {
  test("types, URNs, references, provider code and outputs are rewritten; nothing else changes", () => {
    expect(needsMigration(legacy)).toBe(true);
    const { deployment, report } = migrateDeployment(legacy, "0.1.0", "new-id");
    const newProvider = `${STACK}::pulumi:providers:strata::default_0_1_0`;
    const database = `${STACK}::strata:core:Database$strata:local:PostgresDatabase::warehouse-database`;
    expect(deployment.resources).toEqual([
      legacy.resources[0],
      legacy.resources[2],
      {
        urn: newProvider,
        custom: true,
        id: "new-id",
        type: "pulumi:providers:strata",
        inputs: { version: "0.1.0" },
        outputs: { version: "0.1.0" },
      },
      {
        ...legacy.resources[3],
        urn: database,
        type: "strata:local:PostgresDatabase",
        provider: `${newProvider}::new-id`,
        inputs: { database: "warehouse", owner: "warehouse_owner" },
        outputs: { database: "warehouse", owner: "warehouse_owner" },
      },
      {
        ...legacy.resources[4],
        urn: `${STACK}::strata:core:Database$strata:local:PostgresMigrations::warehouse-migrations`,
        type: "strata:local:PostgresMigrations",
        provider: `${newProvider}::new-id`,
        dependencies: [database],
        propertyDependencies: { database: [database] },
        inputs: { access: { port: 5 }, database: "warehouse", migrations: [] },
        // What the plugin's read needs and the dynamic resource did not record.
        outputs: { access: { port: 5 }, database: "warehouse", applied: ["001"] },
      },
    ]);
    expect(report.migrated.map((m) => m.to.split("::").at(-1))).toEqual(["warehouse-database", "warehouse-migrations"]);
    expect(needsMigration(deployment)).toBe(false);
    // The input is left as it was.
    expect(legacy.resources[3]!.type).toBe("pulumi-nodejs:dynamic/strata-local:PostgresDatabase");
  });

  test("a migrated deployment is left alone", () => {
    const { deployment } = migrateDeployment(legacy, "0.1.0", "new-id");
    expect(migrateDeployment(deployment, "0.1.0", "other-id")).toEqual({ deployment, report: { migrated: [] } });
  });
});
