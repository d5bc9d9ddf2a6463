// Compiles Strata policies to Trino's file-based access-control rules.
// Pure: no Pulumi, no I/O; every ordering is stable.
//
// Trino reads each section top to bottom and the first matching rule wins;
// a request that no rule matches is denied. Every section is emitted, even
// empty, because a missing section would grant everything.

/** Who a rule applies to: users and groups by exact name. At least one of the two. */
export interface Subjects {
  /** User names, matched exactly. */
  users?: string[];
  /** Group names, matched exactly (membership comes from the Cluster's `groups`). */
  groups?: string[];
}

/** What an access rule allows. `none` denies; `read` is SELECT; `write` adds INSERT, UPDATE, DELETE; `all` adds ownership. */
export type AccessLevel = "none" | "read" | "write" | "all";

/** An access policy: subjects -> allow or deny on a depot, schema or table. */
export interface AccessRule extends Subjects {
  /** Depot name (as given to the Depot). */
  depot: string;
  /** Schema; omitted means every schema of the depot. */
  schema?: string;
  /** Table; needs `schema`. Omitted means every table. */
  table?: string;
  /** What is allowed. */
  access: AccessLevel;
}

/** A named mask, or a SQL expression over the column (which it must keep the type of). */
export type MaskKind = "null" | "redact" | "hash" | "email" | { sql: string };

/** A data policy: hide a column's values from subjects. */
export interface ColumnMask extends Subjects {
  depot: string;
  schema: string;
  table: string;
  column: string;
  mask: MaskKind;
}

/** A data policy: subjects see only the rows for which `where` is true. */
export interface RowFilter extends Subjects {
  depot: string;
  schema: string;
  table: string;
  /** SQL boolean expression over the table's columns, e.g. `region = 'EU'`. */
  where: string;
}

/** The rules of one Policy primitive. */
export interface PolicySpec {
  /** Policy name, for error messages. */
  name: string;
  access?: AccessRule[];
  masks?: ColumnMask[];
  filters?: RowFilter[];
}

/** One problem found while compiling, attributed to a policy and field. */
export interface PolicyProblem {
  /** `depot` and `grant` problems need every policy and depot of a Cluster; `rule` problems do not. */
  scope: "rule" | "depot" | "grant";
  policy: string;
  field: string;
  value: unknown;
  problem: string;
  fix: string;
}

/** What a Depot contributes: its name and its Trino catalog name. */
export interface DepotRef {
  name: string;
  catalog: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Trino file-based access-control rules, with every section present. */
export interface TrinoRules {
  catalogs: Json[];
  schemas: Json[];
  tables: Json[];
  queries: Json[];
  system_information: Json[];
  system_session_properties: Json[];
  catalog_session_properties: Json[];
  impersonation: Json[];
  authorization: Json[];
  functions: Json[];
  procedures: Json[];
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

/**
 * The identity the Cluster's readiness check queries as. It may read the
 * list of Trino nodes (system.runtime.nodes) and nothing else: readiness
 * means a worker node is active, which a coordinator-only `SELECT 1` does
 * not prove.
 */
export const HEALTH_USER = "strata-health";
const SUBJECT = /^[A-Za-z0-9_.@-]+$/;

/** A regex matching exactly these names (Trino matches the whole name). */
export function exactNames(names: string[]): string {
  const escaped = [...new Set(names)].sort().map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join("|")})`;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The SQL expression a named mask becomes. */
export function maskExpression(column: string, mask: MaskKind): string {
  const c = quoteIdent(column);
  if (typeof mask === "object") return mask.sql;
  switch (mask) {
    case "null":
      return "NULL";
    case "redact":
      return "'****'";
    case "hash":
      return `to_hex(sha256(to_utf8(CAST(${c} AS varchar))))`;
    case "email":
      return `regexp_replace(${c}, '^[^@]+', '***')`;
  }
}

const PRIVILEGES: Record<AccessLevel, string[]> = {
  none: [],
  read: ["SELECT"],
  write: ["SELECT", "INSERT", "UPDATE", "DELETE"],
  all: ["SELECT", "INSERT", "UPDATE", "DELETE", "OWNERSHIP", "GRANT_SELECT"],
};

const CATALOG_ACCESS: Record<AccessLevel, string> = { none: "none", read: "read-only", write: "all", all: "all" };
const LEVELS: AccessLevel[] = ["none", "read", "write", "all"];

interface Subject {
  kind: "user" | "group";
  pattern: string;
}

/** Expands a rule's subjects into one subject per kind (users and groups are separate rules in Trino). */
function subjectsOf(s: Subjects): Subject[] {
  const out: Subject[] = [];
  if (s.users?.length) out.push({ kind: "user", pattern: exactNames(s.users) });
  if (s.groups?.length) out.push({ kind: "group", pattern: exactNames(s.groups) });
  return out;
}

function checkSubjects(policy: string, field: string, s: Subjects, problems: PolicyProblem[]): void {
  const all = [...(s.users ?? []), ...(s.groups ?? [])];
  if (all.length === 0) {
    problems.push({ scope: "rule", policy, field, value: s, problem: "names no users or groups", fix: 'give users: ["..."] and/or groups: ["..."]' });
  }
  for (const [kind, names] of [["users", s.users ?? []], ["groups", s.groups ?? []]] as const) {
    names.forEach((n, i) => {
      if (!SUBJECT.test(n)) {
        problems.push({ scope: "rule", policy, field: `${field}.${kind}[${i}]`, value: n, problem: "is not a valid name", fix: 'use letters, digits, ".", "_", "@" or "-"' });
      }
    });
  }
}

function checkTarget(
  policy: string,
  field: string,
  t: { depot: string; schema?: string; table?: string; column?: string },
  depots: Map<string, DepotRef>,
  problems: PolicyProblem[],
): void {
  if (!depots.has(t.depot)) {
    const known = [...depots.keys()].sort().map((d) => `"${d}"`).join(", ") || "none";
    problems.push({ scope: "depot", policy, field: `${field}.depot`, value: t.depot, problem: "names no Depot of this Cluster", fix: `use one of: ${known}` });
  }
  for (const key of ["schema", "table", "column"] as const) {
    const v = t[key];
    if (v !== undefined && !IDENT.test(v)) {
      problems.push({ scope: "rule", policy, field: `${field}.${key}`, value: v, problem: "is not a lower-case SQL identifier", fix: "use lower-case letters, digits and _, as Trino reports names" });
    }
  }
  if (t.table !== undefined && t.schema === undefined) {
    problems.push({ scope: "rule", policy, field: `${field}.schema`, value: undefined, problem: "is missing while table is given", fix: "name the schema of the table" });
  }
}

interface TableRule {
  subject: Subject;
  catalog: string;
  schema?: string;
  table?: string;
  privileges: string[];
  columns: { name: string; mask: string }[];
  filter?: string;
  /** Sort key: most specific first. */
  specificity: number;
  deny: boolean;
}

function subjectField(s: Subject): Record<string, string> {
  return { [s.kind]: s.pattern };
}

function regexOf(name: string | undefined): string | undefined {
  return name === undefined ? undefined : exactNames([name]);
}

/**
 * Compiles policies into Trino rules. Returns every problem at once, or the
 * rules (stable: shuffling the policies or their rules gives identical output
 * unless two rules conflict at the same specificity, where deny wins).
 */
export function compilePolicies(policies: PolicySpec[], depotList: DepotRef[]): { rules: TrinoRules; problems: PolicyProblem[] } {
  const depots = new Map(depotList.map((d) => [d.name, d]));
  const problems: PolicyProblem[] = [];
  const tableRules: TableRule[] = [];
  const catalogAccess = new Map<string, { subject: Subject; catalog: string; deniedWhole: boolean; widest: AccessLevel }>();
  /** The access rule Trino would apply to this subject and table (most specific first, deny first), if any grants. */
  const effectiveGrant = (s: Subject, catalog: string, schema: string, table: string): TableRule | undefined => {
    if (catalogAccess.get(`${s.kind}:${s.pattern}:${catalog}`)?.deniedWhole) return undefined;
    const rule = tableRules
      .filter(
        (r) =>
          r.subject.kind === s.kind &&
          r.subject.pattern === s.pattern &&
          r.catalog === catalog &&
          (r.schema === undefined || r.schema === schema) &&
          (r.table === undefined || r.table === table),
      )
      .sort((a, b) => b.specificity - a.specificity || Number(b.deny) - Number(a.deny))[0];
    return rule && !rule.deny ? rule : undefined;
  };

  for (const policy of [...policies].sort((a, b) => a.name.localeCompare(b.name))) {
    (policy.access ?? []).forEach((rule, i) => {
      const field = `access[${i}]`;
      checkSubjects(policy.name, field, rule, problems);
      checkTarget(policy.name, field, rule, depots, problems);
      if (!(rule.access in PRIVILEGES)) {
        problems.push({ scope: "rule", policy: policy.name, field: `${field}.access`, value: rule.access, problem: "is not an access level", fix: 'use "none", "read", "write" or "all"' });
        return;
      }
      const depot = depots.get(rule.depot);
      if (!depot) return;
      for (const subject of subjectsOf(rule)) {
        tableRules.push({
          subject,
          catalog: depot.catalog,
          schema: rule.schema,
          table: rule.table,
          privileges: PRIVILEGES[rule.access],
          columns: [],
          specificity: rule.table !== undefined ? 2 : rule.schema !== undefined ? 1 : 0,
          deny: rule.access === "none",
        });
        // Catalog access: "none" when the whole depot is denied, else the widest level granted anywhere in it.
        const key = `${subject.kind}:${subject.pattern}:${depot.catalog}`;
        const entry = catalogAccess.get(key) ?? { subject, catalog: depot.catalog, deniedWhole: false, widest: "none" as AccessLevel };
        if (rule.access === "none" && rule.schema === undefined) entry.deniedWhole = true;
        if (LEVELS.indexOf(rule.access) > LEVELS.indexOf(entry.widest)) entry.widest = rule.access;
        catalogAccess.set(key, entry);
      }
    });
  }

  // Data policies become table rules placed before the access rules they narrow.
  const dataRules = new Map<string, TableRule>();
  for (const policy of [...policies].sort((a, b) => a.name.localeCompare(b.name))) {
    const each = (kind: "masks" | "filters", list: Array<ColumnMask | RowFilter>) =>
      list.forEach((rule, i) => {
        const field = `${kind}[${i}]`;
        checkSubjects(policy.name, field, rule, problems);
        checkTarget(policy.name, field, rule, depots, problems);
        const depot = depots.get(rule.depot);
        if (!depot) return;
        for (const subject of subjectsOf(rule)) {
          const grant = effectiveGrant(subject, depot.catalog, rule.schema, rule.table);
          if (!grant) {
            problems.push({
              scope: "grant",
              policy: policy.name,
              field,
              value: `${rule.depot}.${rule.schema}.${rule.table}`,
              problem: `applies to ${subject.kind} ${subject.pattern}, who has no access to this table`,
              fix: "add an access rule granting it, or drop this data policy",
            });
            continue;
          }
          const key = `${subject.kind}:${subject.pattern}:${depot.catalog}.${rule.schema}.${rule.table}`;
          const target =
            dataRules.get(key) ??
            ({ subject, catalog: depot.catalog, schema: rule.schema, table: rule.table, privileges: grant.privileges, columns: [], specificity: 3, deny: false } as TableRule);
          if ("column" in rule) {
            if (target.columns.some((c) => c.name === rule.column)) {
              problems.push({ scope: "rule", policy: policy.name, field: `${field}.column`, value: rule.column, problem: "is masked twice for the same subject", fix: "keep one mask per column and subject" });
            } else {
              target.columns.push({ name: rule.column, mask: maskExpression(rule.column, rule.mask) });
            }
          } else {
            target.filter = target.filter === undefined ? `(${rule.where})` : `${target.filter} AND (${rule.where})`;
          }
          dataRules.set(key, target);
        }
      });
    each("masks", policy.masks ?? []);
    each("filters", policy.filters ?? []);
  }

  const cmp = (a: string | undefined, b: string | undefined) => (a ?? "").localeCompare(b ?? "");
  const ordered = [...dataRules.values(), ...tableRules].sort(
    (a, b) =>
      b.specificity - a.specificity ||
      Number(b.deny) - Number(a.deny) ||
      cmp(a.catalog, b.catalog) ||
      cmp(a.schema, b.schema) ||
      cmp(a.table, b.table) ||
      cmp(a.subject.kind, b.subject.kind) ||
      cmp(a.subject.pattern, b.subject.pattern),
  );

  const tables: Json[] = [
    { user: HEALTH_USER, catalog: "system", schema: "runtime", table: "nodes", privileges: ["SELECT"] },
    ...ordered.map((r) => {
    const rule: Record<string, Json> = { ...subjectField(r.subject), catalog: exactNames([r.catalog]) };
    const schema = regexOf(r.schema);
    const table = regexOf(r.table);
    if (schema !== undefined) rule.schema = schema;
    if (table !== undefined) rule.table = table;
    rule.privileges = r.privileges;
    if (r.columns.length > 0) rule.columns = [...r.columns].sort((a, b) => a.name.localeCompare(b.name)).map((c) => ({ name: c.name, mask: c.mask }));
    if (r.filter !== undefined) rule.filter = r.filter;
    return rule;
  }),
  ];

  const catalogs: Json[] = [...catalogAccess.values()]
    .map((c) => ({ ...c, level: c.deniedWhole ? ("none" as AccessLevel) : c.widest }))
    .sort((a, b) => Number(b.level === "none") - Number(a.level === "none") || cmp(a.catalog, b.catalog) || cmp(a.subject.kind, b.subject.kind) || cmp(a.subject.pattern, b.subject.pattern))
    .map((c) => ({ ...subjectField(c.subject), catalog: exactNames([c.catalog]), allow: CATALOG_ACCESS[c.level] }) as Json);
  catalogs.unshift({ user: HEALTH_USER, catalog: "system", allow: "read-only" });

  // Ownership of schemas for subjects with `all` on a whole depot or schema.
  const schemas: Json[] = tableRules
    .filter((r) => r.table === undefined && r.privileges.includes("OWNERSHIP"))
    .sort((a, b) => cmp(a.catalog, b.catalog) || cmp(a.schema, b.schema) || cmp(a.subject.pattern, b.subject.pattern))
    .map((r) => {
      const rule: Record<string, Json> = { ...subjectField(r.subject), catalog: exactNames([r.catalog]) };
      const schema = regexOf(r.schema);
      if (schema !== undefined) rule.schema = schema;
      rule.owner = true;
      return rule;
    });

  return {
    problems,
    rules: {
      catalogs,
      schemas,
      tables,
      // Everyone may run queries; only their own can be seen or killed.
      queries: [{ allow: ["execute"] }],
      system_information: [],
      system_session_properties: [],
      catalog_session_properties: [],
      impersonation: [],
      authorization: [],
      functions: [],
      procedures: [],
    },
  };
}

/** The rules as the text Trino reads: stable key order, two-space indent. */
export function renderRules(rules: TrinoRules): string {
  return `${JSON.stringify(rules, null, 2)}\n`;
}
