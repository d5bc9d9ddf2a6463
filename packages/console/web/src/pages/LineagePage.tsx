// Datasets and the jobs between them, laid out by dagre and drawn by React
// Flow: the whole graph, or what is upstream and downstream of one node.
import { Alert, Group, Loader, Select, Stack, Text, Title } from "@mantine/core";
import { Background, Controls, type Edge, MarkerType, type Node, Position, ReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useMemo } from "react";
import type { PageProps } from "../App.tsx";
import { type LaidOutGraph, type LineageNode, api } from "../api.ts";
import { useApi } from "./useApi.ts";

const STYLE: Record<LineageNode["kind"], React.CSSProperties> = {
  dataset: { background: "#fff", border: "1px solid #495057", color: "#212529" },
  job: { background: "#1864ab", border: "1px solid #1864ab", color: "#fff" },
  primitive: { background: "#5f3dc4", border: "1px solid #5f3dc4", color: "#fff" },
};

function label(node: LineageNode): string {
  if (!node.lastRun) return node.label;
  return `${node.label}\nlast run ${node.lastRun.state.toLowerCase()} ${new Date(node.lastRun.time).toLocaleString()}`;
}

/** React Flow's nodes and edges, placed where the server's layout put them. */
function flow(graph: LaidOutGraph, focus: string | undefined): { nodes: Node[]; edges: Edge[] } {
  return {
    nodes: graph.nodes.map((n) => ({
      id: n.id,
      position: { x: n.x, y: n.y },
      // Sized as laid out, so React Flow draws at once instead of measuring every node first.
      width: graph.nodeSize.width,
      height: graph.nodeSize.height,
      measured: graph.nodeSize,
      data: { label: label(n) },
      ariaLabel: `${n.kind === "dataset" ? "dataset" : n.kind === "job" ? "job" : (n.primitive ?? "primitive")} ${label(n)}`,
      style: {
        ...STYLE[n.kind],
        ...graph.nodeSize,
        overflow: "hidden",
        whiteSpace: "pre-line",
        fontSize: 12,
        ...(n.id === focus ? { boxShadow: "0 0 0 3px #e8590c" } : {}),
      },
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      connectable: false,
      draggable: false,
    })),
    edges: graph.edges.map((e) => ({
      id: `${e.from}->${e.to}`,
      source: e.from,
      target: e.to,
      markerEnd: { type: MarkerType.ArrowClosed },
    })),
  };
}

export function LineagePage({ rest, go }: PageProps) {
  const asked = new URLSearchParams(rest.startsWith("?") ? rest : "").get("node") ?? undefined;
  const load = useCallback(() => api.lineage(asked), [asked]);
  const { data, error } = useApi(load);
  const shown = useMemo(() => data && flow(data.graph, data.focus), [data]);
  if (error)
    return (
      <Alert color="red" title="The lineage could not be read">
        {error}
      </Alert>
    );
  if (!data || !shown) return <Loader role="status" aria-label="Loading the lineage" />;
  const choices = data.choices.map((n) => ({ value: n.id, label: n.label }));
  return (
    <Stack>
      <Title order={2}>Lineage</Title>
      <Text size="sm">
        What reads what: the workflows' OpenLineage runs (what their steps read and wrote, as Trino planned it) and what each Model,
        Contract and Service reads. Pick a dataset or a job to see only what is upstream and downstream of it; click a node to move to it.
      </Text>
      <Group align="end">
        <Select
          label="Upstream and downstream of"
          placeholder="the whole graph"
          searchable
          clearable
          data={choices}
          value={data.focus ?? null}
          onChange={(value) => go(value ? `/lineage?node=${encodeURIComponent(value)}` : "/lineage")}
          w={420}
        />
        <Text size="sm">
          {shown.nodes.length} nodes, {shown.edges.length} edges
        </Text>
      </Group>
      <div style={{ height: 620, border: "1px solid #dee2e6" }} aria-label="Lineage graph" role="region">
        <ReactFlow
          nodes={shown.nodes}
          edges={shown.edges}
          fitView
          minZoom={0.05}
          nodesConnectable={false}
          onNodeClick={(_, node) => go(`/lineage?node=${encodeURIComponent(node.id)}`)}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </Stack>
  );
}
