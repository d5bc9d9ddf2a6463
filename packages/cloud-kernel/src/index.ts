// @strata/cloud-kernel: the component base and the platform of a program
// run, one interface per capability with one implementation per target
// (local, kubernetes, aws, gcp, azure), the builders of Kubernetes objects,
// and the `strata` provider plugin serving local resources.

// The component base: validation, naming, protection, catalog.
export { Catalog, type CatalogEntry, primitiveAddress } from "./base/catalog.js";
export {
  type ChildFactory,
  type ComponentType,
  type Layer,
  type PrimitiveArgs,
  StrataComponent,
  validatePrimitiveArgs,
} from "./base/component.js";
export {
  AVAILABLE_TARGETS,
  CLOUD_TARGETS,
  type CloudTargetName,
  type ConfigSource,
  type CertManagerIssuer,
  type KubernetesSettings,
  type LocalTools,
  type NodeTaint,
  type StrataContext,
  TAINT_EFFECTS,
  type TargetName,
  contextFromConfig,
  labelIssues,
  onKubernetes,
  stackContext,
} from "./base/context.js";
export { DEV_ENVIRONMENT, type StatefulOptions, isDevEnvironment, statefulOptions } from "./base/environment.js";
export { IssueCollector, StrataValidationError, type ValidationIssue, formatIssue, showValue } from "./base/errors.js";
export { NAME_PATTERN, NAME_RULE, toIdentifier, validateName } from "./base/names.js";
export { validatedInput } from "./base/validated.js";

// The platform of a program run.
export {
  type ClusterClient,
  type Platform,
  PortClaims,
  createPlatform,
  platformIssues,
  platformOf,
  runWithPlatform,
  withKubernetes,
} from "./platform.js";

// Capabilities, and their implementations per target.
export type {
  CloudArgs,
  CloudCapabilities,
  KubernetesCluster,
  KubernetesClusterArgs,
  Network,
  NetworkArgs,
  NodePool,
  NodePoolArgs,
  ObjectStore,
  ObjectStoreArgs,
  PostgresServer,
  PostgresServerArgs,
  SecretStore,
  SecretStoreArgs,
  StoreAccess,
  StoreAccessArgs,
  Taint,
  TargetCapabilities,
} from "./capabilities.js";
export { storeAccessIssues } from "./capabilities.js";
export { capabilitiesFor, cloudCapabilities, kubernetesCapabilities, localCapabilities } from "./targets.js";
export { MissingPeerError, OPTIONAL_PEERS, type OptionalPeer } from "./base/peer.js";
export * as aws from "./aws/index.js";
export * as gcp from "./gcp/index.js";
export * as azure from "./azure/index.js";

// The local target: capabilities and the resources the provider plugin serves.
export { LoopbackNetwork, validateLoopbackNetworkArgs } from "./local/network.js";
export { LocalNodePool, type LocalNodePoolArgs, validateLocalBudget } from "./local/node-pool.js";
export { LocalObjectStore, type LocalObjectStoreArgs, validateLocalObjectStoreArgs } from "./local/object-store.js";
export { LocalPostgresServer, type LocalPostgresServerArgs, validateLocalPostgresServerArgs } from "./local/postgres-server.js";
export { LocalSecretStore, type LocalSecretStoreArgs, validateLocalSecretStoreArgs } from "./local/secret-store.js";
export { LocalDirectory, LocalFile, type LocalFileArgs, LocalFileSet, LocalLinks } from "./local/file.js";
export { FreePort } from "./local/port.js";
export {
  LocalCertificateAuthority,
  type LocalCertificateAuthorityArgs,
  LocalPasswordFile,
  LocalRandomValue,
  LocalGeneratedSecret,
  LocalServerCertificate,
  type LocalServerCertificateArgs,
  stackAuthority,
  stackAuthorityCertificateFile,
  type LocalTrinoLogin,
} from "./local/identity.js";
export { type HealthCheck, LocalProcess, type LocalProcessArgs, type Supervision, supervisionFor } from "./local/process.js";
export { type ProgramHistory, type ProgramInfo, programHistory, programInfo, socketPathFor, supervisorLog } from "./provider/supervisor.js";
export {
  type Migration,
  type PostgresAdminAccess,
  PostgresDataDirectory,
  PostgresDatabase,
  PostgresDepotRole,
  type PostgresGrant,
  PostgresMigrations,
  type TablePrivilege,
} from "./local/postgres.js";
export { depotRoleGrantsSql } from "./provider/postgres.js";
export { type ColumnReference, PolicyCheck, type PolicyCheckDepot, type PostgresSchemaAccess, type SqlMask } from "./local/policy-check.js";
export { QualityCheck, type QualityHistory } from "./local/quality-check.js";
export { TrinoViews } from "./local/trino-views.js";
export { scramVerifier } from "./postgres-scram.js";
export {
  BCRYPT_COST,
  createCertificateAuthority,
  dueForRenewal,
  issueServerCertificate,
  passwordFileLine,
  passwordMatches,
} from "./tls.js";
export {
  type ColumnExpectation,
  HISTORY_SCHEMA,
  type LiveColumn,
  OPERATORS,
  type Operator,
  type QualityExpectation,
  type QualityPlan,
  type QualityQuery,
  type QualityReport,
  type QualityResult,
  type QualityStatus,
  type QueryAnswer,
  type SqlRunner,
  type Threshold,
  type ValueRef,
  columnsQuery,
  describeThreshold,
  evaluatePlan,
  formatQualityReport,
  historyStatements,
  meets,
  numberOf,
  quoteIdentifier,
  runQualityPlan,
  sqlString,
} from "./quality.js";

// Kubernetes targets: the platform's cluster and the objects primitives place on it.
export { ExistingPostgresServer, validateExistingPostgresServerArgs } from "./kubernetes/existing-postgres-server.js";
export {
  type FoundationConfig,
  PlatformFoundation,
  type PlatformFoundationArgs,
  foundationArgsFromConfig,
} from "./kubernetes/foundation.js";
export { type ChartReference, HelmChartRelease, type HelmChartReleaseArgs } from "./kubernetes/helm-release.js";
export {
  MIGRATE_SCRIPT,
  MIGRATIONS_IMAGE,
  type MigrationsJobArgs,
  migrationFiles,
  migrationsHash,
  migrationsJob,
} from "./kubernetes/migrations-job.js";
export {
  type ObjectMeta,
  WORKSPACE_ROLE_RULES,
  type WorkspaceNamespaceArgs,
  configMapObject,
  customObject,
  egressPolicy,
  type EgressPolicyArgs,
  secretObject,
  workspaceNamespace,
  ingressPolicy,
  issuerDiscoveryBinding,
  workloadServiceAccount,
  roleBinding,
  TRINO_CA_DIRECTORY,
  TRINO_LOGIN_MOUNTS,
  TRINO_TOKEN_DIRECTORY,
  trinoLoginVolumes,
  type IngressSource,
} from "./kubernetes/objects.js";
export {
  type Placement,
  type Toleration,
  awaitAnnotations,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  strataLabels,
  tolerationsFor,
} from "./kubernetes/placement.js";
export { type HelmReleaseExport, type KubernetesPlatform, type PostgresEndpoint, platformProviderArgs } from "./kubernetes/platform.js";
export { type SecretKeyReference, ServiceWorkload, type ServiceWorkloadArgs } from "./kubernetes/service-workload.js";

// The `strata` provider plugin.
export { PROVIDER_PACKAGE, PROVIDER_VERSION } from "./provider/version.js";
export { installProviderPlugin, providerPluginMain } from "./provider/install.js";
