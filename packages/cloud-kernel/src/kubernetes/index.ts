export * from "./foundation.js";
export * from "./helm-release.js";
export * from "./placement.js";
export * from "./platform.js";
export * from "./service-workload.js";
