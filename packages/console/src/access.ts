// The Access page's rows, read from the access rules a Cluster's Trino
// itself loads (the compiler's output, the file Trino reloads): the page
// cannot disagree with what Trino enforces. Pure.

/** One table rule of Trino's file-based access control, as the policy compiler writes it. */
interface TableRule {
  user?: string;
  group?: string;
  catalog?: string;
  schema?: string;
  table?: string;
  privileges?: string[];
  columns?: { name: string; mask?: string; allow?: boolean }[];
  filter?: string;
}

/** Who may do what on one part of the Cluster's catalogs, in the order Trino reads it (first match wins). */
export interface AccessRow {
  /** 1-based position among the table rules: an earlier row wins. */
  order: number;
  /** `user ann`, `group analysts`, or `everyone` when the rule names nobody. */
  subject: string;
  /** `*` for every catalog, schema or table. */
  catalog: string;
  schema: string;
  table: string;
  /** Trino privileges; none means denied. */
  privileges: string[];
  /** Column -> the SQL that replaces its values for this subject. */
  masks: Record<string, string>;
  /** The row filter this subject reads through, if any. */
  filter?: string;
}

/** A rule's name pattern as the compiler writes it (`ann`, `(ann|bob)`) turned into names, or kept as it is. */
function names(pattern: string): string {
  const group = /^\((.*)\)$/.exec(pattern)?.[1];
  return (group ?? pattern).split("|").join(", ").replace(/\\(.)/g, "$1");
}

/** The Access page's rows from a rules document (`{ tables: [...] }`); anything else in it is left out. */
export function accessRows(rules: unknown): AccessRow[] {
  const tables = (rules as { tables?: unknown } | null)?.tables;
  if (!Array.isArray(tables)) return [];
  return (tables as TableRule[]).map((rule, index) => ({
    order: index + 1,
    subject: rule.user !== undefined ? `user ${names(rule.user)}` : rule.group !== undefined ? `group ${names(rule.group)}` : "everyone",
    catalog: rule.catalog === undefined ? "*" : names(rule.catalog),
    schema: rule.schema === undefined ? "*" : names(rule.schema),
    table: rule.table === undefined ? "*" : names(rule.table),
    privileges: [...(rule.privileges ?? [])],
    masks: Object.fromEntries((rule.columns ?? []).flatMap((c) => (c.mask === undefined ? [] : [[c.name, c.mask]]))),
    ...(rule.filter === undefined ? {} : { filter: rule.filter }),
  }));
}
