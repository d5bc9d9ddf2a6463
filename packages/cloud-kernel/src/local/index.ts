export * from "./secret-file.js";
export * from "./secret-store.js";
