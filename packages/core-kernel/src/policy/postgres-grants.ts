// Compiles the access rules Policies give on a PostgreSQL depot into the
// grants of the role its Cluster reads it with. Pure: no Pulumi, no I/O.
//
// Trino's access rules decide who may do what; the role's grants are the
// second wall: the union of everything any subject may do on the depot, so
// that a table no Policy opens cannot be read through the Cluster even by a
// rule that was never written. Denies do not narrow it (someone else may be
// allowed); masks and row filters need the read their access rule gives.
import type { PostgresGrant, TablePrivilege } from "@strata/cloud-kernel";
import type { AccessLevel, PolicySpec } from "./compile.js";

const PRIVILEGES: Record<Exclude<AccessLevel, "none">, TablePrivilege[]> = {
  read: ["SELECT"],
  write: ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"],
  all: ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"],
};
const ORDER: TablePrivilege[] = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"];

/**
 * The grants a depot's role needs for `policies` on catalog `catalog`: one
 * per part of the database a rule opens (every schema, a schema, a table),
 * with the widest access any rule gives there. `write` and `all` may create
 * tables (CREATE TABLE AS, and the table Trino stages its inserts in); `all`
 * on the whole depot may create schemas. A grant already covered by a wider
 * one is left out. Sorted: the whole database, then schemas, then tables.
 */
export function compilePostgresGrants(policies: PolicySpec[], catalog: string): PostgresGrant[] {
  const byPart = new Map<string, PostgresGrant>();
  for (const policy of policies) {
    for (const rule of policy.access ?? []) {
      if (rule.depot !== catalog || rule.access === "none") continue;
      const table = rule.schema === undefined ? undefined : rule.table;
      const key = JSON.stringify([rule.schema ?? null, table ?? null]);
      const previous = byPart.get(key);
      const privileges = new Set([...(previous?.privileges ?? []), ...PRIVILEGES[rule.access]]);
      const writes = rule.access !== "read";
      byPart.set(key, {
        ...(rule.schema === undefined ? {} : { schema: rule.schema }),
        ...(table === undefined ? {} : { table }),
        privileges: ORDER.filter((p) => privileges.has(p)),
        ...(previous?.createTables || writes ? { createTables: true } : {}),
        ...(previous?.createSchemas || (rule.access === "all" && rule.schema === undefined) ? { createSchemas: true } : {}),
      });
    }
  }
  const grants = [...byPart.values()];
  const covers = (wide: PostgresGrant, narrow: PostgresGrant): boolean =>
    wide !== narrow &&
    (wide.schema === undefined || (wide.table === undefined && wide.schema === narrow.schema)) &&
    narrow.privileges.every((p) => wide.privileges.includes(p)) &&
    (!narrow.createTables || !!wide.createTables) &&
    !narrow.createSchemas;
  const rank = (g: PostgresGrant) => (g.schema === undefined ? 0 : g.table === undefined ? 1 : 2);
  return grants
    .filter((g) => !grants.some((wide) => rank(wide) < rank(g) && covers(wide, g)))
    .sort((a, b) => rank(a) - rank(b) || (a.schema ?? "").localeCompare(b.schema ?? "") || (a.table ?? "").localeCompare(b.table ?? ""));
}
