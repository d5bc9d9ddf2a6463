import type { CloudCapabilities } from "../capabilities.js";
import { AwsKubernetesCluster } from "./kubernetes-cluster.js";
import { AwsNetwork } from "./network.js";
import { AwsNodePool } from "./node-pool.js";
import { AwsObjectStore } from "./object-store.js";
import { AwsPostgresServer } from "./postgres-server.js";
import { AwsSecretStore } from "./secret-store.js";
import { AwsStoreAccess } from "./store-access.js";

export * from "./kubernetes-cluster.js";
export * from "./network.js";
export * from "./node-pool.js";
export * from "./object-store.js";
export * from "./postgres-server.js";
export * from "./secret-store.js";
export * from "./store-access.js";

/** The AWS implementations of every cloud capability. */
export const awsCapabilities: CloudCapabilities = {
  Network: AwsNetwork,
  KubernetesCluster: AwsKubernetesCluster,
  NodePool: AwsNodePool,
  ObjectStore: AwsObjectStore,
  PostgresServer: AwsPostgresServer,
  SecretStore: AwsSecretStore,
  StoreAccess: AwsStoreAccess,
};
