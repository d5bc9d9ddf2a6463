// The tables the signed-in person sees through Trino, and one table: its
// columns as Models and Contracts describe them, its Contracts' results over
// time, and its first rows as Trino shows them to this person.
import { LazyBarChart } from "./Chart.tsx";
import { Alert, Anchor, Badge, Code, Group, Loader, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useCallback, useMemo, useState } from "react";
import type { PageProps } from "../App.tsx";
import { type DatasetContractView, type PreviewView, api } from "../api.ts";

interface TableRef {
  catalog: string;
  schema: string;
  table: string;
}
import { useApi } from "./useApi.ts";

const RESULT_COLOR: Record<string, string> = { passed: "teal.9", failed: "red.9", warning: "#a33a07" };

function ResultBadge({ status }: { status: string }) {
  return (
    <Badge variant="filled" color={RESULT_COLOR[status] ?? "gray.9"}>
      {status}
    </Badge>
  );
}

/** Where a check ran: at a deployment, or in a workflow's run (linked). */
function Origin({ origin }: { origin: string }) {
  const run = /^workflow:([^:]+):([0-9a-f-]{36})$/.exec(origin);
  if (!run) return <>({origin})</>;
  return (
    <>
      (run <Anchor href={`/runs/${run[2]}`}>{run[2]!.slice(0, 8)}</Anchor> of {run[1]})
    </>
  );
}

function ContractSection({ contract }: { contract: DatasetContractView }) {
  const id = `contract-${contract.contract}`;
  const chart = contract.checks.map((c) => ({ ...c, check: new Date(c.checkedAt).toLocaleString() }));
  return (
    <section aria-labelledby={id}>
      <Title order={4} id={id} mb="xs">
        Contract {contract.contract}
      </Title>
      <Table striped withTableBorder aria-labelledby={id}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Rule</Table.Th>
            <Table.Th>Metric</Table.Th>
            <Table.Th>Expected</Table.Th>
            <Table.Th>Observed</Table.Th>
            <Table.Th>Result</Table.Th>
            <Table.Th>Checked</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {contract.latest.map((r) => (
            <Table.Tr key={`${r.rule} ${r.metric}`} data-rule={r.rule}>
              <Table.Td>
                <Code>{r.rule}</Code>
              </Table.Td>
              <Table.Td>{r.metric}</Table.Td>
              <Table.Td>{r.expected}</Table.Td>
              <Table.Td>{r.observed ?? r.message ?? "-"}</Table.Td>
              <Table.Td miw={110}>
                <ResultBadge status={r.status} />
              </Table.Td>
              <Table.Td>
                {new Date(r.checkedAt).toLocaleString()} <Origin origin={r.origin} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="sm" mt="sm" id={`${id}-chart`}>
        Rules passed and failed at each of the last {contract.checks.length} checks
      </Text>
      <LazyBarChart
        h={180}
        aria-labelledby={`${id}-chart`}
        data={chart}
        dataKey="check"
        type="stacked"
        withLegend
        series={[
          { name: "passed", color: "teal.9" },
          { name: "failed", color: "red.9" },
          { name: "warning", color: "#a33a07" },
        ]}
      />
    </section>
  );
}

function Preview({ preview: { data, error } }: { preview: { data?: PreviewView; error?: string } }) {
  if (error)
    return (
      <Alert color="red" title="Trino did not show the rows">
        {error}
      </Alert>
    );
  if (!data) return <Loader role="status" aria-label="Loading the rows" />;
  return (
    <Table.ScrollContainer minWidth={500}>
      <Table striped withTableBorder aria-label="Preview">
        <Table.Thead>
          <Table.Tr>
            {data.columns.map((c) => (
              <Table.Th key={c}>{c}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {data.rows.map((row, i) => (
            <Table.Tr key={i}>
              {row.map((value, j) => (
                <Table.Td key={j}>{value === null ? <Text c="gray.7">NULL</Text> : String(value)}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="sm">{data.rows.length} rows shown, as Trino gives them to you (your masks and row filters apply).</Text>
    </Table.ScrollContainer>
  );
}

function DatasetDetail({ table: { catalog, schema, table } }: { table: TableRef }) {
  const load = useCallback(() => api.dataset(catalog, schema, table), [catalog, schema, table]);
  const loadPreview = useCallback(() => api.preview(catalog, schema, table), [catalog, schema, table]);
  const { data: view, error } = useApi(load);
  const preview = useApi(loadPreview);
  if (error)
    return (
      <Alert color="red" title="The table could not be read">
        {error}
      </Alert>
    );
  if (!view) return <Loader role="status" aria-label="Loading the table" />;
  return (
    <Stack>
      <Title order={2}>
        {view.catalog}.{view.schema}.{view.table}
      </Title>
      <Group gap="xs">
        {view.owner && <Badge variant="filled">owner {view.owner}</Badge>}
        {view.domain && <Badge variant="filled">domain {view.domain}</Badge>}
        {Object.entries(view.tags).map(([k, v]) => (
          <Badge key={k} variant="filled" color="gray.9">
            {k}: {v}
          </Badge>
        ))}
      </Group>
      {view.descriptions.map((d) => (
        <Text key={d.from}>
          {d.text}{" "}
          <Text span c="gray.7">
            ({d.from})
          </Text>
        </Text>
      ))}
      <Title order={3} size="h4" id="columns">
        Columns
      </Title>
      <Table striped withTableBorder aria-labelledby="columns">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Column</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Description</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {view.columns.map((c) => (
            <Table.Tr key={c.name}>
              <Table.Td>{c.name}</Table.Td>
              <Table.Td>
                <Code>{c.type}</Code>
              </Table.Td>
              <Table.Td>
                {c.descriptions.map((d) => (
                  <div key={d.from}>
                    {d.text}{" "}
                    <Text span c="gray.7">
                      ({d.from})
                    </Text>
                  </div>
                ))}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Title order={3} size="h4">
        Contracts
      </Title>
      {view.contracts.length === 0 && <Text>No Contract of this stack has checked this table yet.</Text>}
      {view.contracts.map((c) => (
        <ContractSection key={c.contract} contract={c} />
      ))}
      <Title order={3} size="h4">
        First rows
      </Title>
      <Preview preview={preview} />
    </Stack>
  );
}

export function DatasetsPage({ rest, go }: PageProps) {
  // One table: asked directly (with its preview at the same time), not after the whole list.
  if (rest !== "") {
    const [catalog = "", schema = "", table = ""] = rest.split("/").map(decodeURIComponent);
    return <DatasetDetail key={rest} table={{ catalog, schema, table }} />;
  }
  return <DatasetList go={go} />;
}

function DatasetList({ go }: Pick<PageProps, "go">) {
  const { data, error } = useApi(api.datasets);
  const [filter, setFilter] = useState("");
  const shown = useMemo(
    () => (data?.datasets ?? []).filter((d) => `${d.catalog}.${d.schema}.${d.table}`.toLowerCase().includes(filter.trim().toLowerCase())),
    [data, filter],
  );
  if (error)
    return (
      <Alert color="red" title="The datasets could not be read">
        {error}
      </Alert>
    );
  if (!data) return <Loader role="status" aria-label="Loading the datasets" />;
  return (
    <Stack>
      <Title order={2}>Datasets</Title>
      <Text size="sm">The tables Trino lists to you: tables your Policies do not open are not here.</Text>
      {data.refused.map((r) => (
        <Alert key={r.catalog} color="gray" title={`Catalog ${r.catalog} is not open to you`}>
          {r.error}
        </Alert>
      ))}
      <TextInput label="Filter" placeholder="catalog.schema.table" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} />
      <Table striped withTableBorder aria-label="Datasets">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Table</Table.Th>
            <Table.Th>Owner</Table.Th>
            <Table.Th>Domain</Table.Th>
            <Table.Th>Contracts</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {shown.map((d) => {
            const href = `/datasets/${[d.catalog, d.schema, d.table].map(encodeURIComponent).join("/")}`;
            return (
              <Table.Tr key={d.address} data-address={d.address}>
                <Table.Td>
                  <Anchor
                    href={href}
                    onClick={(event) => {
                      event.preventDefault();
                      go(href);
                    }}
                  >
                    {d.catalog}.{d.schema}.{d.table}
                  </Anchor>
                </Table.Td>
                <Table.Td>{d.owner}</Table.Td>
                <Table.Td>{d.domain}</Table.Td>
                <Table.Td>{d.contractState && <ResultBadge status={d.contractState} />}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
