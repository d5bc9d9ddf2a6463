// OpenLineage 2-0-2 run events for workflow runs and their steps: START,
// then COMPLETE or FAIL. Inputs and outputs come from Trino itself
// (EXPLAIN (TYPE IO, FORMAT JSON) of each statement), datasets are named by
// their depot address (namespace `strata://<catalog>`, name `<schema>.<table>`),
// and outputs carry the schema facet read from the table after the step.
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { QualityReport, TrinoSession } from "@strata/core-kernel";

export const OPENLINEAGE_SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
export const PRODUCER = "https://strata.dev/workflow";
export const FACET_SCHEMAS = {
  jobType: "https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
  sql: "https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet",
  parent: "https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet",
  errorMessage: "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet",
  schema: "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
  dataQualityAssertions:
    "https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet",
};

export interface DatasetRef {
  catalog: string;
  schema: string;
  table: string;
}

export interface LineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
  /** Input datasets only: e.g. the data quality assertions a check step made on them. */
  inputFacets?: Record<string, unknown>;
}

export interface RunEvent {
  eventType: "START" | "COMPLETE" | "FAIL";
  eventTime: string;
  run: { runId: string; facets?: Record<string, unknown> };
  job: { namespace: string; name: string; facets?: Record<string, unknown> };
  inputs: LineageDataset[];
  outputs: LineageDataset[];
  producer: string;
  schemaURL: string;
}

/** A dataset's OpenLineage identity, from its depot address `strata://<catalog>/<schema>/<table>`. */
export function datasetOf(ref: DatasetRef): { namespace: string; name: string } {
  return { namespace: `strata://${ref.catalog}`, name: `${ref.schema}.${ref.table}` };
}

/** The tables a statement reads and writes, from Trino's `EXPLAIN (TYPE IO, FORMAT JSON)` document. Pure. */
export function ioOfExplain(json: string): { inputs: DatasetRef[]; output?: DatasetRef } {
  const plan = JSON.parse(json) as {
    inputTableColumnInfos?: { table: { catalog: string; schemaTable: { schema: string; table: string } } }[];
    outputTable?: { catalog: string; schemaTable: { schema: string; table: string } };
  };
  const ref = (t: { catalog: string; schemaTable: { schema: string; table: string } }): DatasetRef => ({
    catalog: t.catalog,
    schema: t.schemaTable.schema,
    table: t.schemaTable.table,
  });
  return {
    inputs: (plan.inputTableColumnInfos ?? []).map((i) => ref(i.table)),
    ...(plan.outputTable ? { output: ref(plan.outputTable) } : {}),
  };
}

function facet(schemaURL: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { _producer: PRODUCER, _schemaURL: schemaURL, ...fields };
}

function unique(refs: DatasetRef[]): DatasetRef[] {
  const seen = new Map(refs.map((r) => [`${r.catalog}.${r.schema}.${r.table}`, r]));
  return [...seen.values()].sort((a, b) => `${a.catalog}.${a.schema}.${a.table}`.localeCompare(`${b.catalog}.${b.schema}.${b.table}`));
}

/** Where events go: a JSONL file and, when given, an OpenLineage HTTP endpoint (`POST <url>/api/v1/lineage`). */
export class LineageSink {
  constructor(private readonly target: { file: string; url?: string }) {}

  async emit(event: RunEvent): Promise<void> {
    fs.mkdirSync(path.dirname(this.target.file), { recursive: true, mode: 0o700 });
    fs.appendFileSync(this.target.file, `${JSON.stringify(event)}\n`, { mode: 0o600 });
    if (this.target.url) {
      const answer = await fetch(`${this.target.url.replace(/\/$/, "")}/api/v1/lineage`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(event),
      }).catch((error: unknown) => ({ ok: false, status: (error as Error).message }));
      if (!answer.ok) console.error(`lineage: ${this.target.url} refused an event (${answer.status})`);
    }
  }
}

/** Collects what each step read and wrote, and emits the run's and steps' events. */
export class RunLineage {
  private readonly stepRuns = new Map<string, string>();
  private readonly io = new Map<string, { inputs: DatasetRef[]; outputs: DatasetRef[]; sql: string[] }>();
  private readonly outputSchemas = new Map<string, { name: string; type: string }[]>();
  /** Step -> dataset (`catalog.schema.table`) -> assertions a check step made. */
  private readonly assertions = new Map<string, Map<string, { assertion: string; success: boolean; column?: string }[]>>();

  constructor(
    private readonly sink: LineageSink,
    private readonly job: { namespace: string; name: string },
    private readonly runId: string,
    private readonly clock: () => Date,
  ) {}

  private stepRunId(step: string): string {
    let id = this.stepRuns.get(step);
    if (id === undefined) {
      id = randomUUID();
      this.stepRuns.set(step, id);
    }
    return id;
  }

  private stepIo(step: string) {
    let io = this.io.get(step);
    if (io === undefined) {
      io = { inputs: [], outputs: [], sql: [] };
      this.io.set(step, io);
    }
    return io;
  }

  /** Asks Trino what a statement will read and write (statements EXPLAIN cannot describe, e.g. DDL, add nothing). */
  async observe(step: string, session: TrinoSession, sql: string): Promise<void> {
    const io = this.stepIo(step);
    io.sql.push(sql.trim());
    try {
      const { rows } = await session.query(`EXPLAIN (TYPE IO, FORMAT JSON) ${sql}`);
      const found = ioOfExplain(String(rows[0]?.[0] ?? "{}"));
      io.inputs.push(...found.inputs);
      if (found.output) io.outputs.push(found.output);
    } catch {
      // Only queries and writes have an IO plan.
    }
  }

  /** A check step's results: its tables become the step's inputs, with one assertion per executed rule. */
  recordAssertions(step: string, report: QualityReport): void {
    const byDataset = new Map<string, { assertion: string; success: boolean; column?: string }[]>();
    for (const r of report.results) {
      if (r.status === "not executed") continue;
      const list = byDataset.get(r.dataset) ?? [];
      list.push({
        assertion: `${r.metric} ${r.expected}`,
        success: r.status === "passed",
        ...(r.property === undefined ? {} : { column: r.property }),
      });
      byDataset.set(r.dataset, list);
    }
    this.assertions.set(step, byDataset);
    const io = this.stepIo(step);
    for (const dataset of byDataset.keys()) {
      const [catalog, schema, table] = dataset.split(".");
      io.inputs.push({ catalog: catalog!, schema: schema!, table: table! });
    }
  }

  /** Reads the columns of the step's outputs once it wrote them (the schema facet). */
  async describeOutputs(step: string, session: TrinoSession): Promise<void> {
    for (const out of this.io.get(step)?.outputs ?? []) {
      const key = `${out.catalog}.${out.schema}.${out.table}`;
      const { rows } = await session.query(
        `SELECT column_name, data_type FROM ${out.catalog}.information_schema.columns ` +
          `WHERE table_schema = '${out.schema.replace(/'/g, "''")}' AND table_name = '${out.table.replace(/'/g, "''")}' ORDER BY ordinal_position`,
      );
      this.outputSchemas.set(
        key,
        rows.map((r) => ({ name: String(r[0]), type: String(r[1]) })),
      );
    }
  }

  private datasets(refs: DatasetRef[], withSchema: boolean): LineageDataset[] {
    return unique(refs).map((ref) => {
      const fields = this.outputSchemas.get(`${ref.catalog}.${ref.schema}.${ref.table}`);
      return {
        ...datasetOf(ref),
        ...(withSchema && fields ? { facets: { schema: facet(FACET_SCHEMAS.schema, { fields }) } } : {}),
      };
    });
  }

  private event(
    eventType: RunEvent["eventType"],
    run: RunEvent["run"],
    job: RunEvent["job"],
    inputs: LineageDataset[],
    outputs: LineageDataset[],
  ): RunEvent {
    return {
      eventType,
      eventTime: this.clock().toISOString(),
      run,
      job,
      inputs,
      outputs,
      producer: PRODUCER,
      schemaURL: OPENLINEAGE_SCHEMA_URL,
    };
  }

  private jobFacets(jobType: "DAG" | "TASK", sql?: string[]): Record<string, unknown> {
    return {
      jobType: facet(FACET_SCHEMAS.jobType, { processingType: "BATCH", integration: "STRATA", jobType }),
      ...(sql && sql.length > 0 ? { sql: facet(FACET_SCHEMAS.sql, { query: sql.join(";\n") }) } : {}),
    };
  }

  async runStarted(): Promise<void> {
    await this.sink.emit(this.event("START", { runId: this.runId }, { ...this.job, facets: this.jobFacets("DAG") }, [], []));
  }

  async runFinished(succeeded: boolean, message?: string): Promise<void> {
    const all = [...this.io.values()];
    const inputs = this.datasets(
      all.flatMap((io) => io.inputs),
      false,
    );
    const outputs = this.datasets(
      all.flatMap((io) => io.outputs),
      true,
    );
    const facets =
      !succeeded && message ? { errorMessage: facet(FACET_SCHEMAS.errorMessage, { message, programmingLanguage: "SQL" }) } : undefined;
    await this.sink.emit(
      this.event(
        succeeded ? "COMPLETE" : "FAIL",
        { runId: this.runId, ...(facets ? { facets } : {}) },
        { ...this.job, facets: this.jobFacets("DAG") },
        inputs,
        outputs,
      ),
    );
  }

  private stepRun(step: string, extra: Record<string, unknown> = {}): RunEvent["run"] {
    return {
      runId: this.stepRunId(step),
      facets: { parent: facet(FACET_SCHEMAS.parent, { run: { runId: this.runId }, job: { ...this.job } }), ...extra },
    };
  }

  async stepStarted(step: string): Promise<void> {
    await this.sink.emit(
      this.event(
        "START",
        this.stepRun(step),
        { namespace: this.job.namespace, name: `${this.job.name}.${step}`, facets: this.jobFacets("TASK") },
        [],
        [],
      ),
    );
  }

  async stepFinished(step: string, succeeded: boolean, message?: string): Promise<void> {
    const io = this.io.get(step) ?? { inputs: [], outputs: [], sql: [] };
    const checked = this.assertions.get(step);
    const inputs = this.datasets(io.inputs, false).map((d) => {
      const assertions = checked?.get(`${d.namespace.replace(/^strata:\/\//, "")}.${d.name}`);
      return assertions ? { ...d, inputFacets: { dataQualityAssertions: facet(FACET_SCHEMAS.dataQualityAssertions, { assertions }) } } : d;
    });
    const extra = !succeeded && message ? { errorMessage: facet(FACET_SCHEMAS.errorMessage, { message, programmingLanguage: "SQL" }) } : {};
    await this.sink.emit(
      this.event(
        succeeded ? "COMPLETE" : "FAIL",
        this.stepRun(step, extra),
        { namespace: this.job.namespace, name: `${this.job.name}.${step}`, facets: this.jobFacets("TASK", io.sql) },
        inputs,
        this.datasets(io.outputs, true),
      ),
    );
  }
}
