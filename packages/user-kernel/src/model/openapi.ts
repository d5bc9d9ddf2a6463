// The model API's OpenAPI 3.1 document, made from the model: the measures,
// dimensions and segments it serves are the enums of its parameters. Pure.
import { FILTER_OPERATORS, type SemanticModel, TIME_GRAINS } from "./compile.js";

/** The user the model API answers as (Policies apply to it), until identity lands: see ModelApi. */

function members(model: SemanticModel, kind: "dimensions" | "measures" | "segments"): string[] {
  return Object.entries(model.tables).flatMap(([table, t]) => Object.keys(t[kind] ?? {}).map((m) => `${table}.${m}`));
}

export function openApiDocument(name: string, model: SemanticModel, description?: string): Record<string, unknown> {
  const list = (values: string[], text: string) => ({
    type: "string",
    description: `${text}, comma-separated. One of: ${values.join(", ") || "(none)"}`,
  });
  const error = { $ref: "#/components/schemas/Error" };
  return {
    openapi: "3.1.0",
    info: { title: `Model ${name}`, version: "1.0.0", description: description ?? `Measures of the semantic model ${name}.` },
    paths: {
      "/v1/metrics": {
        get: {
          operationId: "metrics",
          summary: "Measures by dimensions, as the calling user sees the data (their Policies apply)",
          // The caller's own Cluster login, passed on to the Cluster, which checks it: the API holds no credential.
          security: [{ clusterLogin: [] }],
          parameters: [
            { name: "measures", in: "query", required: true, schema: list(members(model, "measures"), "Measures") },
            { name: "dimensions", in: "query", required: false, schema: list(members(model, "dimensions"), "Dimensions") },
            { name: "segments", in: "query", required: false, schema: list(members(model, "segments"), "Segments") },
            { name: "timeGrain", in: "query", required: false, schema: { type: "string", enum: [...TIME_GRAINS] } },
            {
              name: "filters",
              in: "query",
              required: false,
              description: "A JSON array of filters",
              content: { "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/Filter" } } } },
            },
          ],
          responses: {
            "200": {
              description: "One object per row",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Result" } } },
            },
            "400": { description: "A member, filter or grain the model does not have", content: { "application/json": { schema: error } } },
            "401": {
              description: "No login, or one the Cluster refused",
              content: { "application/json": { schema: error } },
            },
            "403": { description: "The user's Policies deny the data", content: { "application/json": { schema: error } } },
          },
        },
      },
      "/healthz": {
        get: {
          operationId: "health",
          responses: { "200": { description: "Serving", content: { "text/plain": { schema: { type: "string" } } } } },
        },
      },
    },
    components: {
      securitySchemes: {
        clusterLogin: { type: "http", scheme: "basic", description: "The caller's user name and password on the model's Cluster" },
      },
      schemas: {
        Filter: {
          type: "object",
          required: ["member", "operator"],
          properties: {
            member: { type: "string", enum: members(model, "dimensions") },
            operator: { type: "string", enum: [...FILTER_OPERATORS] },
            values: { type: "array", items: { type: ["string", "number", "boolean"] } },
          },
        },
        Result: {
          type: "object",
          required: ["columns", "data"],
          properties: {
            columns: { type: "array", items: { type: "string" } },
            data: { type: "array", items: { type: "object", additionalProperties: true } },
            sql: { type: "string" },
          },
        },
        Error: { type: "object", required: ["error"], properties: { error: { type: "string" } } },
      },
    },
  };
}
