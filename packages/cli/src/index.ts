// @strata/cli: the `strata` command's engine, for programs and tests that
// drive stacks themselves (the command is bin.ts).
export { migrateDeployment, type MigrationReport, needsMigration } from "./migrate-state.js";
export {
  type Operation,
  type OperationResult,
  type RunOptions,
  type StackTarget,
  attributeFailures,
  failureSummary,
  openStack,
  projectName,
  runOperation,
  runPulumiCli,
} from "./runner.js";
export { type DemoSpec, type Template, bundledStacksDir, loadTemplate, templateDir } from "./template.js";
export { type DeployedContract, checkContract, deployedContracts } from "./contracts.js";
export {
  type VersionRecord,
  type VersionedTarget,
  artefactHash,
  dataLosses,
  listVersions,
  recordVersion,
  rollback,
  upAndRecord,
  versionTarget,
  versionsDir,
} from "./versions.js";
export { type Toolchain, cacheDir, loadToolchain } from "./toolchain.js";
export {
  MANIFEST_SCHEMA_FILE,
  type Manifest,
  ManifestError,
  type ManifestStack,
  type ResolvedManifest,
  createPrimitives,
  isManifestFolder,
  loadManifestSources,
  loadManifestStack,
  loadManifests,
  manifestFiles,
  manifestProgram,
  stackFolderOf,
} from "./manifest/index.js";
export {
  type NewProject,
  type ProjectVersions,
  TYPESCRIPT_VERSION,
  TYPES_NODE_VERSION,
  bundledTemplates,
  isTemplateSource,
  newProject,
  runningVersions,
  templateSources,
} from "./new.js";
export { type RunDetail, type RunView, findRun, listRuns, localWorkflows, runLogs, startRun, waitForRun } from "./workflows.js";
export { CONSOLE_PORT, modelDocumentation, readLineageEvents, stackConsoleSource } from "./console.js";
