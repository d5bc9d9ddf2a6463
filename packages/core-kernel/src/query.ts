import { readFileSync } from "node:fs";
import type * as https from "node:https";
import { BasicAuth, type SecureContextOptions, Trino, type QueryResult } from "trino-client";

/** A failed query: Trino's error name (e.g. `PERMISSION_DENIED`, `TABLE_NOT_FOUND`) and message. */
export class TrinoQueryError extends Error {
  constructor(
    readonly errorName: string,
    readonly errorType: string,
    readonly trinoMessage: string,
    readonly sql: string,
  ) {
    super(`${errorName}: ${trinoMessage}`);
    this.name = "TrinoQueryError";
  }
}

/** The Cluster refused the login (HTTP 401): no password, a wrong one, or a user it does not know. */
export class TrinoLoginError extends Error {
  constructor(
    readonly user: string,
    readonly endpoint: string,
  ) {
    super(`${endpoint} refused the login of ${user} (HTTP 401). Fix: check the user name and password`);
    this.name = "TrinoLoginError";
  }
}

/** Columns and rows of a finished query. BIGINT values are `bigint`, exact. */
export interface QueryRows {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  /** Trino's query id. */
  queryId?: string;
  /** What a statement that changes data or metadata did, e.g. `INSERT`, `CREATE TABLE`, `DELETE`. */
  updateType?: string;
  /** Rows written by an INSERT, CREATE TABLE AS, DELETE, UPDATE or MERGE, as Trino reports them. */
  updateCount?: number;
}

/** trino-client's `ssl` option is handed to `new https.Agent`, whose options it does not type: keep-alive goes through it. */
function agentOptions(ca: string | undefined): SecureContextOptions {
  const options: https.AgentOptions = { keepAlive: true, ...(ca === undefined ? {} : { ca }) };
  return options as SecureContextOptions;
}

/** A password kept in a file: a Secret's 0600 file on the local target, read exactly as the Secret holds it. */
export function passwordFromFile(file: string): string {
  return readFileSync(file, "utf8");
}

/** Fields of Trino's result pages that trino-client's types leave out. */
interface UpdatePage {
  updateType?: string;
  updateCount?: number;
}

export interface TrinoSessionOptions {
  /** Cluster endpoint, e.g. `https://127.0.0.1:8443` (local) or a Service's address. */
  endpoint: string;
  /** The user who logs in; policies apply to this name. */
  user: string;
  /**
   * The user's password (HTTP Basic over TLS). Required by an `https://`
   * endpoint: take it from a prompt, an environment variable, or the user's
   * Secret file ({@link passwordFromFile}), never from source code.
   */
  password?: string;
  /**
   * PEM of the certificate authority the server's certificate is checked
   * against: a local Cluster's `caFile` (`<dataDir>/tls/ca.pem`).
   * @default the system's trusted authorities
   */
  ca?: string;
  catalog?: string;
  schema?: string;
  /** Client name shown in Trino's query list. @default "strata" */
  source?: string;
  /** Attempts when the server answers 502, 503 or 504 (e.g. while it starts). @default 5 */
  attempts?: number;
}

const RETRIED = new Set([502, 503, 504]);
const NO_NODES_RETRY_MS = 30_000;

/** The parts of trino-client's inner client we hook. */
interface InnerClient {
  clientConfig: { transformResponse?: unknown };
  request: (cfg: unknown) => Promise<unknown>;
}

/**
 * JSON.parse that keeps integers beyond 2^53 exact as `bigint` (Node >= 22
 * passes each literal's source text to the reviver).
 */
export function parseExactJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value) && context?.source
      ? BigInt(context.source)
      : value,
  );
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as { response?: { status?: unknown } })?.response?.status;
  return typeof status === "number" ? status : undefined;
}

/**
 * A connection reset before any answer: Node keeps HTTP connections alive
 * between requests, and one kept to a server that restarted since is closed
 * under the next request, which the server never received.
 */
function staleConnection(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; response?: unknown };
  return e?.response === undefined && (e?.code === "ECONNRESET" || e?.message === "socket hang up");
}

/**
 * One user's session with a Cluster, over trino-client. Differences from
 * the bare client: a query error returned inside a result page is thrown as
 * {@link TrinoQueryError}; 502/503/504 answers, and a kept-alive connection
 * the server closed (it restarted), are retried with back-off;
 * BIGINT stays exact. Use one session per user: the catalog, schema and
 * session properties set by statements stick to it.
 */
export class TrinoSession {
  private readonly client: Trino;
  private readonly attempts: number;

  constructor(readonly options: TrinoSessionOptions) {
    this.attempts = options.attempts ?? 5;
    if (options.endpoint.startsWith("https://") && options.password === undefined) {
      throw new Error(
        `TrinoSession: user "${options.user}" has no password for ${options.endpoint}, which requires a login. ` +
          "Fix: pass password (from a prompt, an environment variable, or the user's Secret file with passwordFromFile)",
      );
    }
    this.client = Trino.create({
      server: options.endpoint,
      source: options.source ?? "strata",
      catalog: options.catalog,
      schema: options.schema,
      // trino-client sends the login's user as X-Trino-User: a session never claims a name it did not log in with.
      ...(options.password === undefined
        ? { extraHeaders: { "X-Trino-User": options.user } }
        : { auth: new BasicAuth(options.user, options.password) }),
      // trino-client builds its https.Agent from these options: keep-alive, as Node's own agents are, so the
      // pages of a query share one TLS connection instead of a handshake each.
      ...(options.endpoint.startsWith("https://") ? { ssl: agentOptions(options.ca) } : {}),
    });
    // Two hooks into trino-client's inner HTTP client (private, hence the casts):
    // it parses JSON with plain JSON.parse, which rounds BIGINT, so its axios
    // configuration gets our exact parser; and every request (submission and
    // each page) goes through `request`, where transient answers are retried.
    const inner = (this.client as unknown as { client: InnerClient }).client;
    // A refusal (401, 403) comes as plain text: kept as it is, so the status decides what is thrown.
    inner.clientConfig.transformResponse = [
      (data: unknown) => {
        if (typeof data !== "string" || data.length === 0) return data;
        try {
          return parseExactJson(data);
        } catch {
          return data;
        }
      },
    ];
    const request = inner.request.bind(inner);
    inner.request = async (cfg: unknown) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await request(cfg);
        } catch (error) {
          const status = httpStatus(error);
          if (status === 401) throw new TrinoLoginError(options.user, options.endpoint);
          const retried = (status !== undefined && RETRIED.has(status)) || staleConnection(error);
          if (!retried || attempt >= this.attempts) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
        }
      }
    };
  }

  /**
   * Runs one statement to completion and returns all rows. A statement
   * refused with "No nodes available" (a server that just restarted has not
   * yet announced its catalogs) is submitted again for up to 30 s: it was
   * never scheduled, so nothing ran twice.
   */
  async query(sql: string): Promise<QueryRows> {
    const deadline = Date.now() + NO_NODES_RETRY_MS;
    for (;;) {
      try {
        return await this.queryOnce(sql);
      } catch (error) {
        const noNodes = error instanceof TrinoQueryError && /^No nodes available/.test(error.trinoMessage);
        if (!noNodes || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async queryOnce(sql: string): Promise<QueryRows> {
    const iterator = await this.client.query(sql);
    let columns: QueryRows["columns"] = [];
    const rows: unknown[][] = [];
    // Read by hand rather than with for-await: when the submission itself is the
    // last page (no nextUri), trino-client hands it over only as the final
    // `done` value, which for-await drops, error included.
    let last: QueryResult | undefined;
    let update: UpdatePage = {};
    for (;;) {
      const { value: page, done } = await (iterator as AsyncIterator<QueryResult, QueryResult | undefined>).next();
      if (page && page !== last) {
        if (page.error) throw new TrinoQueryError(page.error.errorName, page.error.errorType, page.error.message, sql);
        if (page.columns) columns = page.columns.map((c) => ({ name: c.name, type: c.type }));
        for (const row of page.data ?? []) rows.push(row as unknown[]);
        const { updateType, updateCount } = page as UpdatePage;
        if (updateType !== undefined) update = { ...update, updateType };
        if (updateCount !== undefined) update = { ...update, updateCount: Number(updateCount) };
        last = page;
      }
      if (done) break;
    }
    // Small BIGINTs arrive as numbers; make the whole column bigint so callers see one type.
    const bigints = columns.flatMap((c, i) => (c.type === "bigint" ? [i] : []));
    for (const row of rows) for (const i of bigints) if (typeof row[i] === "number") row[i] = BigInt(row[i] as number);
    return { columns, rows, ...(last?.id === undefined ? {} : { queryId: last.id }), ...update };
  }
}
