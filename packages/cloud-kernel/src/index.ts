export * from "./base/index.js";
export * from "./capabilities.js";
export * from "./clouds.js";
export * from "./kubernetes/index.js";
export * from "./local/index.js";
export * from "./postgres-scram.js";
export * as aws from "./aws/index.js";
export * as gcp from "./gcp/index.js";
export * as azure from "./azure/index.js";
