import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TrinoQueryError, TrinoSession } from "@strata/core-kernel";

// A stand-in for Trino's HTTP protocol: scripted answers, one per request.
let answers: Array<{ status: number; body?: unknown }> = [];
const seen: Array<{ method: string; url: string; user: string | undefined }> = [];
let endpoint = "";
const server = http.createServer((req, res) => {
  seen.push({ method: req.method ?? "", url: req.url ?? "", user: req.headers["x-trino-user"] as string | undefined });
  req.resume();
  const answer = answers.shift() ?? { status: 500 };
  // Status 0: the connection is closed without an answer, as by a server that restarted.
  if (answer.status === 0) return void req.socket.destroy();
  res.writeHead(answer.status, { "content-type": "application/json" });
  res.end(answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const page = (extra: object) => ({ id: "q1", stats: { state: "FINISHED" }, ...extra });

describe("TrinoSession", () => {
  test("follows pages, sends the session's user, and keeps BIGINT exact", async () => {
    seen.length = 0;
    answers = [
      { status: 200, body: page({ nextUri: `${endpoint}/v1/statement/q1/1` }) },
      {
        status: 200,
        body: `{"id":"q1","columns":[{"name":"big","type":"bigint"},{"name":"n","type":"integer"}],"data":[[9223372036854775807,1],[5,2]],"stats":{"state":"FINISHED"}}`,
      },
    ];
    const result = await new TrinoSession({ endpoint, user: "ann" }).query("SELECT 1");
    expect(result.rows).toEqual([
      [9223372036854775807n, 1],
      [5n, 2],
    ]);
    expect(seen.map((s) => [s.method, s.user])).toEqual([
      ["POST", "ann"],
      ["GET", "ann"],
    ]);
  });

  test("retries 502, 503 and 504, then succeeds", async () => {
    seen.length = 0;
    answers = [
      { status: 503 },
      { status: 502 },
      { status: 504 },
      { status: 200, body: page({ columns: [{ name: "x", type: "integer" }], data: [[1]] }) },
    ];
    const result = await new TrinoSession({ endpoint, user: "ann" }).query("SELECT 1");
    expect(result.rows).toEqual([[1]]);
    expect(seen).toHaveLength(4);
  });

  test("a connection closed without an answer (a restarted server) is retried", async () => {
    seen.length = 0;
    answers = [{ status: 0 }, { status: 200, body: page({ columns: [{ name: "x", type: "integer" }], data: [[1]] }) }];
    const result = await new TrinoSession({ endpoint, user: "ann" }).query("SELECT 1");
    expect(result.rows).toEqual([[1]]);
    expect(seen).toHaveLength(2);
  });

  test("gives up after the configured attempts", async () => {
    answers = [{ status: 503 }, { status: 503 }];
    await expect(new TrinoSession({ endpoint, user: "ann", attempts: 2 }).query("SELECT 1")).rejects.toThrow(/503/);
  });

  test("an error inside a result page is thrown with Trino's name for it", async () => {
    answers = [
      {
        status: 200,
        body: page({
          error: {
            errorName: "PERMISSION_DENIED",
            errorType: "USER_ERROR",
            errorCode: 4,
            message: "Access Denied: Cannot access catalog warehouse",
          },
        }),
      },
    ];
    const error = await new TrinoSession({ endpoint, user: "guest" }).query("SELECT * FROM warehouse.public.t").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrinoQueryError);
    expect(error).toMatchObject({
      errorName: "PERMISSION_DENIED",
      message: "PERMISSION_DENIED: Access Denied: Cannot access catalog warehouse",
    });
  });

  test("other HTTP errors are not retried", async () => {
    seen.length = 0;
    answers = [{ status: 401 }];
    await expect(new TrinoSession({ endpoint, user: "ann" }).query("SELECT 1")).rejects.toThrow(/401/);
    expect(seen).toHaveLength(1);
  });
});
