// The console's JSON API, as the page calls it. Types come from the server's own modules.
import type { AccessView } from "../../src/server.ts";
import type { Overview } from "../../src/overview.ts";

export type { AccessRow } from "../../src/access.ts";
export type { AccessView, Overview };
export type { PrimitiveView, VersionView } from "../../src/overview.ts";

export interface Session {
  user: string;
  stack: string;
}

/** A failed call: its HTTP status and the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new ApiError(response.status, json.error ?? response.statusText);
  return json as T;
}

export const api = {
  session: () => call<Session | { user: null }>("GET", "/api/session"),
  signIn: (user: string, password: string) => call<Session>("POST", "/api/session", { user, password }),
  signOut: () => call<unknown>("DELETE", "/api/session"),
  overview: () => call<Overview>("GET", "/api/overview"),
  access: () => call<AccessView>("GET", "/api/access"),
};
