import * as pulumi from "@pulumi/pulumi";
import { type ChildFactory, type Migration, PostgresMigrations, migrationsJob, scramVerifier, tolerationsFor } from "@strata/cloud-kernel";
import type { Database } from "../database/index.js";
import type { PostgresSource } from "./index.js";

/**
 * The tables of an Iceberg JDBC catalog (Iceberg's own schema, version 1).
 * Trino never creates them itself, so a lakehouse Depot applies this to its
 * metastore Database once; several lakehouse catalogs share them by
 * `catalog_name`.
 */
export const ICEBERG_CATALOG_MIGRATION: Migration = {
  id: "strata_iceberg_jdbc_catalog_v1",
  sql: `
CREATE TABLE IF NOT EXISTS iceberg_tables (
  catalog_name VARCHAR(255) NOT NULL,
  table_namespace VARCHAR(255) NOT NULL,
  table_name VARCHAR(255) NOT NULL,
  metadata_location VARCHAR(1000),
  previous_metadata_location VARCHAR(1000),
  iceberg_type VARCHAR(5),
  PRIMARY KEY (catalog_name, table_namespace, table_name));
CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
  catalog_name VARCHAR(255) NOT NULL,
  namespace VARCHAR(255) NOT NULL,
  property_key VARCHAR(255),
  property_value VARCHAR(1000),
  PRIMARY KEY (catalog_name, namespace, property_key));`,
};

/** The Iceberg JDBC catalog's tables in the metastore, and when they exist. */
export interface CatalogTables {
  /** Local: a migrations resource on the metastore; Kubernetes targets: a Job. */
  resource: pulumi.CustomResource;
  ready: pulumi.Output<unknown>;
}

/**
 * Applies Iceberg's catalog tables to the metastore Database as a migration of
 * the lakehouse's own (recorded like the Database's, as its owner): on the
 * local target by the provider, on Kubernetes targets by a Job like the
 * Database's migrations (the owner's password only as a SCRAM verifier).
 */
export function icebergCatalogTables(children: ChildFactory, depot: string, metastore: Database): CatalogTables {
  const native = metastore.native;
  if (native.kind === "local") {
    const migrations = new PostgresMigrations(
      children.name("iceberg-catalog"),
      {
        access: native.server.adminAccess,
        database: native.database.database,
        owner: native.database.owner,
        migrations: [ICEBERG_CATALOG_MIGRATION],
        label: `Depot "${depot}" (Iceberg catalog tables)`,
      },
      children.options({ dependsOn: [metastore] }),
    );
    return { resource: migrations, ready: migrations.applied };
  }
  const platform = children.platform;
  const cluster = platform.kubernetes!;
  const settings = platform.context.kubernetes;
  const password = (metastore.depot.source as PostgresSource).password;
  const { job } = migrationsJob(children, {
    name: `${depot}-iceberg-catalog`,
    namespace: cluster.namespace,
    server: {
      host: native.server.host,
      port: native.server.port,
      adminUser: native.server.adminUser,
      adminPassword: cluster.postgresAdminPassword!,
    },
    database: metastore.databaseName,
    owner: metastore.ownerRole,
    ownerVerifier: pulumi.secret(password.value.apply((value) => scramVerifier(value, metastore.ownerRole))),
    migrations: [ICEBERG_CATALOG_MIGRATION],
    placement: { nodeSelector: settings.nodeSelector, tolerations: tolerationsFor(settings.tolerations) },
  });
  return { resource: job, ready: job.metadata.name };
}
