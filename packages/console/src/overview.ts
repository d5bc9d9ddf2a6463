// The Overview page's model: every primitive of the stack by kind, with the
// state of the engines it runs, and the stack's versions. Pure.

/** A catalog entry, as the stack's `catalog` output holds it. */
export interface CatalogEntryView {
  kind: string;
  name: string;
  address: string;
  owner: string;
  domain?: string;
  description?: string;
  tags: Record<string, string>;
  inputs: string[];
}

/** A local engine as its supervisor sees it. */
export interface EngineView {
  /** Its resource name, e.g. `analytics-server`. */
  name: string;
  /** The kinds of the components it was declared in, outermost first, e.g. `["Database", "LocalPostgresServer"]`. */
  parents: string[];
  /** RUNNING, STARTING, BACKOFF, FATAL, ... or `not supervised`. */
  state: string;
  restarts: number;
  upSeconds?: number;
}

/** One version of the stack (every up and rollback). */
export interface VersionView {
  version: number;
  time: string;
  operation: "up" | "rollback";
  rolledBackTo?: number;
  result: "succeeded" | "failed";
  changes: Record<string, number>;
  error?: string;
}

/** A primitive on the Overview page. */
export interface PrimitiveView extends CatalogEntryView {
  /** `deployed` (no engine of its own), `running` (every engine RUNNING), or `engine down`. */
  status: "deployed" | "running" | "engine down";
  /** Its engines, by resource name. */
  engines: EngineView[];
  /** Restarts of its engines since they were deployed. */
  restarts: number;
}

export interface Overview {
  /** Primitives grouped by kind, kinds and names sorted. */
  kinds: { kind: string; primitives: PrimitiveView[] }[];
  /** Newest first. */
  versions: VersionView[];
}

/**
 * The primitive a resource (an engine, a drifted file) belongs to: of the
 * primitives it was declared in (its URN's component kinds) whose name
 * prefixes its own, the innermost (`sales-api-service-process` to the
 * Service `sales-api-service`, not the ModelApi `sales-api` around it;
 * `daily-revenue-scheduler` to the Workflow `daily-revenue`, not the
 * Contract of that name).
 */
function ownerOf(resource: { name: string; parents: string[] }, catalog: CatalogEntryView[]): CatalogEntryView | undefined {
  const depth = (e: CatalogEntryView) => resource.parents.lastIndexOf(e.kind);
  return catalog
    .filter((e) => resource.name.startsWith(`${e.name}-`) && depth(e) >= 0)
    .sort((a, b) => depth(b) - depth(a) || b.name.length - a.name.length)[0];
}

/** A resource whose live state differs from the last deployment's (a refresh would change it). */
export interface DriftedResource {
  /** Its resource name, e.g. `marketing-directory`. */
  name: string;
  /** The kinds of the components it was declared in, outermost first. */
  parents: string[];
  /** `gone`: it no longer exists; `changed`: it exists, with other values. */
  change: "gone" | "changed";
}

/** The drift check for the Overview: drifted resources by the primitive they belong to. */
export interface DriftView {
  checkedAt: string;
  /** Primitive address -> its drifted resources. */
  primitives: Record<string, { name: string; change: DriftedResource["change"] }[]>;
  /** Drifted resources of no primitive (e.g. a provider). */
  elsewhere: { name: string; change: DriftedResource["change"] }[];
}

/** Drifted resources by primitive. Pure. */
export function driftView(catalog: CatalogEntryView[], drifted: DriftedResource[], checkedAt: string): DriftView {
  const view: DriftView = { checkedAt, primitives: {}, elsewhere: [] };
  for (const resource of [...drifted].sort((a, b) => a.name.localeCompare(b.name))) {
    const owner = ownerOf(resource, catalog);
    const item = { name: resource.name, change: resource.change };
    if (owner) (view.primitives[owner.address] ??= []).push(item);
    else view.elsewhere.push(item);
  }
  return view;
}

/** The Overview from the catalog, the engines and the versions. */
export function overview(catalog: CatalogEntryView[], engines: EngineView[], versions: VersionView[]): Overview {
  const owners = new Map<string, EngineView[]>();
  for (const engine of engines) {
    const owner = ownerOf(engine, catalog);
    if (owner) owners.set(owner.address, [...(owners.get(owner.address) ?? []), engine]);
  }
  const byKind = new Map<string, PrimitiveView[]>();
  for (const entry of catalog) {
    const own = (owners.get(entry.address) ?? []).sort((a, b) => a.name.localeCompare(b.name));
    const status = own.length === 0 ? "deployed" : own.every((e) => e.state === "RUNNING") ? "running" : "engine down";
    const view: PrimitiveView = { ...entry, status, engines: own, restarts: own.reduce((n, e) => n + e.restarts, 0) };
    byKind.set(entry.kind, [...(byKind.get(entry.kind) ?? []), view]);
  }
  return {
    kinds: [...byKind.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, primitives]) => ({ kind, primitives: primitives.sort((a, b) => a.name.localeCompare(b.name)) })),
    versions: [...versions].sort((a, b) => b.version - a.version),
  };
}
