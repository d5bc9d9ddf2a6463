import { awsCapabilities } from "./aws/index.js";
import { azureCapabilities } from "./azure/index.js";
import type { CloudTargetName, TargetName } from "./base/index.js";
import type { CloudCapabilities, TargetCapabilities } from "./capabilities.js";
import { gcpCapabilities } from "./gcp/index.js";
import { ExistingPostgresServer } from "./kubernetes/existing-postgres-server.js";
import { LoopbackNetwork } from "./local/network.js";
import { LocalNodePool } from "./local/node-pool.js";
import { LocalObjectStore } from "./local/object-store.js";
import { LocalPostgresServer } from "./local/postgres-server.js";
import { LocalSecretStore } from "./local/secret-store.js";

const CLOUDS: Record<CloudTargetName, CloudCapabilities> = { aws: awsCapabilities, gcp: gcpCapabilities, azure: azureCapabilities };

/** The local target: loopback, a budget, a folder, a PostgreSQL instance, a 0600 file. No Kubernetes cluster. */
export const localCapabilities: TargetCapabilities = {
  Network: LoopbackNetwork,
  NodePool: LocalNodePool,
  ObjectStore: LocalObjectStore,
  PostgresServer: LocalPostgresServer,
  SecretStore: LocalSecretStore,
};

/**
 * The `kubernetes` target: the user's cluster and nodes exist already; its
 * PostgreSQL server is the one of the stack's config. No network, node pool
 * or secret manager is created (Secrets are Kubernetes Secrets alone).
 */
export const kubernetesCapabilities: TargetCapabilities = { PostgresServer: ExistingPostgresServer };

/** The implementations of every cloud capability for one cloud target. */
export function cloudCapabilities(target: CloudTargetName): CloudCapabilities {
  return CLOUDS[target];
}

/** The capabilities of a target. */
export function capabilitiesFor(target: TargetName): TargetCapabilities {
  if (target === "local") return localCapabilities;
  if (target === "kubernetes") return kubernetesCapabilities;
  return CLOUDS[target];
}
