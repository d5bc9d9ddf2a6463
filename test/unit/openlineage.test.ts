import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { LineageSink, RunLineage, datasetOf, ioOfExplain } from "../../packages/user-kernel/src/workflow/lineage.js";
import { openLineageValidator } from "../support/openlineage.js";

/** Trino 476's EXPLAIN (TYPE IO, FORMAT JSON) of an INSERT ... SELECT joining two TPC-H tables into a lake table (trimmed). */
const EXPLAIN_IO = JSON.stringify({
  inputTableColumnInfos: [
    { table: { catalog: "tpch", schemaTable: { schema: "tiny", table: "region" } }, constraint: { none: false, columnConstraints: [] } },
    { table: { catalog: "tpch", schemaTable: { schema: "tiny", table: "nation" } }, constraint: { none: false, columnConstraints: [] } },
  ],
  outputTable: { catalog: "lake", schemaTable: { schema: "s1", table: "nation" } },
  estimate: { outputRowCount: "NaN" },
});

describe("OpenLineage events", () => {
  test("inputs and outputs come from Trino's IO plan, named by depot address", () => {
    expect(ioOfExplain(EXPLAIN_IO)).toEqual({
      inputs: [
        { catalog: "tpch", schema: "tiny", table: "region" },
        { catalog: "tpch", schema: "tiny", table: "nation" },
      ],
      output: { catalog: "lake", schema: "s1", table: "nation" },
    });
    expect(ioOfExplain(JSON.stringify({ inputTableColumnInfos: [] }))).toEqual({ inputs: [] });
    expect(datasetOf({ catalog: "lake", schema: "sales", table: "daily" })).toEqual({ namespace: "strata://lake", name: "sales.daily" });
  });

  test("a run's and a failed step's events validate against the OpenLineage 2-0-2 schema and its facets' schemas", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lineage-")), "events.jsonl");
    const lineage = new RunLineage(
      new LineageSink({ file }),
      { namespace: "strata://demo/dev", name: "daily" },
      crypto.randomUUID(),
      () => new Date(),
    );
    await lineage.runStarted();
    await lineage.stepStarted("build");
    await lineage.stepFinished("build", false, "step Failed: exited with 3");
    await lineage.runFinished(false, "run Failed");
    const events = fs
      .readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.eventType)).toEqual(["START", "START", "FAIL", "FAIL"]);
    const validate = openLineageValidator();
    for (const event of events) expect(validate(event)).toEqual([]);
    const failed = events[2] as { run: { facets: Record<string, { message?: string }> } };
    expect(failed.run.facets.errorMessage!.message).toBe("step Failed: exited with 3");
    // The validator can fail: a bad event type, a run without id, a facet that breaks its own schema.
    expect(validate({ ...events[0], eventType: "BEGIN" })).not.toEqual([]);
    expect(validate({ ...events[0], run: {} })).not.toEqual([]);
    const job = (events[0] as { job: { facets: Record<string, object> } }).job;
    expect(validate({ ...events[0], job: { ...job, facets: { jobType: { ...job.facets.jobType, processingType: 5 } } } })).not.toEqual([]);
  });

  test("events also go to an OpenLineage HTTP endpoint when one is configured", async () => {
    const received: unknown[] = [];
    const server = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        received.push({ method: request.method, url: request.url, type: request.headers["content-type"], event: JSON.parse(body) });
        response.writeHead(201).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "lineage-")), "events.jsonl");
    try {
      const runId = crypto.randomUUID();
      await new RunLineage(
        new LineageSink({ file, url }),
        { namespace: "strata://demo/dev", name: "daily" },
        runId,
        () => new Date(),
      ).runStarted();
    } finally {
      server.close();
    }
    expect(received).toEqual([
      {
        method: "POST",
        url: "/api/v1/lineage",
        type: "application/json",
        event: JSON.parse(fs.readFileSync(file, "utf8")),
      },
    ]);
  });
});
