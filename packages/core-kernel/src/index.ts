// The shared vocabulary of every primitive, so user-kernel and programs need only this layer.
export {
  type PrimitiveArgs,
  type StrataContext,
  type TargetName,
  type ValidationIssue,
  AVAILABLE_TARGETS,
  CLOUD_TARGETS,
  type ChartReference,
  HelmChartRelease,
  type HelmReleaseExport,
  type KubernetesPlatform,
  LocalPostgresServer,
  LocalObjectStore,
  StrataValidationError,
  PlatformFoundation,
  PROVIDER_VERSION,
  installProviderPlugin,
  type PlatformFoundationArgs,
  type Placement,
  ServiceWorkload,
  StrataComponent,
  IssueCollector,
  type Taint,
  contextFromConfig,
  foundationArgsFromConfig,
  helmReleaseExports,
  isDevEnvironment,
  kubernetesPlatform,
  labelIssues,
  onKubernetes,
  platformIssues,
  stackContext,
  statefulOptions,
  strataLabels,
  tolerationsFor,
} from "@strata/cloud-kernel";
export * from "./catalog.js";
export * from "./cluster.js";
export * from "./compute.js";
export * from "./database.js";
export * from "./depot.js";
export * from "./migrations-job.js";
export * from "./policy.js";
export * from "./policy-compile.js";
export * from "./query.js";
export * from "./secret.js";
export * from "./tpch.js";
export * from "./trino-config.js";
export * from "./trino-helm-values.js";
export * from "./workspace.js";
