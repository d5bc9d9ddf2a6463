// Every primitive of the stack by kind with its status, owner and domain; the stack's versions.
import { Alert, Badge, Code, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { type DriftView, type PrimitiveView, type VersionView, api } from "../api.ts";
import { useApi } from "./useApi.ts";

const STATUS_COLOR: Record<PrimitiveView["status"], string> = { deployed: "blue", running: "teal.9", "engine down": "red" };

function changes(version: VersionView): string {
  const parts = Object.entries(version.changes)
    .filter(([kind, n]) => kind !== "same" && n > 0)
    .map(([kind, n]) => `${n} ${kind}`);
  return parts.length === 0 ? "no change" : parts.join(", ");
}

/** The drift column: asked separately, as a refresh preview reads every resource and takes seconds. */
function Drift({ address, drift }: { address: string; drift: { data?: DriftView; error?: string } }) {
  if (drift.error) return <Text size="sm">not checked</Text>;
  if (!drift.data) return <Text size="sm">checking</Text>;
  const resources = drift.data.primitives[address] ?? [];
  if (resources.length === 0) return <Text size="sm">none</Text>;
  return (
    <>
      <Badge color="grape.9" variant="filled">
        drifted
      </Badge>
      {resources.map((r, i) => (
        <Text key={i} size="xs">
          {r.name}: {r.change}
        </Text>
      ))}
    </>
  );
}

export function OverviewPage() {
  const { data, error } = useApi(api.overview);
  const drift = useApi(api.drift);
  if (error)
    return (
      <Alert color="red" title="The overview could not be read">
        {error}
      </Alert>
    );
  if (!data) return <Loader role="status" aria-label="Loading the overview" />;
  return (
    <Stack>
      <Title order={2}>Overview</Title>
      <Text size="sm">
        {drift.data
          ? `Drift checked at ${new Date(drift.data.checkedAt).toLocaleTimeString()} by a refresh preview: what differs from the last deployment (the next strata up puts it back).`
          : drift.error
            ? `Drift could not be checked: ${drift.error}`
            : "Checking for drift (a refresh preview of every resource)..."}
      </Text>
      {data.kinds.map(({ kind, primitives }) => (
        <section key={kind} aria-labelledby={`kind-${kind}`}>
          <Title order={3} id={`kind-${kind}`} size="h4" mb="xs">
            {kind} ({primitives.length})
          </Title>
          <Table striped withTableBorder aria-labelledby={`kind-${kind}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Drift</Table.Th>
                <Table.Th>Owner</Table.Th>
                <Table.Th>Domain</Table.Th>
                <Table.Th>Address</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {primitives.map((p) => (
                <Table.Tr key={p.address} data-address={p.address}>
                  <Table.Td>{p.name}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLOR[p.status]} variant="filled">
                      {p.status}
                    </Badge>
                    {p.restarts > 0 && (
                      <Text span size="xs" ml="xs">
                        {p.restarts} restart{p.restarts === 1 ? "" : "s"}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Drift address={p.address} drift={drift} />
                  </Table.Td>
                  <Table.Td>{p.owner}</Table.Td>
                  <Table.Td>{p.domain ?? ""}</Table.Td>
                  <Table.Td>
                    <Code>{p.address}</Code>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </section>
      ))}
      <section aria-labelledby="versions">
        <Title order={3} id="versions" size="h4" mb="xs">
          Versions
        </Title>
        <Table striped withTableBorder aria-labelledby="versions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Version</Table.Th>
              <Table.Th>When</Table.Th>
              <Table.Th>Operation</Table.Th>
              <Table.Th>Result</Table.Th>
              <Table.Th>Changes</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.versions.map((v) => (
              <Table.Tr key={v.version}>
                <Table.Td>{v.version}</Table.Td>
                <Table.Td>{new Date(v.time).toLocaleString()}</Table.Td>
                <Table.Td>{v.operation === "rollback" ? `rollback to ${v.rolledBackTo}` : "up"}</Table.Td>
                <Table.Td>{v.result}</Table.Td>
                <Table.Td>{v.result === "failed" ? (v.error ?? "failed") : changes(v)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </section>
    </Stack>
  );
}
