// The shared vocabulary of every primitive, so user-kernel and programs need only this layer.
export {
  type PrimitiveArgs,
  type StrataContext,
  type TargetName,
  type ValidationIssue,
  AVAILABLE_TARGETS,
  LocalPostgresServer,
  LocalObjectStore,
  StrataValidationError,
  contextFromConfig,
  isDevEnvironment,
  stackContext,
  statefulOptions,
} from "@strata/cloud-kernel";
export * from "./catalog.js";
export * from "./cluster.js";
export * from "./compute.js";
export * from "./database.js";
export * from "./depot.js";
export * from "./policy.js";
export * from "./policy-compile.js";
export * from "./query.js";
export * from "./secret.js";
export * from "./trino-config.js";
export * from "./workspace.js";
