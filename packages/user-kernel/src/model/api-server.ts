// The model API's process (run by ModelApi as a local Service):
//   node api-server.js <config.json>
// GET /v1/metrics compiles the request with the model's compiler and runs it
// on the Cluster as the calling user, with the login the caller gave (HTTP
// Basic), so their Policies apply. The API holds no credential of its own
// and checks none: the Cluster does, and a refused login is a 401 here.
import * as fs from "node:fs";
import Fastify from "fastify";
import { TrinoLoginError, TrinoQueryError, TrinoSession } from "@strata/core-kernel";
import {
  FILTER_OPERATORS,
  type MetricFilter,
  ModelError,
  type SemanticModel,
  TIME_GRAINS,
  type TimeGrain,
  compileMetricQuery,
} from "./compile.js";
import { openApiDocument } from "./openapi.js";

/** What ModelApi writes for the process. */
export interface ModelApiConfig {
  name: string;
  model: SemanticModel;
  /** The Cluster's endpoint. */
  endpoint: string;
  /** The certificate authority the Cluster's certificate is checked against. */
  caFile?: string;
  description?: string;
}

const config = JSON.parse(fs.readFileSync(process.argv[2]!, "utf8")) as ModelApiConfig;
const document = openApiDocument(config.name, config.model, config.description);
const ca = config.caFile === undefined ? undefined : fs.readFileSync(config.caFile, "utf8");
const app = Fastify({ logger: { level: "info" } });

/** The caller's `Authorization: Basic` login, or undefined. */
function basicLogin(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? "");
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon > 0 ? { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}

const list = (value: unknown) =>
  typeof value === "string" && value.trim() !== ""
    ? value
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean)
    : [];

/** BIGINT arrives exact (bigint): a number when it fits, text otherwise (JSON has no bigint). */
const plain = (value: unknown) =>
  typeof value === "bigint" ? (Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()) : value;

app.get("/healthz", async () => `ok ${config.name}`);
app.get("/openapi.json", async () => document);
app.get<{ Querystring: Record<string, string | undefined> }>(
  "/v1/metrics",
  {
    schema: {
      querystring: {
        type: "object",
        required: ["measures"],
        properties: {
          measures: { type: "string" },
          dimensions: { type: "string" },
          segments: { type: "string" },
          filters: { type: "string" },
          timeGrain: { type: "string", enum: [...TIME_GRAINS] },
        },
        additionalProperties: false,
      },
    },
  },
  async (request, reply) => {
    const login = basicLogin(request.headers.authorization);
    if (login === undefined)
      return reply
        .code(401)
        .header("WWW-Authenticate", `Basic realm="model ${config.name}"`)
        .send({ error: "no login: send your Cluster user and password (HTTP Basic)" });
    let filters: MetricFilter[] = [];
    if (request.query.filters !== undefined) {
      try {
        filters = JSON.parse(request.query.filters) as MetricFilter[];
        if (!Array.isArray(filters) || filters.some((f) => typeof f?.member !== "string" || !FILTER_OPERATORS.includes(f.operator)))
          throw new Error("not a list of { member, operator, values }");
      } catch (error) {
        return reply.code(400).send({ error: `filters is not a JSON list of filters: ${(error as Error).message}` });
      }
    }
    let sql: string;
    try {
      sql = compileMetricQuery(config.model, {
        measures: list(request.query.measures),
        dimensions: list(request.query.dimensions),
        segments: list(request.query.segments),
        filters,
        ...(request.query.timeGrain === undefined ? {} : { timeGrain: request.query.timeGrain as TimeGrain }),
      });
    } catch (error) {
      if (error instanceof ModelError) return reply.code(400).send({ error: error.message });
      throw error;
    }
    try {
      const session = new TrinoSession({
        endpoint: config.endpoint,
        user: login.user,
        password: login.password,
        ...(ca === undefined ? {} : { ca }),
        source: `strata-model-api-${config.name}`,
        attempts: 1,
      });
      const result = await session.query(sql);
      const columns = result.columns.map((c) => c.name);
      return { columns, data: result.rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, plain(row[i])]))), sql };
    } catch (error) {
      if (error instanceof TrinoQueryError && error.errorName === "PERMISSION_DENIED")
        return reply.code(403).send({ error: error.message });
      // Trino refused the login itself (wrong user or password).
      if (error instanceof TrinoLoginError)
        return reply
          .code(401)
          .header("WWW-Authenticate", `Basic realm="model ${config.name}"`)
          .send({ error: "the Cluster refused this login" });
      throw error;
    }
  },
);

await app.listen({ host: "127.0.0.1", port: Number(process.env.PORT) });
