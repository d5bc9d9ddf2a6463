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
import { type CatalogEntryView, type EngineView, type Overview, type VersionView, overview } from "./overview.js";

/** What the console reads of a stack; the strata command provides it. Nothing it returns may hold a secret value. */
export interface ConsoleSource {
  /** `<project>/<stack>`, shown in the page's header. */
  readonly stackName: string;
  /**
   * Checks a person's password with the stack's Cluster (Trino authenticates
   * them, as it does every query): resolves to the user Trino names, or to
   * undefined when Trino refuses them; rejects when the Cluster cannot be asked.
   */
  signIn(user: string, password: string): Promise<string | undefined>;
  catalog(): Promise<CatalogEntryView[]>;
  engines(): Promise<EngineView[]>;
  /** Oldest first, as recorded. */
  versions(): Promise<VersionView[]>;
  /** Each local Cluster's access rules, as its Trino loads them. */
  accessRules(): Promise<{ cluster: string; rules: unknown }[]>;
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

const COOKIE = "strata_console_session";

/** Starts the console; resolves once it listens. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const { source } = options;
  const webRoot = options.webRoot ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "web");
  const sessionMs = (options.sessionSeconds ?? 8 * 3600) * 1000;
  const sessions = new Map<string, { user: string; expires: number }>();
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

  const signedIn = (request: FastifyRequest): string | undefined => {
    const id = request.cookies[COOKIE];
    const session = id === undefined ? undefined : sessions.get(id);
    if (!session || session.expires < Date.now()) return undefined;
    return session.user;
  };
  const requireUser = async (request: FastifyRequest, reply: FastifyReply) => {
    if (signedIn(request) === undefined) return reply.code(401).send({ error: "sign in first" });
  };

  // Not signed in is an answer, not an error: the page then shows the sign-in form.
  app.get("/api/session", async (request) => ({ user: signedIn(request) ?? null, stack: source.stackName }));
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
      let user: string | undefined;
      try {
        user = await source.signIn(request.body.user as string, request.body.password as string);
      } catch (error) {
        return reply.code(503).send({ error: `the Cluster could not be asked: ${error instanceof Error ? error.message : String(error)}` });
      }
      if (user === undefined) return reply.code(401).send({ error: "the Cluster refused this user and password" });
      const now = Date.now();
      for (const [id, session] of sessions) if (session.expires < now) sessions.delete(id);
      const id = randomBytes(32).toString("base64url");
      sessions.set(id, { user, expires: Date.now() + sessionMs });
      void reply.setCookie(COOKIE, id, { httpOnly: true, sameSite: "strict", path: "/", maxAge: sessionMs / 1000 });
      return { user, stack: source.stackName };
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
  app.get("/api/access", { preHandler: requireUser }, async (): Promise<AccessView> => {
    const clusters = await source.accessRules();
    return { clusters: clusters.map(({ cluster, rules }) => ({ cluster, rows: accessRows(rules) })) };
  });

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
