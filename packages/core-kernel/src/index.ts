// The shared vocabulary of every primitive, so user-kernel and programs need only this layer.
export {
  type PrimitiveArgs,
  type StrataContext,
  type TargetName,
  type ValidationIssue,
  AVAILABLE_TARGETS,
  StrataValidationError,
  contextFromConfig,
  isDevEnvironment,
  stackContext,
  statefulOptions,
} from "@strata/cloud-kernel";
export * from "./catalog.js";
export * from "./secret.js";
