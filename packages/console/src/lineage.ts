// The Lineage page's model: datasets and the jobs between them, from the
// catalog's inputs (what each primitive reads) and the OpenLineage run events
// the workflows record (what each step read and wrote). Pure.
import { Graph, layout } from "@dagrejs/dagre";
import { groupBy } from "./datasets.js";
import type { CatalogEntryView } from "./overview.js";

/** The part of an OpenLineage 2-0-2 RunEvent the graph reads. */
export interface LineageEventView {
  eventType: string;
  eventTime: string;
  run: { runId: string; facets?: { parent?: unknown } };
  job: { namespace: string; name: string };
  inputs?: { namespace: string; name: string }[];
  outputs?: { namespace: string; name: string }[];
}

export interface LineageNode {
  /** A dataset's address (`strata://catalog/schema/table`), a primitive's (`strata:workflow/daily-revenue`), or `job:<namespace>/<name>`. */
  id: string;
  kind: "dataset" | "job" | "primitive";
  label: string;
  /** Primitives: their kind, e.g. `Model`. */
  primitive?: string;
  /** Jobs: their last run's state (COMPLETE, FAIL, or START while it runs) and time. */
  lastRun?: { state: string; time: string; runId: string };
}

export interface LineageEdge {
  from: string;
  to: string;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/** Primitives that move or serve data; Policies, Clusters and the like read depots without a data flow. */
export const LINEAGE_KINDS = ["Contract", "Model", "ModelApi", "Service", "Workflow"];

/** An OpenLineage dataset's address: namespace `strata://<catalog>`, name `<schema>.<table>`. Others keep `namespace/name`. */
function datasetAddress(d: { namespace: string; name: string }): string {
  return d.namespace.startsWith("strata://") ? `${d.namespace}/${d.name.split(".").join("/")}` : `${d.namespace}/${d.name}`;
}

function datasetLabel(address: string): string {
  return address.startsWith("strata://") ? address.slice("strata://".length).split("/").join(".") : address;
}

/**
 * The whole graph. Catalog primitives of LINEAGE_KINDS appear with what
 * they read. A job is one node however many events it has: its inputs and
 * outputs are those of every event, its last run the latest event's; a job
 * named as a Workflow of the stack is that Workflow's node. Step events
 * (those with a parent run) are left out: their workflow's run event
 * carries what its steps read and wrote.
 */
export function lineageGraph(catalog: CatalogEntryView[], events: LineageEventView[]): LineageGraph {
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, LineageEdge>();
  const dataset = (address: string) => {
    if (!nodes.has(address)) nodes.set(address, { id: address, kind: "dataset", label: datasetLabel(address) });
    return address;
  };
  const edge = (from: string, to: string) => edges.set(`${from}\n${to}`, { from, to });

  const kept = catalog.filter((e) => LINEAGE_KINDS.includes(e.kind));
  const keptAddresses = new Set(kept.map((e) => e.address));
  for (const entry of kept) {
    nodes.set(entry.address, { id: entry.address, kind: "primitive", label: `${entry.kind} ${entry.name}`, primitive: entry.kind });
    // A Workflow's data flow is its runs' (below): its catalog inputs are the Cluster and the Contracts it runs.
    if (entry.kind === "Workflow") continue;
    for (const input of entry.inputs) {
      if (input.startsWith("strata://")) edge(dataset(input), entry.address);
      else if (keptAddresses.has(input)) edge(input, entry.address);
    }
  }

  const workflows = new Map(kept.filter((e) => e.kind === "Workflow").map((e) => [e.name, e.address]));
  for (const event of events) {
    if (event.run.facets?.parent !== undefined) continue;
    const id = workflows.get(event.job.name) ?? `job:${event.job.namespace}/${event.job.name}`;
    const node = nodes.get(id) ?? { id, kind: "job" as const, label: event.job.name };
    if (node.lastRun === undefined || node.lastRun.time <= event.eventTime)
      node.lastRun = { state: event.eventType, time: event.eventTime, runId: event.run.runId };
    nodes.set(id, node);
    for (const input of event.inputs ?? []) edge(dataset(datasetAddress(input)), id);
    for (const output of event.outputs ?? []) edge(id, dataset(datasetAddress(output)));
  }
  // A primitive linked to nothing (a Service of its own) says nothing about lineage.
  const linked = new Set([...edges.values()].flatMap((e) => [e.from, e.to]));
  return {
    nodes: [...nodes.values()].filter((n) => n.kind !== "primitive" || linked.has(n.id)).sort((a, b) => a.id.localeCompare(b.id)),
    edges: [...edges.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to)),
  };
}

/** The part of the graph upstream and downstream of one node (the node included). */
export function neighbourhood(graph: LineageGraph, id: string): LineageGraph {
  const walk = (forward: boolean) => {
    const next = groupBy(graph.edges, (e) => (forward ? e.from : e.to));
    const seen = new Set([id]);
    const queue = [id];
    for (let at = queue.shift(); at !== undefined; at = queue.shift())
      for (const to of (next.get(at) ?? []).map((e) => (forward ? e.to : e.from)))
        if (!seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
    return seen;
  };
  const down = walk(true);
  const up = walk(false);
  const keep = new Set([...down, ...up]);
  return {
    nodes: graph.nodes.filter((n) => keep.has(n.id)),
    // Only edges along a path through the node: up to it, or down from it.
    edges: graph.edges.filter((e) => (up.has(e.from) && up.has(e.to)) || (down.has(e.from) && down.has(e.to))),
  };
}

/** A node's box on the page, in pixels. */
export const NODE_SIZE = { width: 230, height: 56 };

/** A graph with every node placed: its top-left corner, and the size every node was given. */
export interface LaidOutGraph {
  nodes: (LineageNode & { x: number; y: number })[];
  edges: LineageEdge[];
  nodeSize: { width: number; height: number };
}

/** Places the nodes with dagre, left to right: what a node reads is on its left. Pure. */
export function layOut(graph: LineageGraph): LaidOutGraph {
  const g = new Graph();
  g.setGraph({ rankdir: "LR", nodesep: 20, ranksep: 80 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { ...NODE_SIZE });
  for (const e of graph.edges) g.setEdge(e.from, e.to);
  layout(g);
  return {
    nodes: graph.nodes.map((n) => {
      const at = g.node(n.id);
      return { ...n, x: at.x - NODE_SIZE.width / 2, y: at.y - NODE_SIZE.height / 2 };
    }),
    edges: graph.edges,
    nodeSize: NODE_SIZE,
  };
}
