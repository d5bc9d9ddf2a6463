// Who may do what, per catalog, schema and table, with masks and row filters: the rules each Cluster's Trino loads.
import { Alert, Badge, Code, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { api } from "../api.ts";
import { useApi } from "./useApi.ts";

export function AccessPage() {
  const { data, error } = useApi(api.access);
  if (error)
    return (
      <Alert color="red" title="The access rules could not be read">
        {error}
      </Alert>
    );
  if (!data) return <Loader role="status" aria-label="Loading the access rules" />;
  return (
    <Stack>
      <Title order={2}>Access</Title>
      <Text size="sm">
        The rules each Cluster enforces, compiled from its Policies, in the order Trino reads them: the first row that matches a user
        decides. Anything no row allows is denied.
      </Text>
      {data.clusters.length === 0 && <Text>No Cluster of this stack runs on this machine.</Text>}
      {data.clusters.map(({ cluster, rows }) => (
        <section key={cluster} aria-labelledby={`cluster-${cluster}`}>
          <Title order={3} id={`cluster-${cluster}`} size="h4" mb="xs">
            Cluster {cluster}
          </Title>
          <Table striped withTableBorder aria-labelledby={`cluster-${cluster}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>Who</Table.Th>
                <Table.Th>Catalog</Table.Th>
                <Table.Th>Schema</Table.Th>
                <Table.Th>Table</Table.Th>
                <Table.Th>May</Table.Th>
                <Table.Th>Masks</Table.Th>
                <Table.Th>Row filter</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={row.order}>
                  <Table.Td>{row.order}</Table.Td>
                  <Table.Td>{row.subject}</Table.Td>
                  <Table.Td>{row.catalog}</Table.Td>
                  <Table.Td>{row.schema}</Table.Td>
                  <Table.Td>{row.table}</Table.Td>
                  <Table.Td>
                    {row.privileges.length === 0 ? (
                      <Badge color="red" variant="filled">
                        denied
                      </Badge>
                    ) : (
                      <Group gap={4}>
                        {row.privileges.map((p) => (
                          <Badge key={p} variant="filled">
                            {p}
                          </Badge>
                        ))}
                      </Group>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {Object.entries(row.masks).map(([column, mask]) => (
                      <div key={column}>
                        {column}: <Code>{mask}</Code>
                      </div>
                    ))}
                  </Table.Td>
                  <Table.Td>{row.filter && <Code>{row.filter}</Code>}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </section>
      ))}
    </Stack>
  );
}
