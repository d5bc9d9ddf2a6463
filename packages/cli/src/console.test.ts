import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { modelDocumentation, readLineageEvents } from "./console.js";

describe("the console's source", () => {
  test("a Model documents the columns its dimensions name plainly; computed dimensions and SQL tables document nothing", () => {
    const docs = modelDocumentation("sales", {
      tables: {
        orders: {
          table: "warehouse.public.orders",
          description: "Orders of the shop",
          dimensions: {
            status: { description: "placed or shipped" },
            day: { sql: "orders.ordered_on", description: "Day the order was placed" },
            month: { sql: "date_trunc('month', orders.ordered_on)", description: "Month" },
            undocumented: {},
          },
        },
        recent: { dimensions: { id: { description: "no table of its own" } } },
      },
    });
    expect(docs).toEqual([
      {
        dataset: "warehouse.public.orders",
        from: "Model sales",
        description: "Orders of the shop",
        columns: { status: "placed or shipped", ordered_on: "Day the order was placed" },
      },
    ]);
  });

  test("lineage events are read line by line; a line that is not an event is skipped", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "strata-lineage-")), "events.jsonl");
    expect(readLineageEvents(file)).toEqual([]);
    const event = { eventType: "START", eventTime: "2026-12-01T00:00:00Z", run: { runId: "r" }, job: { namespace: "n", name: "j" } };
    fs.writeFileSync(file, `${JSON.stringify(event)}\n{"half": \n\n${JSON.stringify({ eventTime: 1 })}\n${JSON.stringify(event)}`);
    expect(readLineageEvents(file)).toEqual([event, event]);
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});
