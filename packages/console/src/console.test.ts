import { describe, expect, test } from "vitest";
import { accessRows } from "./access.js";
import { type CatalogEntryView, overview } from "./overview.js";

describe("accessRows: the Access page from the rules Trino loads", () => {
  test("subjects, parts, privileges, masks and filters, in Trino's order; a rule naming nobody is everyone's", () => {
    const rows = accessRows({
      catalogs: [{ user: "ann", catalog: "warehouse", allow: "read-only" }],
      tables: [
        { user: "ann", catalog: "warehouse", schema: "public", table: "customers", privileges: [] },
        {
          group: "(analysts|interns)",
          catalog: "warehouse",
          schema: "public",
          table: "orders",
          privileges: ["SELECT"],
          columns: [{ name: "email", mask: "'***'" }, { name: "id" }],
          filter: "region = 'EU'",
        },
        { user: "strata\\-health", catalog: "system", schema: "runtime", table: "nodes", privileges: ["SELECT"] },
        { privileges: [] },
      ],
    });
    expect(rows).toEqual([
      { order: 1, subject: "user ann", catalog: "warehouse", schema: "public", table: "customers", privileges: [], masks: {} },
      {
        order: 2,
        subject: "group analysts, interns",
        catalog: "warehouse",
        schema: "public",
        table: "orders",
        privileges: ["SELECT"],
        masks: { email: "'***'" },
        filter: "region = 'EU'",
      },
      { order: 3, subject: "user strata-health", catalog: "system", schema: "runtime", table: "nodes", privileges: ["SELECT"], masks: {} },
      { order: 4, subject: "everyone", catalog: "*", schema: "*", table: "*", privileges: [], masks: {} },
    ]);
  });

  test("a document without table rules gives no rows", () => {
    expect(accessRows({})).toEqual([]);
    expect(accessRows(null)).toEqual([]);
  });
});

describe("overview: primitives by kind with their engines' state, versions newest first", () => {
  const entry = (kind: string, name: string): CatalogEntryView => ({
    kind,
    name,
    address: `strata:${kind.toLowerCase()}/${name}`,
    owner: "data-platform",
    tags: {},
    inputs: [],
  });
  const catalog = [entry("Database", "warehouse"), entry("Cluster", "analytics"), entry("Secret", "pw"), entry("Database", "lake")];

  test("an engine belongs to the primitive it was declared in; running, down, or no engine at all", () => {
    const view = overview(
      catalog,
      [
        { name: "analytics-server", parents: ["Cluster"], state: "RUNNING", restarts: 1 },
        { name: "warehouse-server-server", parents: ["Database", "LocalPostgresServer"], state: "BACKOFF", restarts: 3 },
        { name: "lake-server-server", parents: ["Database", "LocalPostgresServer"], state: "RUNNING", restarts: 0 },
        { name: "orphan", parents: [], state: "RUNNING", restarts: 0 },
        // Named like the Cluster, declared in none of the catalog's primitives.
        { name: "analytics-sidecar", parents: ["Sidecar"], state: "FATAL", restarts: 0 },
      ],
      [],
    );
    expect(view.kinds.map((k) => [k.kind, k.primitives.map((p) => [p.name, p.status, p.restarts])])).toEqual([
      ["Cluster", [["analytics", "running", 1]]],
      [
        "Database",
        [
          ["lake", "running", 0],
          ["warehouse", "engine down", 3],
        ],
      ],
      ["Secret", [["pw", "deployed", 0]]],
    ]);
  });

  test("the innermost primitive it was declared in wins, and a primitive of another kind with the same name is not its owner", () => {
    const view = overview(
      [entry("ModelApi", "sales-api"), entry("Service", "sales-api-service"), entry("Workflow", "daily"), entry("Contract", "daily")],
      [
        { name: "sales-api-service-process", parents: ["ModelApi", "Service"], state: "RUNNING", restarts: 2 },
        { name: "daily-scheduler", parents: ["Workflow"], state: "RUNNING", restarts: 0 },
      ],
      [],
    );
    const status = Object.fromEntries(view.kinds.flatMap((k) => k.primitives.map((p) => [`${p.kind} ${p.name}`, [p.status, p.restarts]])));
    expect(status).toEqual({
      "ModelApi sales-api": ["deployed", 0],
      "Service sales-api-service": ["running", 2],
      "Workflow daily": ["running", 0],
      "Contract daily": ["deployed", 0],
    });
  });

  test("versions, newest first", () => {
    const v = (version: number) => ({
      version,
      time: "2026-12-01T00:00:00Z",
      operation: "up" as const,
      result: "succeeded" as const,
      changes: {},
    });
    expect(overview([], [], [v(1), v(3), v(2)]).versions.map((x) => x.version)).toEqual([3, 2, 1]);
  });
});
