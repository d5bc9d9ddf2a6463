// @strata/core-kernel: the core primitives (Compute, Cluster, Database,
// Depot, Secret, Policy, Workspace), the policy compiler and the query module,
// and the vocabulary programs need from the cloud kernel, so user-kernel and
// programs import one package.

// The vocabulary of every primitive (from the cloud kernel).
export {
  AVAILABLE_TARGETS,
  CLOUD_TARGETS,
  type CatalogEntry,
  type ChartReference,
  type ChildFactory,
  HelmChartRelease,
  type HelmReleaseExport,
  FreePort,
  IssueCollector,
  type KubernetesPlatform,
  LocalFile,
  LocalObjectStore,
  LocalPostgresServer,
  LocalProcess,
  type Migration,
  PROVIDER_VERSION,
  type Placement,
  type Platform,
  PlatformFoundation,
  type PlatformFoundationArgs,
  type PrimitiveArgs,
  ServiceWorkload,
  type StoreAccess,
  type StrataContext,
  StrataComponent,
  StrataValidationError,
  type Taint,
  type TargetName,
  type ValidationIssue,
  capabilitiesFor,
  contextFromConfig,
  createPlatform,
  customObject,
  egressPolicy,
  foundationArgsFromConfig,
  installProviderPlugin,
  isDevEnvironment,
  labelIssues,
  onKubernetes,
  platformIssues,
  platformOf,
  primitiveAddress,
  runWithPlatform,
  stackContext,
  statefulOptions,
  strataLabels,
  tolerationsFor,
  withKubernetes,
} from "@strata/cloud-kernel";

export { Cluster, type ClusterArgs, type ClusterNative, validateClusterArgs } from "./cluster/index.js";
export { trinoServiceName } from "./cluster/kubernetes.js";
export { CHART_DEFAULT_CATALOGS, TRINO_CHART, compileTrinoHelmValues, type TrinoHelmSpec } from "./cluster/helm-values.js";
export { RELOAD_SECONDS, type TrinoServerSpec, compileTrinoServerFiles, renderGroups } from "./cluster/trino-config.js";
export { COMPUTE_LABEL, Compute, type ComputeArgs, type ComputeNative, validateComputeArgs } from "./compute/index.js";
export { Database, type DatabaseArgs, type DatabaseNative, readMigrations, validateDatabaseArgs } from "./database/index.js";
export {
  Depot,
  type DepotArgs,
  type DepotSource,
  fileSystemProperties,
  ICEBERG_CATALOG_MIGRATION,
  type LakehouseSource,
  type MemorySource,
  PLUGINS_OF,
  type PostgresSource,
  type TpchSource,
  compileCatalogProperties,
  passwordVariable,
  renderProperties,
  validateDepotArgs,
} from "./depot/index.js";
export { TPCH_COLUMNS, TPCH_SCHEMAS, tpchColumnTypes } from "./depot/tpch.js";
export { Policy, type PolicyArgs, validatePolicyArgs } from "./policy/index.js";
export {
  type AccessLevel,
  type AccessRule,
  type ColumnMask,
  type ColumnTypes,
  type DepotRef,
  HEALTH_USER,
  MASK_KINDS,
  type MaskKind,
  type PolicyProblem,
  type PolicySpec,
  type RowFilter,
  type Subjects,
  type TrinoRules,
  compilePolicies,
  exactNames,
  maskExpression,
  renderRules,
  typedMaskExpression,
} from "./policy/compile.js";
export { type QueryRows, TrinoQueryError, TrinoSession, type TrinoSessionOptions, parseExactJson } from "./query.js";
export { Secret, type SecretArgs, type SecretNative, validateSecretArgs } from "./secret/index.js";
export { Workspace, type WorkspaceArgs, type WorkspaceNative, validateWorkspaceArgs } from "./workspace/index.js";
