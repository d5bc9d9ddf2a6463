// Trino's HTTP protocol, as the plugin speaks it to a Cluster on this machine.

/** An error Trino reported for a statement (not a failure to reach it): `<error name>: <message>`. */
export class TrinoStatementError extends Error {}

/** Runs one statement and returns its rows; Trino's error is thrown as a {@link TrinoStatementError}. */
export async function trinoRows(port: number, user: string, sql: string): Promise<unknown[][]> {
  const answer = await trinoStatement(port, user, sql);
  if (answer.error !== undefined) throw new TrinoStatementError(`${answer.errorName ? `${answer.errorName}: ` : ""}${answer.error}`);
  return answer.rows;
}

/** A server that has just started has no worker yet: the same statement is tried again for this long. */
const NO_NODES_RETRY_MS = 30_000;

/** Runs one statement on 127.0.0.1:`port` as `user`: every row, or the error Trino reported (its message and name). */
export async function trinoStatement(
  port: number,
  user: string,
  sql: string,
): Promise<{ rows: unknown[][]; error?: string; errorName?: string }> {
  const deadline = Date.now() + NO_NODES_RETRY_MS;
  for (;;) {
    const answer = await statementOnce(port, user, sql);
    if (answer.errorName !== "NO_NODES_AVAILABLE" || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function statementOnce(port: number, user: string, sql: string): Promise<{ rows: unknown[][]; error?: string; errorName?: string }> {
  // Session time zone UTC: a timestamp without time zone is read the same on every machine.
  const headers = { "X-Trino-User": user, "X-Trino-Source": "strata-check", "X-Trino-Time-Zone": "UTC" };
  let response = await fetch(`http://127.0.0.1:${port}/v1/statement`, {
    method: "POST",
    body: sql,
    headers,
    signal: AbortSignal.timeout(30_000),
  });
  const rows: unknown[][] = [];
  for (let page = 0; page < 100_000; page++) {
    if (response.status !== 200) throw new Error(`Trino answered HTTP ${response.status}: ${await response.text()}`);
    const result = (await response.json()) as { nextUri?: string; error?: { message: string; errorName?: string }; data?: unknown[][] };
    if (result.error)
      return { rows, error: result.error.message, ...(result.error.errorName ? { errorName: result.error.errorName } : {}) };
    rows.push(...(result.data ?? []));
    if (!result.nextUri) return { rows };
    response = await fetch(result.nextUri, { headers, signal: AbortSignal.timeout(600_000) });
  }
  throw new Error("Trino did not finish the query");
}
