// `strata console`: what the console reads of a stack, taken from its
// outputs, its state, its versions and the Cluster's own rules files. Never a
// secret value: the catalog, engine states, versions and access rules hold none.
import * as fs from "node:fs";
import type {
  CatalogEntryView,
  ConsoleSource,
  DatasetDocs,
  DriftedResource,
  LineageEventView,
  QualityResultRow,
  RunDetailView,
  VersionView,
} from "@strata/console";
import { TrinoLoginError, localClusterRulesFile, localLineageFile, passwordFromFile } from "@strata/user-kernel";
import type * as pulumi from "@pulumi/pulumi";
import pg from "pg";
import { localEngines } from "./engines.js";
import { connectionOf, sessionFor } from "./logins.js";
import { type StackTarget, openStack, projectName, stackDataDir } from "./runner.js";
import { listVersions } from "./versions.js";
import { findRun, listRuns, localWorkflows, runLogs } from "./workflows.js";

/** A resource of the stack's state, as exported. */
interface StateResource {
  type: string;
  urn: string;
  outputs?: Record<string, unknown>;
}

/** Where a Contract keeps its reports, as its `history` output gives it. */
interface HistoryDatabase {
  host: string;
  port: number;
  database: string;
  user: string;
  passwordFile: string;
  caFile?: string;
}

/** How many of each Contract's last checks the console reads. */
const CHECKS_READ = 30;

/** The model's descriptions of the tables it reads: a dimension that is a plain column of its table documents that column. Pure. */
export function modelDocumentation(
  name: string,
  model: {
    tables?: Record<string, { table?: string; description?: string; dimensions?: Record<string, { sql?: string; description?: string }> }>;
  },
): DatasetDocs[] {
  return Object.entries(model.tables ?? {}).flatMap(([tableName, t]) => {
    if (t.table === undefined) return [];
    const columns: Record<string, string> = {};
    for (const [dimension, d] of Object.entries(t.dimensions ?? {})) {
      const column = d.sql === undefined ? dimension : new RegExp(`^${tableName}\\.(\\w+)$`).exec(d.sql.trim())?.[1];
      if (column !== undefined && d.description) columns[column] = d.description;
    }
    return [{ dataset: t.table, from: `Model ${name}`, ...(t.description ? { description: t.description } : {}), columns }];
  });
}

/** What a refresh would change: a preview of it, which reads every resource and changes nothing. */
async function driftOf(stack: pulumi.automation.Stack): Promise<DriftedResource[]> {
  const drifted: DriftedResource[] = [];
  await stack.previewRefresh({
    onEvent: (event) => {
      const step = event.resOutputsEvent?.metadata;
      if (step === undefined || (step.op !== "update" && step.op !== "delete")) return;
      const [types = "", name = ""] = step.urn.split("::").slice(-2);
      drifted.push({
        name,
        parents: types
          .split("$")
          .slice(0, -1)
          .map((type) => type.split(":").at(-1)!),
        change: step.op === "delete" ? "gone" : "changed",
      });
    },
  });
  return drifted;
}

/** The OpenLineage events of a JSONL file; a line that is not an event is skipped. */
export function readLineageEvents(file: string): LineageEventView[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line) => {
      if (line.trim() === "") return [];
      try {
        const event = JSON.parse(line) as LineageEventView;
        return typeof event.eventTime === "string" && typeof event.job?.name === "string" ? [event] : [];
      } catch {
        return [];
      }
    });
}

/** Each Contract's last checks, read from every history Database its Contracts name (each once). */
async function readQualityResults(databases: HistoryDatabase[]): Promise<QualityResultRow[]> {
  const unique = new Map(databases.map((d) => [`${d.host}:${d.port}/${d.database}`, d]));
  const all = await Promise.all(
    [...unique.values()].map(async (d) => {
      const client = new pg.Client({
        host: d.host,
        port: d.port,
        database: d.database,
        user: d.user,
        password: passwordFromFile(d.passwordFile),
        ...(d.caFile ? { ssl: { ca: fs.readFileSync(d.caFile, "utf8"), rejectUnauthorized: true } } : {}),
      });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT to_json(checked_at) #>> '{}' AS checked_at, contract, origin, dataset, rule, metric, expected, observed, status, blocking, message
           FROM (SELECT r.*, dense_rank() OVER (PARTITION BY contract ORDER BY checked_at DESC) AS recent FROM strata_quality.results r) x
           WHERE recent <= $1 ORDER BY checked_at`,
          [CHECKS_READ],
        );
        return rows.map((r): QualityResultRow => ({
          checkedAt: new Date(r.checked_at as string).toISOString(),
          contract: r.contract,
          origin: r.origin,
          dataset: r.dataset,
          rule: r.rule,
          metric: r.metric,
          expected: r.expected,
          observed: r.observed,
          status: r.status,
          blocking: r.blocking,
          ...(r.message ? { message: r.message } : {}),
        }));
      } catch (error) {
        // No report kept yet: the table is made by the first one.
        if ((error as { code?: string }).code === "42P01") return [];
        throw error;
      } finally {
        await client.end();
      }
    }),
  );
  return all.flat();
}

/** The console's port on 127.0.0.1 unless `--port` says otherwise. */
export const CONSOLE_PORT = 8415;

/** The console's view of a deployed stack; refused, with the fix, when the stack was never deployed. */
export async function stackConsoleSource(target: StackTarget): Promise<ConsoleSource> {
  const opened = await openStack(target);
  // The stack's outputs and state are read again only after a new version (or a minute): each read runs the Pulumi CLI.
  const stale = () => `${listVersions(target).at(-1)?.version}:${Math.floor(Date.now() / 60_000)}`;
  /** A read kept (and shared while it runs) until `keyOf` changes; a failed one is not kept. */
  const remembered = <T>(read: () => Promise<T>, keyOf: () => string = stale): (() => Promise<T>) => {
    let kept: { key: string; value: Promise<T> } | undefined;
    return () => {
      const key = keyOf();
      if (kept === undefined || kept.key !== key) {
        const value = read();
        kept = { key, value };
        value.catch(() => {
          if (kept?.value === value) kept = undefined;
        });
      }
      return kept.value;
    };
  };
  const outputs = remembered(() => opened.outputs());
  const exported = remembered(() => opened.exportStack());
  const stack = { exportStack: exported };
  const dataDir = stackDataDir(target);
  const resources = async () => ((await exported()).deployment?.resources ?? []) as StateResource[];
  // One refresh preview at a time, its answer kept for half a minute: each one reads every resource.
  const drift = remembered(
    () => driftOf(opened),
    () => String(Math.floor(Date.now() / 30_000)),
  );
  const nameOf = (r: StateResource) => r.urn.split("::").at(-1)!;
  if (!Array.isArray((await outputs()).catalog?.value))
    throw new Error(`stack ${target.stackName} has no catalog output: deploy it first (strata up --stack ${target.stackName})`);
  const catalog = async (): Promise<CatalogEntryView[]> => {
    const entries = (await outputs()).catalog?.value;
    return Array.isArray(entries) ? (entries as CatalogEntryView[]) : [];
  };
  return {
    stackName: `${projectName(target.workDir)}/${target.stackName}`,
    async signIn(user, password) {
      const connection = connectionOf(await outputs());
      try {
        const session = sessionFor(connection, user, password, "strata-console");
        const result = await session.query("SELECT current_user");
        return { name: String(result.rows[0]?.[0] ?? user), query: (sql) => session.query(sql) };
      } catch (error) {
        if (error instanceof TrinoLoginError) return undefined;
        throw error;
      }
    },
    catalog,
    async engines() {
      return (await localEngines(stack)).map((e) => ({
        name: e.name,
        parents: e.parents,
        state: e.state,
        restarts: e.restarts,
        ...(e.upSeconds === undefined ? {} : { upSeconds: e.upSeconds }),
      }));
    },
    async versions(): Promise<VersionView[]> {
      return listVersions(target).map((v) => ({
        version: v.version,
        time: v.time,
        operation: v.operation,
        ...(v.rolledBackTo === undefined ? {} : { rolledBackTo: v.rolledBackTo }),
        result: v.result,
        changes: v.changes,
        ...(v.error === undefined ? {} : { error: v.error }),
      }));
    },
    async accessRules() {
      const clusters = (await catalog()).filter((e) => e.kind === "Cluster").map((e) => e.name);
      const state = await resources();
      return clusters.flatMap((cluster) => {
        const file = localClusterRulesFile(dataDir, cluster);
        if (fs.existsSync(file)) return [{ cluster, rules: JSON.parse(fs.readFileSync(file, "utf8")) as unknown }];
        // Kubernetes targets: the ConfigMap Trino mounts, as last deployed.
        const map = state.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && nameOf(r) === `${cluster}-access-rules`);
        const text = (map?.outputs?.data as Record<string, unknown> | undefined)?.["rules.json"];
        return typeof text === "string" ? [{ cluster, rules: JSON.parse(text) as unknown }] : [];
      });
    },
    async documentation() {
      return (await resources()).flatMap((r): DatasetDocs[] => {
        if (r.type === "strata:user:Model" && r.outputs?.model) return modelDocumentation(nameOf(r), r.outputs.model as never);
        if (r.type === "strata:user:Contract" && Array.isArray(r.outputs?.documentation))
          return (r.outputs.documentation as Omit<DatasetDocs, "from">[]).map((d) => ({ ...d, from: `Contract ${nameOf(r)}` }));
        return [];
      });
    },
    async qualityResults() {
      const databases = (await resources()).flatMap((r) =>
        r.type === "strata:user:Contract" && r.outputs?.history ? [r.outputs.history as HistoryDatabase] : [],
      );
      return readQualityResults(databases);
    },
    async lineageEvents() {
      return readLineageEvents(localLineageFile(dataDir));
    },
    async runs(limit) {
      return listRuns(localWorkflows(dataDir), undefined, limit);
    },
    async run(id): Promise<RunDetailView | undefined> {
      const workflows = localWorkflows(dataDir);
      return findRun(workflows, id).then(
        ({ run }) => run,
        () => undefined,
      );
    },
    async runLog(id, step) {
      return runLogs(localWorkflows(dataDir), id, step);
    },
    drift,
  };
}
