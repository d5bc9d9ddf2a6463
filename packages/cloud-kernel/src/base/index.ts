export * from "./catalog.js";
export * from "./component.js";
export * from "./context.js";
export * from "./environment.js";
export * from "./errors.js";
export * from "./names.js";
export * from "./validated.js";
