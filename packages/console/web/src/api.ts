// The console's JSON API, as the page calls it. Types come from the server's own modules.
import type { DatasetView, PreviewView } from "../../src/datasets.ts";
import type { LaidOutGraph } from "../../src/lineage.ts";
import type { DriftView, Overview } from "../../src/overview.ts";
import type { RunTimeline } from "../../src/runs.ts";
import type { AccessView, DatasetsView, LineageView, RunsView } from "../../src/server.ts";

export type { AccessRow } from "../../src/access.ts";
export type { AccessView, DatasetsView, DriftView, LaidOutGraph, LineageView, Overview, PreviewView, RunTimeline, RunsView };
export type { DatasetContractView, DatasetSummary, DatasetView } from "../../src/datasets.ts";
export type { LineageNode } from "../../src/lineage.ts";
export type { PrimitiveView, VersionView } from "../../src/overview.ts";
export type { TimelineAttempt } from "../../src/runs.ts";

export interface Session {
  user: string;
  stack: string;
}

/** A failed call: its HTTP status and the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function send<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new ApiError(response.status, json.error ?? response.statusText);
  return json as T;
}

// Reads started ahead of the page that needs them (see `prefetch`), each taken once.
const started = new Map<string, Promise<unknown>>();

function get<T>(url: string): Promise<T> {
  const early = started.get(url);
  started.delete(url);
  return (early as Promise<T> | undefined) ?? send<T>("GET", url);
}

const tablePath = (catalog: string, schema: string, table: string) => [catalog, schema, table].map(encodeURIComponent).join("/");

/** The API's read addresses. */
const urls = {
  overview: () => "/api/overview",
  drift: () => "/api/drift",
  access: () => "/api/access",
  datasets: () => "/api/datasets",
  dataset: (catalog: string, schema: string, table: string) => `/api/datasets/${tablePath(catalog, schema, table)}`,
  preview: (catalog: string, schema: string, table: string) => `/api/datasets/${tablePath(catalog, schema, table)}/preview`,
  lineage: (node?: string) => (node === undefined ? "/api/lineage" : `/api/lineage?node=${encodeURIComponent(node)}`),
  runs: () => "/api/runs",
  run: (id: string) => `/api/runs/${encodeURIComponent(id)}`,
  runLog: (id: string, step: string) => `/api/runs/${encodeURIComponent(id)}/logs/${encodeURIComponent(step)}`,
};

export const api = {
  session: () => send<Session | { user: null }>("GET", "/api/session"),
  signIn: (user: string, password: string) => send<Session>("POST", "/api/session", { user, password }),
  signOut: () => send<unknown>("DELETE", "/api/session"),
  overview: () => get<Overview>(urls.overview()),
  drift: () => get<DriftView>(urls.drift()),
  access: () => get<AccessView>(urls.access()),
  datasets: () => get<DatasetsView>(urls.datasets()),
  dataset: (catalog: string, schema: string, table: string) => get<DatasetView>(urls.dataset(catalog, schema, table)),
  preview: (catalog: string, schema: string, table: string) => get<PreviewView>(urls.preview(catalog, schema, table)),
  lineage: (node?: string) => get<LineageView>(urls.lineage(node)),
  runs: () => get<RunsView>(urls.runs()),
  run: (id: string) => get<RunTimeline>(urls.run(id)),
  runLog: (id: string, step: string) => get<{ log: string }>(urls.runLog(id, step)),
};

/** The reads the page at a path makes first. */
function firstReads(path: string): string[] {
  const [pathname = "/", search = ""] = path.split("?");
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return [urls.overview(), urls.drift()];
  if (parts[0] === "datasets" && parts.length === 4)
    return [urls.dataset(parts[1]!, parts[2]!, parts[3]!), urls.preview(parts[1]!, parts[2]!, parts[3]!)];
  if (parts[0] === "datasets") return [urls.datasets()];
  if (parts[0] === "lineage") return [urls.lineage(new URLSearchParams(search).get("node") ?? undefined)];
  if (parts[0] === "runs" && parts.length === 2) return [urls.run(parts[1]!)];
  if (parts[0] === "runs") return [urls.runs()];
  if (parts[0] === "access") return [urls.access()];
  return [];
}

/**
 * Starts the reads the page at `path` makes first, while its code loads:
 * the page then takes them instead of asking again. Called once signed in.
 */
export function prefetch(path: string): void {
  for (const url of firstReads(path)) {
    const promise = send("GET", url);
    // A failed early read is the page's to report: keep it from being an unhandled rejection meanwhile.
    promise.catch(() => undefined);
    started.set(url, promise);
  }
}
