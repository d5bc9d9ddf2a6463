export * from "./runner.js";
export * from "./template.js";
export * from "./toolchain.js";
