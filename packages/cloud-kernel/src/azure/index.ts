import type { CloudCapabilities } from "../capabilities.js";
import { AzureKubernetesCluster } from "./kubernetes-cluster.js";
import { AzureNetwork } from "./network.js";
import { AzureNodePool } from "./node-pool.js";
import { AzureObjectStore } from "./object-store.js";
import { AzurePostgresServer } from "./postgres-server.js";
import { AzureSecretStore } from "./secret-store.js";
import { AzureStoreAccess } from "./store-access.js";

export { AzureCustomerKey, type AzureCustomerKeyArgs } from "./customer-key.js";
export {
  AzureKubernetesCluster,
  type AzureKubernetesClusterArgs,
  azureKubeconfig,
  clusterCertificate,
  validateAzureKubernetesClusterArgs,
} from "./kubernetes-cluster.js";
export {
  AKS_DNS_SERVICE_IP,
  AKS_POD_CIDR,
  AKS_SERVICE_CIDR,
  AzureNetwork,
  type AzureNetworkArgs,
  azureSubnetLayout,
  validateAzureNetworkArgs,
} from "./network.js";
export {
  AZURE_MACHINE_TYPES,
  AzureNodePool,
  type AzureNodePoolArgs,
  aksTaint,
  defaultPoolName,
  validateAzureNodePoolArgs,
} from "./node-pool.js";
export { AzureObjectStore, LAKE_CONTAINER, validateAzureObjectStoreArgs } from "./object-store.js";
export {
  AZURE_POSTGRES_SKUS,
  AZURE_POSTGRES_STORAGE_GB,
  AzurePostgresServer,
  storageSizeGb,
  validateAzurePostgresServerArgs,
} from "./postgres-server.js";
export { AzureSecretStore, validateAzureSecretStoreArgs } from "./secret-store.js";
export { AzureStoreAccess, TOKEN_EXCHANGE_AUDIENCE } from "./store-access.js";
export { AZURE_ROLES, globalName } from "./shared.js";

/** The Azure implementations of every cloud capability. */
export const azureCapabilities: CloudCapabilities = {
  Network: AzureNetwork,
  KubernetesCluster: AzureKubernetesCluster,
  NodePool: AzureNodePool,
  ObjectStore: AzureObjectStore,
  PostgresServer: AzurePostgresServer,
  SecretStore: AzureSecretStore,
  StoreAccess: AzureStoreAccess,
};
