export * from "./program.js";
export * from "./service.js";
export * from "./workflow-engine.js";
export * from "@strata/core-kernel";
