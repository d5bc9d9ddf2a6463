export { type AccessRow, accessRows } from "./access.js";
export {
  type ColumnRow,
  type DatasetDocs,
  type DatasetSummary,
  type DatasetView,
  type QualityResultRow,
  type TableRow,
  columnsSql,
  datasetDetail,
  datasetList,
  previewSql,
  tablesSql,
} from "./datasets.js";
export { type LaidOutGraph, type LineageEventView, type LineageGraph, layOut, lineageGraph, neighbourhood } from "./lineage.js";
export {
  type CatalogEntryView,
  type DriftView,
  type DriftedResource,
  type EngineView,
  type Overview,
  type PrimitiveView,
  type VersionView,
  driftView,
  overview,
} from "./overview.js";
export { type AttemptView, type RunDetailView, type RunTimeline, type RunView, runTimeline } from "./runs.js";
export {
  type AccessView,
  type ConsoleOptions,
  type ConsoleSource,
  type ConsoleUser,
  type DatasetsView,
  type LineageView,
  type RunningConsole,
  type RunsView,
  startConsole,
} from "./server.js";
