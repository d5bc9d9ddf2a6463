// Logging in to a local Cluster from a test: the endpoint, the stack
// authority's certificate and each person's password file come from the
// stack's outputs (`...clusterConnection(cluster)` in the test program).
import * as fs from "node:fs";
import * as https from "node:https";
import * as pulumi from "@pulumi/pulumi";
import { type Cluster, TrinoSession, type TrinoSessionOptions, passwordFromFile } from "@strata/user-kernel";

/** How a test reaches a Cluster: its outputs `endpoint`, `caFile` and `logins` (user -> password file). */
export interface Connection {
  endpoint: string;
  caFile?: string;
  logins?: Record<string, string>;
}

/** The outputs a test program returns for {@link sessionAs}. */
export function clusterConnection(cluster: Cluster): Record<string, pulumi.Input<unknown>> {
  return { endpoint: cluster.endpoint, ...(cluster.caFile ? { caFile: cluster.caFile, logins: cluster.loginFiles() } : {}) };
}

/** The connection in a stack's outputs (plain values, as `TestStack.up` returns them). */
export function connectionFrom(outputs: Record<string, unknown>): Connection {
  return {
    endpoint: outputs.endpoint as string,
    ...(typeof outputs.caFile === "string" ? { caFile: outputs.caFile } : {}),
    ...(outputs.logins ? { logins: outputs.logins as Record<string, string> } : {}),
  };
}

/** A session as `user`, logged in with that user's own password file. */
export function sessionAs(connection: Connection, user: string, extra: Partial<TrinoSessionOptions> = {}): TrinoSession {
  const file = connection.logins?.[user];
  if (connection.endpoint.startsWith("https://") && file === undefined)
    throw new Error(`the test stack has no login for ${user}: name the user in a Policy, a group, or the Cluster's users`);
  return new TrinoSession({
    endpoint: connection.endpoint,
    user,
    ...(file === undefined ? {} : { password: passwordFromFile(file) }),
    ...(connection.caFile ? { ca: fs.readFileSync(connection.caFile, "utf8") } : {}),
    ...extra,
  });
}

/** The connection in an engine result's outputs (`{ value }` per output). */
export function connectionFromResult(outputs: Record<string, { value: unknown }>): Connection {
  return connectionFrom(Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.value])));
}

/** `GET <endpoint><path>` of Trino's REST API, logged in as `user`: status and parsed body (text when not JSON). */
export function restGet(connection: Connection, user: string, urlPath: string): Promise<{ status: number; body: unknown }> {
  const file = connection.logins?.[user];
  const headers: Record<string, string> = file
    ? { Authorization: `Basic ${Buffer.from(`${user}:${passwordFromFile(file)}`).toString("base64")}` }
    : { "X-Trino-User": user };
  return new Promise((resolve, reject) => {
    const request = https.get(
      `${connection.endpoint}${urlPath}`,
      { headers, ...(connection.caFile ? { ca: fs.readFileSync(connection.caFile, "utf8") } : {}) },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: the text itself
          }
          resolve({ status: response.statusCode ?? 0, body });
        });
      },
    );
    request.on("error", reject);
  });
}
