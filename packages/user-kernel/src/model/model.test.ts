import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, test } from "vitest";
import { openApiDocument } from "./openapi.js";
import { ModelError, type SemanticModel, compileMetricQuery, joinPath, modelProblems, tableViewSql } from "./compile.js";

const model: SemanticModel = {
  tables: {
    customers: {
      table: "w.public.customers",
      primaryKey: "id",
      dimensions: { region: { type: "string" } },
      measures: { count: { type: "count" } },
    },
    orders: {
      table: "w.public.orders",
      primaryKey: ["id"],
      dimensions: { status: { type: "string" }, day: { type: "time", sql: "orders.ordered_on" } },
      measures: { revenue: { type: "sum", sql: "orders.amount", filters: ["orders.status <> 'cancelled'"] } },
    },
    nations: { table: "tpch.tiny.nation", primaryKey: "nationkey", dimensions: { name: { type: "string" } } },
  },
  joins: [
    { from: "customers", to: "orders", relationship: "one_to_many", on: "orders.customer_id = customers.id" },
    { from: "customers", to: "nations", relationship: "many_to_one", on: "customers.nation_key = nations.nationkey" },
  ],
};

describe("compileMetricQuery", () => {
  test("a measure by a dimension of a table it reaches many-to-one: one aggregate, no dedupe", () => {
    expect(compileMetricQuery(model, { measures: ["orders.revenue"], dimensions: ["customers.region"] })).toBe(
      `SELECT "customers"."region" AS "customers__region", sum(CASE WHEN (orders.status <> 'cancelled') THEN orders.amount END) AS "orders__revenue"\n` +
        `  FROM "w"."public"."orders" AS "orders"\n  LEFT JOIN "w"."public"."customers" AS "customers" ON orders.customer_id = customers.id\n  GROUP BY 1\nORDER BY 1`,
    );
  });

  test("a measure fanned out by the join: one row per (dimensions, key) first", () => {
    const sql = compileMetricQuery(model, { measures: ["customers.count"], dimensions: ["orders.status"] });
    expect(sql).toContain(`SELECT DISTINCT "orders"."status" AS "orders__status", "customers"."id" AS "__key0", 1 AS "__value0"`);
    expect(sql).toContain(`count("__value0") AS "customers__count"`);
  });

  test("measures of two tables: each aggregated alone, then joined on the dimensions", () => {
    const sql = compileMetricQuery(model, { measures: ["orders.revenue", "customers.count"], dimensions: ["customers.region"] });
    expect(sql).toMatch(
      /^SELECT coalesce\(m0\."customers__region", m1\."customers__region"\) AS "customers__region", m0\."orders__revenue", m1\."customers__count"\nFROM \(/,
    );
    expect(sql).toContain(`FULL JOIN (SELECT "customers"."region" AS "customers__region", count(1) AS "customers__count"`);
    expect(sql).toContain(`ON m0."customers__region" IS NOT DISTINCT FROM m1."customers__region"`);
    // No dimension: the two single rows side by side.
    expect(compileMetricQuery(model, { measures: ["orders.revenue", "customers.count"] })).toContain("CROSS JOIN (SELECT count(1)");
  });

  test("time grains, filters and segments", () => {
    const sql = compileMetricQuery(
      {
        ...model,
        tables: { ...model.tables, customers: { ...model.tables.customers!, segments: { eu: { sql: "customers.region = 'EU'" } } } },
      },
      {
        measures: ["orders.revenue"],
        dimensions: ["orders.day"],
        timeGrain: "quarter",
        filters: [
          { member: "orders.status", operator: "equals", values: ["shipped", "placed"] },
          { member: "nations.name", operator: "set" },
        ],
        segments: ["customers.eu"],
      },
    );
    expect(sql).toContain(`date_trunc('quarter', orders.ordered_on) AS "orders__day"`);
    expect(sql).toContain(
      `WHERE ("orders"."status" IN ('shipped', 'placed')) AND ("nations"."name" IS NOT NULL) AND (customers.region = 'EU')`,
    );
  });

  test("unknown members, an empty query and bad filters are refused with the fix", () => {
    expect(() => compileMetricQuery(model, { measures: [] })).toThrow("measures is empty. Fix: ask for at least one measure");
    expect(() => compileMetricQuery(model, { measures: ["orders.profit"] })).toThrow(
      'measures[0]="orders.profit" is not a measure of the model. Fix: use one of: customers.count, orders.revenue',
    );
    expect(() =>
      compileMetricQuery(model, { measures: ["orders.revenue"], filters: [{ member: "orders.status", operator: "equals" }] }),
    ).toThrow("filters[0].values is empty");
  });

  test("an ambiguous join path is refused, naming both paths", () => {
    const cyclic: SemanticModel = {
      ...model,
      joins: [
        ...model.joins!,
        { from: "orders", to: "nations", relationship: "many_to_one", on: "orders.ship_nation = nations.nationkey" },
      ],
    };
    expect(() => joinPath(cyclic, "orders", "nations")).toThrow(ModelError);
    expect(() => compileMetricQuery(cyclic, { measures: ["orders.revenue"], dimensions: ["nations.name"] })).toThrow(
      "the join path from orders to nations is ambiguous: orders -> customers -> nations or orders -> nations. Fix:",
    );
    expect(() => joinPath({ tables: model.tables }, "orders", "nations")).toThrow("tables orders and nations are not joined");
  });
});

describe("the model itself", () => {
  test("problems: key, types, sql, joins", () => {
    const bad = {
      tables: {
        Orders: {
          table: "orders",
          primaryKey: [],
          dimensions: { d: { type: "date" } },
          measures: { m: { type: "sum" }, n: { type: "median", sql: "x" } },
        },
      },
      joins: [{ from: "Orders", to: "items", relationship: "many_to_many", on: "" }],
    } as unknown as SemanticModel;
    expect(modelProblems(bad).map((p) => p.message.split(". Fix")[0])).toEqual([
      "tables.Orders is not a table name",
      'tables.Orders.table="orders" is not catalog.schema.table',
      "tables.Orders.primaryKey is missing",
      'tables.Orders.dimensions.d.type="date" is not a dimension type',
      "tables.Orders.measures.m.sql is missing",
      'tables.Orders.measures.n.type="median" is not a measure type',
      'joins[0].to="items" is not a table of the model',
      'joins[0].relationship="many_to_many" is not a relationship',
      "joins[0].on is missing",
    ]);
    expect(modelProblems(model)).toEqual([]);
  });

  test("a table's view: its key and dimensions as columns", () => {
    expect(tableViewSql(model, "orders")).toBe(
      `SELECT "orders"."id" AS "id", "orders"."status" AS "status", orders.ordered_on AS "day" FROM "w"."public"."orders" AS "orders"`,
    );
  });
});

describe("the model API's OpenAPI document", () => {
  test("is a valid OpenAPI 3.1 document (the specification's own JSON Schemas) whose parameters list the model's members", async () => {
    const validator = new Validator();
    const document = openApiDocument("sales", model);
    expect(await validator.validate(document)).toEqual({ valid: true });
    expect(validator.version).toBe("3.1");
    const parameters = (document.paths as Record<string, { get: { parameters: { name: string; schema?: { description?: string } }[] } }>)[
      "/v1/metrics"
    ]!.get.parameters;
    expect(parameters.find((p) => p.name === "measures")?.schema?.description).toBe(
      "Measures, comma-separated. One of: customers.count, orders.revenue",
    );
    // A broken document is refused, so the check above can fail.
    expect((await validator.validate({ ...document, paths: { "/v1/metrics": { get: { responses: "none" } } } })).valid).toBe(false);
  });
});
