// Recent workflow runs, and one run as the timeline of its steps' attempts
// (retries visible), with each step's log.
import { LazyBarChart } from "./Chart.tsx";
import { Alert, Anchor, Badge, Button, Code, Group, Loader, Stack, Table, Text, Timeline, Title } from "@mantine/core";
import { useCallback, useState } from "react";
import type { PageProps } from "../App.tsx";
import { type TimelineAttempt, api } from "../api.ts";
import { useApi } from "./useApi.ts";

const STATUS_COLOR: Record<string, string> = {
  Succeeded: "teal.9",
  Failed: "red.9",
  Error: "red.9",
  Running: "blue.9",
  Skipped: "gray.9",
  Omitted: "gray.9",
};

function Status({ status }: { status: string }) {
  return (
    <Badge variant="filled" color={STATUS_COLOR[status] ?? "gray.9"}>
      {status}
    </Badge>
  );
}

function seconds(value?: number): string {
  return value === undefined ? "-" : `${value.toFixed(1)} s`;
}

function StepLog({ run, step }: { run: string; step: string }) {
  const load = useCallback(() => api.runLog(run, step), [run, step]);
  const { data, error } = useApi(load);
  if (error) return <Alert color="red">{error}</Alert>;
  if (!data) return <Loader size="sm" role="status" aria-label={`Loading the log of ${step}`} />;
  return (
    <Code block tabIndex={0} aria-label={`Log of ${step}`}>
      {data.log || "(empty)"}
    </Code>
  );
}

function attemptText(a: TimelineAttempt): string {
  const parts = [`started at +${a.offsetSeconds.toFixed(1)} s`, `took ${seconds(a.seconds)}`];
  if (a.exitCode !== undefined) parts.push(`exit code ${a.exitCode}`);
  if (a.rowsWritten !== undefined) parts.push(`${a.rowsWritten} rows written`);
  if (a.retried) parts.push("retried");
  return parts.join(", ");
}

function RunDetail({ id }: { id: string }) {
  const load = useCallback(() => api.run(id), [id]);
  const { data, error } = useApi(load);
  const [open, setOpen] = useState<string | undefined>(undefined);
  if (error)
    return (
      <Alert color="red" title="The run could not be read">
        {error}
      </Alert>
    );
  if (!data) return <Loader role="status" aria-label="Loading the run" />;
  const { run, steps } = data;
  // A Gantt chart from a stacked bar chart: an invisible bar up to the attempt's start, then its duration.
  const chart = steps.flatMap(({ step, attempts }) =>
    attempts.map((a) => ({
      attempt: `${step} #${a.number}`,
      waited: a.offsetSeconds,
      succeeded: a.status === "Succeeded" ? (a.seconds ?? 0) : 0,
      other: a.status === "Succeeded" ? 0 : (a.seconds ?? 0),
    })),
  );
  return (
    <Stack>
      <Title order={2}>
        Run of {run.workflow} <Status status={run.status} />
      </Title>
      <Text>
        {run.trigger} run {run.id}, requested {new Date(run.requestedAt).toLocaleString()}, took {seconds(run.seconds)}
        {run.message ? `: ${run.message}` : ""}
      </Text>
      <Text size="sm" id="run-timeline">
        Every attempt on the run's clock: when it started and how long it ran (seconds after the run started)
      </Text>
      <LazyBarChart
        h={Math.max(120, 40 * chart.length + 40)}
        aria-labelledby="run-timeline"
        data={chart}
        dataKey="attempt"
        orientation="vertical"
        type="stacked"
        yAxisProps={{ width: 140 }}
        series={[
          { name: "waited", label: "started at (s)", color: "transparent" },
          { name: "succeeded", label: "ran for (s), succeeded", color: "teal.9" },
          { name: "other", label: "ran for (s), failed or running", color: "red.9" },
        ]}
      />
      {steps.map(({ step, status, attempts }) => (
        <section key={step} aria-labelledby={`step-${step}`} data-step={step}>
          <Group gap="xs" mb="xs">
            <Title order={3} size="h4" id={`step-${step}`}>
              Step {step}
            </Title>
            <Status status={status} />
            <Text size="sm">
              {attempts.length} attempt{attempts.length === 1 ? "" : "s"}
            </Text>
          </Group>
          <Timeline active={attempts.length - 1} bulletSize={18} lineWidth={2} aria-label={`Attempts of ${step}`}>
            {attempts.map((a) => (
              <Timeline.Item
                key={a.number}
                color={STATUS_COLOR[a.status ?? "Running"] ?? "gray.9"}
                title={`Attempt ${a.number}: ${a.status ?? "running"}`}
              >
                <Text size="sm">{attemptText(a)}</Text>
                {a.error && (
                  <Text size="sm" c="red.9">
                    {a.error}
                  </Text>
                )}
              </Timeline.Item>
            ))}
          </Timeline>
          <Button size="xs" variant="default" mt="xs" onClick={() => setOpen(open === step ? undefined : step)}>
            {open === step ? `Hide the log of ${step}` : `Show the log of ${step}`}
          </Button>
          {open === step && <StepLog run={run.id} step={step} />}
        </section>
      ))}
    </Stack>
  );
}

export function RunsPage({ rest, go }: PageProps) {
  const { data, error } = useApi(api.runs);
  if (rest !== "") return <RunDetail id={decodeURIComponent(rest)} />;
  if (error)
    return (
      <Alert color="red" title="The runs could not be read">
        {error}
      </Alert>
    );
  if (!data) return <Loader role="status" aria-label="Loading the runs" />;
  return (
    <Stack>
      <Title order={2}>Runs</Title>
      {data.runs.length === 0 && <Text>No workflow of this stack has run yet.</Text>}
      <Table striped withTableBorder aria-label="Runs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Workflow</Table.Th>
            <Table.Th>Run</Table.Th>
            <Table.Th>Trigger</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Requested</Table.Th>
            <Table.Th>Duration</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {data.runs.map((r) => (
            <Table.Tr key={r.id} data-run={r.id}>
              <Table.Td>{r.workflow}</Table.Td>
              <Table.Td>
                <Anchor
                  href={`/runs/${r.id}`}
                  onClick={(event) => {
                    event.preventDefault();
                    go(`/runs/${r.id}`);
                  }}
                >
                  {r.id.slice(0, 8)}
                </Anchor>
              </Table.Td>
              <Table.Td>{r.trigger}</Table.Td>
              <Table.Td>
                <Status status={r.status} />
              </Table.Td>
              <Table.Td>{new Date(r.requestedAt).toLocaleString()}</Table.Td>
              <Table.Td>{seconds(r.seconds)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
