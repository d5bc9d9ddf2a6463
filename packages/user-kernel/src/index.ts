export * from "./program.js";
export * from "@strata/core-kernel";
