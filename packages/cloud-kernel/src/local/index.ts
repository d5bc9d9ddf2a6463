export * from "./file.js";
export * from "./links.js";
export * from "./object-store.js";
export * from "./port.js";
export * from "./postgres.js";
export * from "./postgres-server.js";
export * from "./process.js";
export * from "./secret-store.js";
