import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { type QualityPlan, evaluatePlan, meets } from "@strata/core-kernel";
import { compileContract, contractDocumentation } from "./compile.js";
import { ContractDocumentError, type OdcsDocument, odcsSchemaProblems, readContractFile } from "./odcs.js";

const header = { apiVersion: "v3.1.0", kind: "DataContract", id: "urn:t", version: "1.0.0", status: "active" } as const;
const target = { catalog: "shop", schema: "public", enforcement: "block" as const };

function write(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "odcs-"));
  const file = path.join(dir, "c.odcs.yaml");
  fs.writeFileSync(file, text);
  return file;
}

const VALID = `apiVersion: v3.1.0
kind: DataContract
id: urn:orders
version: 1.0.0
status: active
schema:
  - name: orders
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
      - name: status
        logicalType: string
        quality:
          - metric: invalidValues
            arguments:
              validValues: [placed, shipped]
            mustBe: 0
          - type: text
            description: Set by the shop.
    quality:
      - metric: rowCount
        mustBeGreaterThan: 0
slaProperties:
  - property: latency
    value: 1
    unit: d
    element: orders.created_at
  - property: retention
    value: 3
    unit: y
`;

describe("ODCS documents", () => {
  test("a valid file is read; problems of Strata's own are located in it", () => {
    const file = write(VALID);
    const located = readContractFile(file);
    const { problems } = compileContract("orders", located.document, target);
    // created_at is not a property of the contract.
    expect(problems.map((p) => `${located.locate(p.path)} ${p.problem}`)).toEqual([`${file}:28:5 names no property of the contract`]);
  });

  test("a document the standard's schema refuses is refused with file:line:column", () => {
    const file = write(
      VALID.replace("mustBeGreaterThan: 0", 'mustBeGreaterThan: "0"').replace("status: active", "status: active\nowner: me"),
    );
    expect(() => readContractFile(file)).toThrow(ContractDocumentError);
    try {
      readContractFile(file);
    } catch (error) {
      expect((error as ContractDocumentError).problems).toEqual([
        `${file}:6:1 owner is not a field of the standard here. Fix: remove it, or move it under customProperties`,
        `${file}:24:9 schema[0].quality[0].mustBeGreaterThan must be number`,
      ]);
    }
  });

  test("YAML syntax errors and a rule without operator are located", () => {
    const broken = write("apiVersion: v3.1.0\nkind: [\n");
    expect(() => readContractFile(broken)).toThrow(new RegExp(`${broken}:\\d+:\\d+ `));
    const noOperator = write(VALID.replace("            mustBe: 0\n", ""));
    expect(() => readContractFile(noOperator)).toThrow(`${noOperator}:15:13 schema[0].properties[1].quality[0] needs exactly one operator`);
  });

  test("the schema accepts what the compiler runs, and refuses unknown metrics", () => {
    const doc = { ...header, schema: [{ name: "t", quality: [{ metric: "meanValue", mustBe: 1 }] }] };
    expect(odcsSchemaProblems(doc).map((p) => p.message)).toContain(
      'must be one of: "nullValues", "missingValues", "invalidValues", "duplicateValues", "rowCount"',
    );
    expect(odcsSchemaProblems({ ...header, schema: [{ name: "t", quality: [{ metric: "rowCount", mustBe: 1 }] }] })).toEqual([]);
  });
});

describe("compileContract", () => {
  const doc: OdcsDocument = {
    ...header,
    schema: [
      {
        name: "orders",
        properties: [
          { name: "id", primaryKey: true, logicalType: "integer" },
          {
            name: "email",
            required: true,
            quality: [
              { metric: "nullValues", unit: "percent", mustBeLessThan: 5 },
              { metric: "missingValues", arguments: { missingValues: [null, "", "N/A", 0] }, mustBe: 0 },
              { metric: "invalidValues", arguments: { pattern: "^[^@]+@[^@]+$" }, mustBe: 0, severity: "warning" },
              { metric: "duplicateValues", mustBe: 0 },
              { type: "sql", query: "SELECT count(*) FROM {object} WHERE {property} LIKE '%test%';", mustBe: 0 },
              { type: "custom", engine: "soda", implementation: "x" },
            ],
          },
          { name: "created_at", logicalType: "timestamp" },
        ],
        quality: [
          { metric: "rowCount", mustBeBetween: [1, 100] },
          { metric: "duplicateValues", arguments: { properties: ["id", "email"] }, mustBe: 0 },
        ],
      },
    ],
    slaProperties: [{ property: "freshness", value: 6, unit: "h", element: "created_at" }],
  };

  test("one aggregate for every count-style metric, the row count and the latency; one query per key set and per sql rule", () => {
    const { plan, problems } = compileContract("orders", doc, target);
    expect(problems).toEqual([]);
    expect(plan.queries.map((q) => q.purpose)).toEqual(["aggregate", "sql", "duplicates"]);
    expect(plan.queries[0]!.sql).toBe(
      'SELECT count(*) AS m0, count_if("id" IS NULL) AS m1, count("id") - count(DISTINCT "id") AS m2, count_if("email" IS NULL) AS m3, ' +
        `count_if("email" IS NULL OR (CAST("email" AS varchar) IN ('', 'N/A') OR "email" IN (0))) AS m4, ` +
        `count_if("email" IS NOT NULL AND (NOT regexp_like(CAST("email" AS varchar), '^[^@]+@[^@]+$'))) AS m5, ` +
        'count("email") - count(DISTINCT "email") AS m6, ' +
        `date_diff('second', max(CAST("created_at" AS timestamp(6) with time zone)), current_timestamp) AS m7 FROM "shop"."public"."orders"`,
    );
    expect(plan.queries[1]!.sql).toBe(`SELECT count(*) FROM "shop"."public"."orders" WHERE "email" LIKE '%test%'`);
    expect(plan.queries[2]!.sql).toBe(
      'SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM "shop"."public"."orders" GROUP BY "id", "email" HAVING count(*) > 1)',
    );
    const byRule = Object.fromEntries(plan.expectations.map((e) => [`${e.rule} ${e.metric}`, e]));
    expect(byRule["schema[0].properties[1].quality[0] nullValues(email)"]).toMatchObject({ unit: "percent", of: { query: 0, column: 0 } });
    expect(byRule["schema[0].properties[1].quality[2] invalidValues(email)"]!.blocking).toBe(false);
    expect(byRule["slaProperties[0] freshness(created_at)"]).toMatchObject({
      threshold: { operator: "mustBeLessOrEqualTo", value: 21600 },
      unit: "seconds",
    });
    expect(plan.notExecuted).toEqual([
      {
        rule: "schema[0].properties[1].quality[5]",
        dataset: "shop.public.orders",
        reason: "a rule for the engine soda, kept as documentation",
      },
    ]);
  });

  test("warn: no rule blocks", () => {
    const { plan } = compileContract("orders", doc, { ...target, enforcement: "warn" });
    expect(plan.expectations.some((e) => e.blocking)).toBe(false);
  });

  test("rules at the wrong level, unknown key properties, bad units and a missing schema are problems", () => {
    const bad: OdcsDocument = {
      ...header,
      schema: [
        {
          name: "orders",
          properties: [{ name: "id", quality: [{ metric: "rowCount", mustBe: 1 }] }],
          quality: [
            { metric: "nullValues", mustBe: 0 },
            { metric: "duplicateValues", arguments: { properties: ["id", "nope"] }, mustBe: 0 },
            { metric: "rowCount", unit: "bytes", mustBe: 0 },
            { type: "sql", query: "SELECT count(*) FROM {object} WHERE {property} IS NULL", mustBe: 0 },
          ],
        },
      ],
      slaProperties: [{ property: "latency", value: 1, unit: "fortnight", element: "id" }],
    };
    const { problems } = compileContract("orders", bad, target);
    expect(problems.map((p) => `${p.path.join(".")}: ${p.problem}`)).toEqual([
      "schema.0.properties.0.quality.0.metric: is a schema-level metric",
      "schema.0.quality.0.metric: is a property-level metric",
      "schema.0.quality.1.arguments.properties: names properties the object does not have",
      "schema.0.quality.2.unit: is not a unit Strata computes",
      "schema.0.quality.3.query: uses {property} in a schema-level rule",
      "slaProperties.0.unit: is not a time unit",
    ]);
    const { problems: noSchema } = compileContract("orders", bad, { catalog: "shop", enforcement: "block" });
    expect(noSchema[0]).toMatchObject({
      path: ["schema", 0, "physicalName"],
      problem: "names no Trino schema, and the Contract has no `schema`",
    });
  });
});

describe("contractDocumentation", () => {
  test("each table's description and its columns' by physical name; a table naming no schema is left out", () => {
    const doc: OdcsDocument = {
      ...header,
      schema: [
        {
          name: "orders",
          physicalName: "sales.orders_v2",
          description: "One row per order",
          properties: [
            { name: "id", description: "Order number" },
            { name: "amt", physicalName: "amount", description: "Cents" },
            { name: "x" },
          ],
        },
        { name: "plain", properties: [{ name: "id", description: "Key" }] },
      ],
    };
    expect(contractDocumentation(doc, { catalog: "shop" })).toEqual([
      { dataset: "shop.sales.orders_v2", description: "One row per order", columns: { id: "Order number", amount: "Cents" } },
    ]);
    expect(contractDocumentation(doc, { catalog: "shop", schema: "public" })[1]).toEqual({
      dataset: "shop.public.plain",
      columns: { id: "Key" },
    });
  });
});

describe("evaluatePlan", () => {
  const plan: QualityPlan = {
    contract: "c",
    datasets: ["shop.public.t"],
    queries: [{ dataset: "shop.public.t", sql: "SELECT ...", purpose: "aggregate", columns: ["a"] }],
    expectations: [
      {
        rule: "r0",
        metric: "nullValues(a)",
        dataset: "shop.public.t",
        value: { query: 0, column: 1 },
        threshold: { operator: "mustBeLessThan", value: 10 },
        unit: "percent",
        of: { query: 0, column: 0 },
        blocking: true,
      },
      {
        rule: "r1",
        metric: "latency(a)",
        dataset: "shop.public.t",
        value: { query: 0, column: 2 },
        threshold: { operator: "mustBeLessOrEqualTo", value: 60 },
        unit: "seconds",
        blocking: false,
      },
    ],
    columns: [
      {
        rule: "c0",
        dataset: "shop.public.t",
        property: "a",
        logicalType: "integer",
        types: "integer|bigint",
        required: true,
        blocking: true,
      },
    ],
    notExecuted: [],
  };
  const live = [{ dataset: "shop.public.t", column: "a", type: "bigint", nullable: true }];

  test("percent of the row count, a warning that does not fail the report, the source's nullability reported", () => {
    const results = evaluatePlan(plan, live, [{ row: [40n, 3n, 120] }]);
    expect(results.map((r) => [r.rule, r.metric, r.observed, r.status])).toEqual([
      ["c0", "logicalType", "bigint", "passed"],
      ["c0", "required", "nullable", "warning"],
      ["r0", "nullValues(a)", 7.5, "passed"],
      ["r1", "latency(a)", 120, "warning"],
    ]);
  });

  test("an empty table: 0 % nulls, no latency; a missing table fails every rule", () => {
    const empty = evaluatePlan(plan, live, [{ row: [0n, 0n, null] }]);
    expect(empty.find((r) => r.rule === "r0")?.observed).toBe(0);
    expect(empty.find((r) => r.rule === "r1")).toMatchObject({ observed: null, message: "no value: the dataset has no rows" });
    const missing = evaluatePlan(plan, [], [undefined]);
    expect(missing.map((r) => r.status)).toEqual(["failed", "failed", "warning"]);
    expect(missing[1]!.message).toBe(
      "not run: shop.public.t does not exist, or the checking user may not read it (grant it read access with a Policy)",
    );
  });

  test("between bounds are inclusive; not-between excludes them", () => {
    expect([9, 10, 11, 12, 13].map((v) => meets(v, { operator: "mustBeBetween", value: [10, 12] }))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
    expect([9, 10, 11, 12, 13].map((v) => meets(v, { operator: "mustNotBeBetween", value: [10, 12] }))).toEqual([
      true,
      false,
      false,
      false,
      true,
    ]);
  });
});
