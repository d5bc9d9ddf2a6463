// The console's web server: the built page and a read-only JSON API, on
// 127.0.0.1 only, for people signed in with their own Cluster password.
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyCookie from "@fastify/cookie";
import fastifyHelmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { type AccessRow, accessRows } from "./access.js";
import {
  type DatasetDocs,
  type DatasetSummary,
  type DatasetView,
  type PreviewView,
  type QualityResultRow,
  type TableRow,
  columnsSql,
  datasetDetail,
  datasetList,
  previewSql,
  tablesSql,
} from "./datasets.js";
import { type LaidOutGraph, type LineageEventView, layOut, lineageGraph, neighbourhood } from "./lineage.js";
import {
  type CatalogEntryView,
  type DriftView,
  type DriftedResource,
  type EngineView,
  type Overview,
  type VersionView,
  driftView,
  overview,
} from "./overview.js";
import { type RunDetailView, type RunRow, type RunTimeline, type RunView, runRow, runTimeline } from "./runs.js";

/** A signed-in person: their name as Trino gives it, and queries run as them (Trino applies their rules). */
export interface ConsoleUser {
  name: string;
  query(sql: string): Promise<{ columns: { name: string; type: string }[]; rows: unknown[][] }>;
}

/** What the console reads of a stack; the strata command provides it. Nothing it returns may hold a secret value. */
export interface ConsoleSource {
  /** `<project>/<stack>`, shown in the page's header. */
  readonly stackName: string;
  /**
   * Checks a person's password with the stack's Cluster (Trino authenticates
   * them, as it does every query): resolves to the person, whose queries run
   * as them, or to undefined when Trino refuses them; rejects when the
   * Cluster cannot be asked.
   */
  signIn(user: string, password: string): Promise<ConsoleUser | undefined>;
  catalog(): Promise<CatalogEntryView[]>;
  engines(): Promise<EngineView[]>;
  /** Oldest first, as recorded. */
  versions(): Promise<VersionView[]>;
  /** Each local Cluster's access rules, as its Trino loads them. */
  accessRules(): Promise<{ cluster: string; rules: unknown }[]>;
  /** What the stack's Models and Contracts say of their tables and columns. */
  documentation(): Promise<DatasetDocs[]>;
  /** The Contracts' kept results, newest checks last. */
  qualityResults(): Promise<QualityResultRow[]>;
  /** The workflows' OpenLineage run events. */
  lineageEvents(): Promise<LineageEventView[]>;
  /** The stack's workflow runs, newest first. */
  runs(limit: number): Promise<RunView[]>;
  /** One run with its steps and attempts; undefined when no workflow knows it. */
  run(id: string): Promise<RunDetailView | undefined>;
  /** A step's log, every attempt. */
  runLog(id: string, step: string): Promise<string>;
  /** The resources whose live state differs from the last deployment (what a refresh would change). */
  drift(): Promise<DriftedResource[]>;
}

export interface ConsoleOptions {
  source: ConsoleSource;
  /** Port on 127.0.0.1. @default 0: a free one */
  port?: number;
  /** The built page's folder. @default `dist/web` of this package */
  webRoot?: string;
  /** How long a sign-in lasts. @default 8 hours */
  sessionSeconds?: number;
}

export interface RunningConsole {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** The Access page: per Cluster, its table rules in Trino's order. */
export interface AccessView {
  clusters: { cluster: string; rows: AccessRow[] }[];
}

/** The Datasets page: what the signed-in person sees, and catalogs they may not list (with Trino's reason). */
export interface DatasetsView {
  datasets: DatasetSummary[];
  refused: { catalog: string; error: string }[];
}

/** The Lineage page: the graph (or one node's part of it) laid out, and every node one may pick. */
export interface LineageView {
  graph: LaidOutGraph;
  /** The node shown with its upstream and downstream, when one was asked for and exists. */
  focus?: string;
  choices: { id: string; label: string }[];
}

/** The Runs page. */
export interface RunsView {
  runs: RunRow[];
}

/** A value of a Trino row as JSON: a BIGINT as a number when it is exact, else its digits. */
function jsonValue(value: unknown): unknown {
  if (typeof value !== "bigint") return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const COOKIE = "strata_console_session";

/** Starts the console; resolves once it listens. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const { source } = options;
  const webRoot = options.webRoot ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "web");
  const sessionMs = (options.sessionSeconds ?? 8 * 3600) * 1000;
  // The person (and their Trino login) stays in this process only: the page holds a random id.
  const sessions = new Map<string, { user: ConsoleUser; expires: number }>();
  const app = Fastify({ logger: false });
  // Set once it listens: the Host values of our own address.
  let ownHosts: string[] = [];

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Mantine sets its theme as CSS variables in a style element.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    // Plain HTTP on 127.0.0.1: nothing to upgrade to.
    strictTransportSecurity: false,
  });
  await app.register(fastifyCookie);
  // Another site's page in the same browser may not use this one (DNS rebinding): only our own host names pass.
  app.addHook("onRequest", async (request, reply) => {
    if (!ownHosts.includes(request.headers.host ?? "")) return reply.code(421).send({ error: "unknown host" });
  });

  const signedIn = (request: FastifyRequest): ConsoleUser | undefined => {
    const id = request.cookies[COOKIE];
    const session = id === undefined ? undefined : sessions.get(id);
    if (!session || session.expires < Date.now()) return undefined;
    return session.user;
  };
  const requireUser = async (request: FastifyRequest, reply: FastifyReply) => {
    if (signedIn(request) === undefined) return reply.code(401).send({ error: "sign in first" });
  };

  // Not signed in is an answer, not an error: the page then shows the sign-in form.
  app.get("/api/session", async (request) => ({ user: signedIn(request)?.name ?? null, stack: source.stackName }));
  app.post<{ Body: { user?: unknown; password?: unknown } }>(
    "/api/session",
    {
      schema: {
        body: {
          type: "object",
          required: ["user", "password"],
          properties: {
            user: { type: "string", minLength: 1, maxLength: 200 },
            password: { type: "string", minLength: 1, maxLength: 1000 },
          },
        },
      },
    },
    async (request, reply) => {
      let user: ConsoleUser | undefined;
      try {
        user = await source.signIn(request.body.user as string, request.body.password as string);
      } catch (error) {
        return reply.code(503).send({ error: `the Cluster could not be asked: ${message(error)}` });
      }
      if (user === undefined) return reply.code(401).send({ error: "the Cluster refused this user and password" });
      const now = Date.now();
      for (const [id, session] of sessions) if (session.expires < now) sessions.delete(id);
      const id = randomBytes(32).toString("base64url");
      sessions.set(id, { user, expires: Date.now() + sessionMs });
      void reply.setCookie(COOKIE, id, { httpOnly: true, sameSite: "strict", path: "/", maxAge: sessionMs / 1000 });
      return { user: user.name, stack: source.stackName };
    },
  );
  app.delete("/api/session", async (request, reply) => {
    const id = request.cookies[COOKIE];
    if (id !== undefined) sessions.delete(id);
    void reply.clearCookie(COOKIE, { path: "/" });
    return { user: null };
  });
  app.get("/api/overview", { preHandler: requireUser }, async (): Promise<Overview> => {
    const [catalog, engines, versions] = await Promise.all([source.catalog(), source.engines(), source.versions()]);
    return overview(catalog, engines, versions);
  });
  app.get("/api/drift", { preHandler: requireUser }, async (): Promise<DriftView> => {
    const [catalog, drifted] = await Promise.all([source.catalog(), source.drift()]);
    return driftView(catalog, drifted, new Date().toISOString());
  });
  app.get("/api/access", { preHandler: requireUser }, async (): Promise<AccessView> => {
    const clusters = await source.accessRules();
    return { clusters: clusters.map(({ cluster, rules }) => ({ cluster, rows: accessRows(rules) })) };
  });

  /** The tables the person may see, and the catalogs Trino would not list to them. */
  const tablesOf = async (user: ConsoleUser, only?: string): Promise<{ tables: TableRow[]; refused: DatasetsView["refused"] }> => {
    const catalogs = (await user.query("SHOW CATALOGS")).rows
      .map((r) => String(r[0]))
      .filter((c) => c !== "system" && (only === undefined || c === only));
    const refused: DatasetsView["refused"] = [];
    const listed = await Promise.all(
      catalogs.map(async (catalog): Promise<TableRow[]> => {
        try {
          return (await user.query(tablesSql(catalog))).rows.map((r) => ({ catalog, schema: String(r[0]), table: String(r[1]) }));
        } catch (error) {
          refused.push({ catalog, error: message(error) });
          return [];
        }
      }),
    );
    return { tables: listed.flat(), refused: refused.sort((a, b) => a.catalog.localeCompare(b.catalog)) };
  };
  app.get("/api/datasets", { preHandler: requireUser }, async (request): Promise<DatasetsView> => {
    const [{ tables, refused }, catalog, docs, results] = await Promise.all([
      tablesOf(signedIn(request)!),
      source.catalog(),
      source.documentation(),
      source.qualityResults(),
    ]);
    return { datasets: datasetList(tables, catalog, docs, results), refused };
  });
  app.get<{ Params: { catalog: string; schema: string; table: string } }>(
    "/api/datasets/:catalog/:schema/:table",
    { preHandler: requireUser },
    async (request, reply): Promise<DatasetView | undefined> => {
      const { catalog: name, schema, table } = request.params;
      const user = signedIn(request)!;
      const [{ tables }, catalog, docs, results] = await Promise.all([
        tablesOf(user, name),
        source.catalog(),
        source.documentation(),
        source.qualityResults(),
      ]);
      const [summary] = datasetList(
        tables.filter((t) => t.schema === schema && t.table === table),
        catalog,
        docs,
        results,
      );
      // A table Trino does not list to the person is not theirs to see, nor are its Contracts' results.
      if (summary === undefined) return reply.code(404).send({ error: `${name}.${schema}.${table} is not a table you may see` });
      const columns = (await user.query(columnsSql(name, schema, table))).rows.map((r) => ({ column: String(r[0]), type: String(r[1]) }));
      return datasetDetail(summary, columns, docs, results);
    },
  );
  app.get<{ Params: { catalog: string; schema: string; table: string } }>(
    "/api/datasets/:catalog/:schema/:table/preview",
    { preHandler: requireUser },
    async (request, reply): Promise<PreviewView | undefined> => {
      const { catalog, schema, table } = request.params;
      try {
        const { columns, rows } = await signedIn(request)!.query(previewSql(catalog, schema, table));
        return { columns: columns.map((c) => c.name), rows: rows.map((r) => r.map(jsonValue)) };
      } catch (error) {
        // Trino's refusal (or its error) is the answer: the person sees why.
        return reply.code(403).send({ error: message(error) });
      }
    },
  );
  // Laid-out graphs, by the events and catalog they come from and the node asked for: a layout takes a while on large graphs.
  const layouts = new Map<string, LineageView>();
  app.get<{ Querystring: { node?: string } }>("/api/lineage", { preHandler: requireUser }, async (request): Promise<LineageView> => {
    const [catalog, events] = await Promise.all([source.catalog(), source.lineageEvents()]);
    const key = JSON.stringify([
      catalog.map((e) => [e.address, e.inputs]),
      events.length,
      events.at(-1)?.eventTime,
      events.at(-1)?.run.runId,
      request.query.node ?? "",
    ]);
    let view = layouts.get(key);
    if (view === undefined) {
      const whole = lineageGraph(catalog, events);
      const focus = whole.nodes.some((n) => n.id === request.query.node) ? request.query.node : undefined;
      view = {
        graph: layOut(focus === undefined ? whole : neighbourhood(whole, focus)),
        ...(focus === undefined ? {} : { focus }),
        choices: whole.nodes.map((n) => ({ id: n.id, label: n.label })),
      };
      if (layouts.size >= 100) layouts.delete(layouts.keys().next().value!);
      layouts.set(key, view);
    }
    return view;
  });
  app.get("/api/runs", { preHandler: requireUser }, async (): Promise<RunsView> => ({ runs: (await source.runs(50)).map(runRow) }));
  app.get<{ Params: { id: string } }>(
    "/api/runs/:id",
    { preHandler: requireUser },
    async (request, reply): Promise<RunTimeline | undefined> => {
      const run = await source.run(request.params.id);
      if (run === undefined) return reply.code(404).send({ error: `no run ${request.params.id} in this stack` });
      return runTimeline(run);
    },
  );
  app.get<{ Params: { id: string; step: string } }>("/api/runs/:id/logs/:step", { preHandler: requireUser }, async (request) => ({
    log: await source.runLog(request.params.id, request.params.step),
  }));

  await app.register(fastifyStatic, { root: webRoot, index: "index.html" });
  // The page routes itself: any other GET outside the API is the page.
  app.setNotFoundHandler(async (request, reply) => {
    if (request.method === "GET" && !request.url.startsWith("/api/")) return reply.sendFile("index.html");
    return reply.code(404).send({ error: "not found" });
  });

  const origin = await app.listen({ host: "127.0.0.1", port: options.port ?? 0 });
  const port = new URL(origin).port;
  ownHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  return { url: origin, close: () => app.close() };
}
