import * as pulumi from "@pulumi/pulumi";
import { type ChildFactory, capabilitiesFor, migrationsJob, scramVerifier, tolerationsFor } from "@strata/cloud-kernel";
import type { Compute } from "../compute/index.js";
import type { DatabaseSpec, DeployedDatabase } from "./index.js";

/**
 * Kubernetes targets: the PostgresServer capability (a managed server of its
 * own on clouds, protected and retained outside dev stacks; the existing
 * server on `kubernetes`), and a Job on the platform's cluster that creates
 * the owner role and database and applies the migrations. The owner's
 * password reaches the Job only as a SCRAM verifier.
 */
export function deployDatabaseOnKubernetes(children: ChildFactory, spec: DatabaseSpec, compute?: Compute): DeployedDatabase {
  const platform = children.platform;
  const cluster = platform.kubernetes!;
  const settings = platform.context.kubernetes;
  const Server = capabilitiesFor(platform.context.target).PostgresServer!;
  const server = new Server(
    children.name("server"),
    { platform, ...(cluster.cloud ? { network: cluster.cloud.network } : {}), adminPassword: cluster.postgresAdminPassword },
    cluster.cloud ? children.statefulOptions() : children.options(),
  );
  const { job } = migrationsJob(children, {
    name: spec.name,
    namespace: cluster.namespace,
    server: { host: server.host, port: server.port, adminUser: server.adminUser, adminPassword: cluster.postgresAdminPassword! },
    database: spec.databaseName,
    owner: spec.ownerRole,
    ownerVerifier: pulumi.secret(spec.password.value.apply((password) => scramVerifier(password, spec.ownerRole))),
    migrations: spec.migrations,
    placement: compute?.placement ?? { nodeSelector: settings.nodeSelector, tolerations: tolerationsFor(settings.tolerations) },
  });
  return {
    host: server.host,
    port: server.port,
    appliedMigrations: job.metadata.name.apply(() => spec.migrations.map((m) => m.id)),
    ready: job.metadata.name,
    native: { kind: "kubernetes", server, migrationsJob: job },
  };
}
