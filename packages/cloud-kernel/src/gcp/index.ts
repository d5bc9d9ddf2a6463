import type { CloudCapabilities } from "../capabilities.js";
import { GcpKubernetesCluster } from "./kubernetes-cluster.js";
import { GcpNetwork } from "./network.js";
import { GcpNodePool } from "./node-pool.js";
import { GcpObjectStore } from "./object-store.js";
import { GcpPostgresServer } from "./postgres-server.js";
import { GcpSecretStore } from "./secret-store.js";
import { GcpStoreAccess } from "./store-access.js";

export * from "./kubernetes-cluster.js";
export * from "./network.js";
export * from "./node-pool.js";
export * from "./object-store.js";
export * from "./postgres-server.js";
export * from "./secret-store.js";
export * from "./store-access.js";
export { KEY_ROTATION_PERIOD, NODE_ROLES, type CustomerManagedKey, type NodeIdentity } from "./shared.js";

/** The GCP implementations of every cloud capability. */
export const gcpCapabilities: CloudCapabilities = {
  Network: GcpNetwork,
  KubernetesCluster: GcpKubernetesCluster,
  NodePool: GcpNodePool,
  ObjectStore: GcpObjectStore,
  PostgresServer: GcpPostgresServer,
  SecretStore: GcpSecretStore,
  StoreAccess: GcpStoreAccess,
};
