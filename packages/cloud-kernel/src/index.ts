export * from "./base/index.js";
export * from "./local/index.js";
