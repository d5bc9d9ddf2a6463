export * from "./existing-postgres-server.js";
export * from "./foundation.js";
export * from "./helm-release.js";
export * from "./migrations-job.js";
export * from "./objects.js";
export * from "./placement.js";
export * from "./platform.js";
export * from "./service-workload.js";
