export { type AccessRow, accessRows } from "./access.js";
export { type CatalogEntryView, type EngineView, type Overview, type PrimitiveView, type VersionView, overview } from "./overview.js";
export { type AccessView, type ConsoleOptions, type ConsoleSource, type RunningConsole, startConsole } from "./server.js";
