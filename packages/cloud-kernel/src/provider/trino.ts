// Trino's HTTP protocol, as the plugin speaks it to a Cluster on this machine:
// HTTPS verified against the stack's certificate authority, and a password
// login read from the user's 0600 secret file (never from the inputs).
import * as fs from "node:fs/promises";
import * as https from "node:https";

/** How the plugin logs in to a local Cluster: its port, a user, and files only (state holds no secret). */
export interface TrinoLogin {
  port: number;
  user: string;
  /** The user's password file (a Secret's 0600 file). */
  passwordFile: string;
  /** The certificate authority the server's certificate is checked against. */
  caFile: string;
}

/** An error Trino reported for a statement (not a failure to reach it): `<error name>: <message>`. */
export class TrinoStatementError extends Error {}

/** Runs one statement and returns its rows; Trino's error is thrown as a {@link TrinoStatementError}. */
export async function trinoRows(login: TrinoLogin, sql: string): Promise<unknown[][]> {
  const answer = await trinoStatement(login, sql);
  if (answer.error !== undefined) throw new TrinoStatementError(`${answer.errorName ? `${answer.errorName}: ` : ""}${answer.error}`);
  return answer.rows;
}

/** A server that has just started has no worker yet: the same statement is tried again for this long. */
const NO_NODES_RETRY_MS = 30_000;

/** Runs one statement as the login's user: every row, or the error Trino reported (its message and name). */
export async function trinoStatement(login: TrinoLogin, sql: string): Promise<{ rows: unknown[][]; error?: string; errorName?: string }> {
  const deadline = Date.now() + NO_NODES_RETRY_MS;
  for (;;) {
    const answer = await statementOnce(login, sql, 30_000, 600_000);
    if (answer.errorName !== "NO_NODES_AVAILABLE" || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** One answer of the server: its status and body. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/** One HTTPS request to 127.0.0.1, the certificate checked against `ca`. */
export function httpsRequest(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string>; ca: string; timeoutMs: number },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      url,
      { method: options.method ?? "GET", headers: options.headers, ca: options.ca, timeout: options.timeoutMs },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer from ${new URL(url).host} in ${options.timeoutMs} ms`)));
    request.on("error", reject);
    request.end(options.body);
  });
}

/** The headers of a login: Basic authentication with the password read from its file now (a rotated one is picked up). */
export async function loginHeaders(login: TrinoLogin, source: string): Promise<{ headers: Record<string, string>; ca: string }> {
  const [password, ca] = await Promise.all([fs.readFile(login.passwordFile, "utf8"), fs.readFile(login.caFile, "utf8")]);
  const basic = Buffer.from(`${login.user}:${password}`).toString("base64");
  // Session time zone UTC: a timestamp without time zone is read the same on every machine.
  return { headers: { Authorization: `Basic ${basic}`, "X-Trino-Source": source, "X-Trino-Time-Zone": "UTC" }, ca };
}

/** Runs a statement once, following its pages; the rows, or the error Trino reported. */
export async function statementOnce(
  login: TrinoLogin,
  sql: string,
  submitTimeoutMs: number,
  pageTimeoutMs: number,
  source = "strata-check",
): Promise<{ rows: unknown[][]; error?: string; errorName?: string }> {
  const { headers, ca } = await loginHeaders(login, source);
  let answer = await httpsRequest(`https://127.0.0.1:${login.port}/v1/statement`, {
    method: "POST",
    body: sql,
    headers,
    ca,
    timeoutMs: submitTimeoutMs,
  });
  const rows: unknown[][] = [];
  for (let page = 0; page < 100_000; page++) {
    if (answer.status !== 200) throw new Error(`Trino answered HTTP ${answer.status} to ${login.user}: ${answer.body.slice(0, 500)}`);
    const result = JSON.parse(answer.body) as { nextUri?: string; error?: { message: string; errorName?: string }; data?: unknown[][] };
    if (result.error)
      return { rows, error: result.error.message, ...(result.error.errorName ? { errorName: result.error.errorName } : {}) };
    rows.push(...(result.data ?? []));
    if (!result.nextUri) return { rows };
    answer = await httpsRequest(result.nextUri, { headers, ca, timeoutMs: pageTimeoutMs });
  }
  throw new Error("Trino did not finish the query");
}
