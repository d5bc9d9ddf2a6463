// Compiles Strata policies to Trino's file-based access-control rules.
// Pure: no Pulumi, no I/O; every ordering is stable.
//
// Trino reads each section top to bottom and the first matching rule wins;
// a request that no rule matches is denied. Every section is emitted, even
// empty, because a missing section would grant everything.
//
// Strata's semantics for overlapping policies (docs/architecture.md,
// "Policies") are resolved here, per principal: every user a policy names,
// and every member of a group a policy names (from the Cluster's group
// membership). Each principal gets rules of its own, so Trino's first match
// always gives the outcome the semantics define, whatever groups a user is in.

/** Who a rule applies to: users, groups and service accounts by exact name. At least one. */
export interface Subjects {
  /** People, by the name they log in with, matched exactly. */
  users?: string[];
  /** Group names, matched exactly (membership comes from the Cluster's `groups`). */
  groups?: string[];
  /**
   * Workloads, by the identity they run as (`workflow-<name>`, `model-<name>`,
   * `contract-<name>`): the Cluster issues each a credential of its own, held
   * as a Secret, and never lets a person log in under that name.
   */
  serviceAccounts?: string[];
}

/**
 * What an access rule allows. `none` denies; `read` is SELECT; `write` adds
 * INSERT, UPDATE, DELETE and table ownership (CREATE TABLE [AS], CREATE OR
 * REPLACE, DROP TABLE on the tables it covers); `all` adds schema ownership
 * (CREATE and DROP SCHEMA) and GRANT_SELECT.
 */
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

/** The named masks. */
export const MASK_KINDS = ["null", "redact", "hash", "email"] as const;

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
  /**
   * `rule`: found in one policy alone. `depot`: names a depot the Cluster
   * does not mount. `grant`: needs every policy and the Cluster's group
   * membership (a data policy nobody it names can use, two masks meeting on
   * one user's column, a group the Cluster does not know). `column`: a table,
   * column or mask that does not fit the column types given.
   */
  scope: "rule" | "depot" | "grant" | "column";
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
  /**
   * True when the column types given to {@link compilePolicies} list every
   * table of this depot (TPC-H's fixed schema), so a table or column missing
   * from them does not exist.
   */
  complete?: boolean;
}

/** Column types as Trino names them, by table: `catalog.schema.table` -> column -> type. */
export type ColumnTypes = Record<string, Record<string, string>>;

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

/** Every service account the policies name, sorted. */
export function serviceAccountsOf(policies: PolicySpec[]): string[] {
  const all = policies
    .flatMap((p) => [...(p.access ?? []), ...(p.masks ?? []), ...(p.filters ?? [])])
    .flatMap((s) => (isStringList(s.serviceAccounts) ? (s.serviceAccounts ?? []) : []));
  return [...new Set(all)].filter((n) => SUBJECT.test(n)).sort();
}

/** Every person the policies name directly or through the Cluster's groups, sorted. */
export function usersOf(policies: PolicySpec[], groups: Record<string, string[]>): string[] {
  const direct = policies
    .flatMap((p) => [...(p.access ?? []), ...(p.masks ?? []), ...(p.filters ?? [])])
    .flatMap((s) => (isStringList(s.users) ? (s.users ?? []) : []));
  return [...new Set([...direct, ...Object.values(groups).flat()])].filter((n) => SUBJECT.test(n)).sort();
}

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

const CHARACTER = /^(varchar|char)(\((\d+)\))?$/;

/**
 * The expression of a named mask for a column of a known type, or undefined
 * when the mask cannot take that type. Trino refuses a mask of another type
 * than its column's: `null` fits every type; the text masks fit character
 * columns, cast to a bounded column's length (Trino cuts the text). A SQL mask
 * is returned as given; Trino checks it (see PolicyCheck).
 */
export function typedMaskExpression(column: string, mask: MaskKind, type: string | undefined): string | undefined {
  const expression = maskExpression(column, mask);
  if (typeof mask === "object" || mask === "null" || type === undefined) return expression;
  const m = CHARACTER.exec(type);
  if (!m) return undefined;
  return m[2] === undefined ? expression : `CAST(${expression} AS ${type})`;
}

const PRIVILEGES: Record<AccessLevel, string[]> = {
  none: [],
  read: ["SELECT"],
  write: ["SELECT", "INSERT", "UPDATE", "DELETE", "OWNERSHIP"],
  all: ["SELECT", "INSERT", "UPDATE", "DELETE", "OWNERSHIP", "GRANT_SELECT"],
};

const CATALOG_ACCESS: Record<AccessLevel, string> = { none: "none", read: "read-only", write: "all", all: "all" };
const LEVELS: AccessLevel[] = ["none", "read", "write", "all"];

function isStringList(v: unknown): v is string[] {
  return v === undefined || (Array.isArray(v) && v.every((n) => typeof n === "string"));
}

function checkSubjects(policy: string, field: string, s: Subjects, problems: PolicyProblem[]): void {
  for (const kind of ["users", "groups", "serviceAccounts"] as const) {
    if (!isStringList(s[kind])) {
      problems.push({
        scope: "rule",
        policy,
        field: `${field}.${kind}`,
        value: s[kind],
        problem: "is not a list of names",
        fix: `give ${kind}: ["..."]`,
      });
    }
  }
  const users = isStringList(s.users) ? (s.users ?? []) : [];
  const groups = isStringList(s.groups) ? (s.groups ?? []) : [];
  const accounts = isStringList(s.serviceAccounts) ? (s.serviceAccounts ?? []) : [];
  if (users.length + groups.length + accounts.length === 0) {
    problems.push({
      scope: "rule",
      policy,
      field,
      value: s,
      problem: "names no users, groups or service accounts",
      fix: 'give users: ["..."], groups: ["..."] and/or serviceAccounts: ["..."]',
    });
  }
  for (const [kind, names] of [
    ["users", users],
    ["groups", groups],
    ["serviceAccounts", accounts],
  ] as const) {
    names.forEach((n, i) => {
      if (!SUBJECT.test(n)) {
        problems.push({
          scope: "rule",
          policy,
          field: `${field}.${kind}[${i}]`,
          value: n,
          problem: "is not a valid name",
          fix: 'use letters, digits, ".", "_", "@" or "-"',
        });
      }
    });
  }
}

/** Checks depot, schema, table (and column); `required` lists the fields a data policy must give. */
function checkTarget(
  policy: string,
  field: string,
  t: { depot?: unknown; schema?: unknown; table?: unknown; column?: unknown },
  required: Array<"schema" | "table" | "column">,
  depots: Map<string, DepotRef>,
  problems: PolicyProblem[],
): boolean {
  let ok = true;
  if (typeof t.depot !== "string" || t.depot === "") {
    problems.push({
      scope: "rule",
      policy,
      field: `${field}.depot`,
      value: t.depot,
      problem: "is missing",
      fix: "name the Depot the rule is about",
    });
    ok = false;
  } else if (!depots.has(t.depot)) {
    const known =
      [...depots.keys()]
        .sort()
        .map((d) => `"${d}"`)
        .join(", ") || "none";
    problems.push({
      scope: "depot",
      policy,
      field: `${field}.depot`,
      value: t.depot,
      problem: "names no Depot of this Cluster",
      fix: `use one of: ${known}`,
    });
    ok = false;
  }
  for (const key of ["schema", "table", "column"] as const) {
    const v = t[key];
    if (v === undefined && required.includes(key)) {
      problems.push({
        scope: "rule",
        policy,
        field: `${field}.${key}`,
        value: v,
        problem: "is missing",
        fix: `name the ${key} the rule is about`,
      });
      ok = false;
    } else if (v !== undefined && (typeof v !== "string" || !IDENT.test(v))) {
      problems.push({
        scope: "rule",
        policy,
        field: `${field}.${key}`,
        value: v,
        problem: "is not a lower-case SQL identifier",
        fix: "use lower-case letters, digits and _, as Trino reports names",
      });
      ok = false;
    }
  }
  if (t.table !== undefined && t.schema === undefined && !required.includes("schema")) {
    problems.push({
      scope: "rule",
      policy,
      field: `${field}.schema`,
      value: undefined,
      problem: "is missing while table is given",
      fix: "name the schema of the table",
    });
    ok = false;
  }
  return ok;
}

function checkMask(policy: string, field: string, mask: unknown, problems: PolicyProblem[]): boolean {
  const named = typeof mask === "string" && (MASK_KINDS as readonly string[]).includes(mask);
  const sql =
    typeof mask === "object" &&
    mask !== null &&
    typeof (mask as { sql?: unknown }).sql === "string" &&
    (mask as { sql: string }).sql.trim() !== "";
  if (!named && !sql) {
    problems.push({
      scope: "rule",
      policy,
      field: `${field}.mask`,
      value: mask,
      problem: "is not a mask",
      fix: `use one of ${MASK_KINDS.map((k) => `"${k}"`).join(", ")} or { sql: "<expression over the column>" }`,
    });
  }
  return named || sql;
}

/** Where in a policy set a rule came from, for messages. */
interface Origin {
  policy: string;
  field: string;
}

interface Scope {
  catalog: string;
  schema?: string;
  table?: string;
}

interface NormalizedAccess extends Scope, Origin {
  users: string[];
  groups: string[];
  level: AccessLevel;
}

interface NormalizedData extends Origin {
  users: string[];
  groups: string[];
  catalog: string;
  schema: string;
  table: string;
  depot: string;
  mask?: { column: string; expression: string };
  filter?: string;
}

/** 0 = depot, 1 = schema, 2 = table. */
function specificity(s: Scope): number {
  return s.table !== undefined ? 2 : s.schema !== undefined ? 1 : 0;
}

function scopeKey(s: Scope): string {
  return [s.catalog, s.schema ?? "", s.table ?? ""].join("\u0000");
}

/** True when rule scope `r` covers object `o` (the same object or an enclosing one). */
function covers(r: Scope, o: Scope): boolean {
  if (r.catalog !== o.catalog) return false;
  if (r.schema !== undefined && r.schema !== o.schema) return false;
  if (r.table !== undefined && r.table !== o.table) return false;
  return specificity(r) <= specificity(o);
}

/** A principal's resolved rule on one object. */
interface Resolved extends Scope {
  level: AccessLevel;
  columns: { name: string; mask: string }[];
  filter?: string;
}

/**
 * The access level a principal has on an object: among the access rules that
 * apply to it (naming the user or one of its groups) and cover the object,
 * the most specific object wins; at that object a deny wins, else the widest
 * level. Undefined when no rule covers it (denied by default).
 */
function resolveLevel(rules: NormalizedAccess[], object: Scope): { level: AccessLevel; at: number } | undefined {
  const covering = rules.filter((r) => covers(r, object));
  if (covering.length === 0) return undefined;
  const at = Math.max(...covering.map(specificity));
  const winners = covering.filter((r) => specificity(r) === at);
  if (winners.some((r) => r.level === "none")) return { level: "none", at };
  const level = winners.map((r) => r.level).reduce((a, b) => (LEVELS.indexOf(b) > LEVELS.indexOf(a) ? b : a));
  return { level, at };
}

const cmp = (a: string | undefined, b: string | undefined) => (a ?? "").localeCompare(b ?? "");

/** How a Cluster's people are known to the compiler. */
export interface CompileOptions {
  /**
   * People sign in with an identity provider whose tokens carry their groups
   * (Kubernetes targets): a group the policies name that is not one of the
   * Cluster's `groups` is the provider's. Its members are known only at
   * login, so its rules name the group itself and follow every user's own
   * rules: per object, the most specific rule first, a deny before a grant,
   * and a wider grant before a narrower one; a person in several such groups
   * gets the first that covers the object (masks and filters included).
   * @default false
   */
  identityProviderGroups?: boolean;
}

/**
 * Compiles policies into Trino rules. Returns every problem at once, and the
 * rules (stable: shuffling the policies or their rules gives identical output).
 *
 * @param groups the Cluster's group membership, group -> users. Groups that
 *   policies name must be listed here (with no members, if need be).
 * @param columnTypes the known column types of tables policies name: masks are
 *   fitted to them, and checked against them.
 */
export function compilePolicies(
  policies: PolicySpec[],
  depotList: DepotRef[],
  groups: Record<string, string[]> = {},
  columnTypes: ColumnTypes = {},
  options: CompileOptions = {},
): { rules: TrinoRules; problems: PolicyProblem[] } {
  const depots = new Map(depotList.map((d) => [d.name, d]));
  const problems: PolicyProblem[] = [];
  const access: NormalizedAccess[] = [];
  const data: NormalizedData[] = [];
  const sorted = [...policies].sort((a, b) => a.name.localeCompare(b.name));
  // A service account logs in under its own name: for the rules it is a user like any other.
  const names = (s: Subjects) => ({
    users: [
      ...(isStringList(s.users) ? (s.users ?? []) : []),
      ...(isStringList(s.serviceAccounts) ? (s.serviceAccounts ?? []) : []),
    ].filter((n) => SUBJECT.test(n)),
    groups: isStringList(s.groups) ? (s.groups ?? []).filter((n) => SUBJECT.test(n)) : [],
  });

  const tableExists = (
    policy: string,
    field: string,
    depot: DepotRef,
    t: { schema: string; table: string },
    types: Record<string, string> | undefined,
  ) => {
    if (types !== undefined || !depot.complete) return true;
    const tables = Object.keys(columnTypes)
      .filter((k) => k.startsWith(`${depot.catalog}.${t.schema}.`))
      .map((k) => k.split(".")[2]!);
    problems.push({
      scope: "column",
      policy,
      field: `${field}.table`,
      value: `${t.schema}.${t.table}`,
      problem: `is not a table of depot ${depot.name}`,
      fix: tables.length > 0 ? `use one of: ${tables.sort().join(", ")}` : `check the schema name "${t.schema}"`,
    });
    return false;
  };
  const columnExists = (policy: string, field: string, table: string, column: string, types: Record<string, string> | undefined) => {
    if (types === undefined || column in types) return true;
    problems.push({
      scope: "column",
      policy,
      field: `${field}.column`,
      value: column,
      problem: `is not a column of ${table}`,
      fix: `use one of: ${Object.keys(types).sort().join(", ")}`,
    });
    return false;
  };

  for (const policy of sorted) {
    const list = <T>(field: "access" | "masks" | "filters"): T[] => {
      const value = (policy as unknown as Record<string, unknown>)[field];
      if (value === undefined) return [];
      if (!Array.isArray(value)) {
        problems.push({
          scope: "rule",
          policy: policy.name,
          field,
          value,
          problem: "is not a list",
          fix: `give ${field} as a list of rules`,
        });
        return [];
      }
      return value as T[];
    };
    list<AccessRule>("access").forEach((rule, i) => {
      const field = `access[${i}]`;
      checkSubjects(policy.name, field, rule, problems);
      const targetOk = checkTarget(policy.name, field, rule, [], depots, problems);
      if (!(typeof rule.access === "string" && rule.access in PRIVILEGES)) {
        problems.push({
          scope: "rule",
          policy: policy.name,
          field: `${field}.access`,
          value: rule.access,
          problem: "is not an access level",
          fix: 'use "none", "read", "write" or "all"',
        });
        return;
      }
      if (!targetOk) return;
      const depot = depots.get(rule.depot)!;
      if (
        rule.table !== undefined &&
        !tableExists(
          policy.name,
          field,
          depot,
          rule as { schema: string; table: string },
          columnTypes[`${depot.catalog}.${rule.schema}.${rule.table}`],
        )
      )
        return;
      access.push({
        policy: policy.name,
        field,
        ...names(rule),
        catalog: depots.get(rule.depot)!.catalog,
        schema: rule.schema,
        table: rule.table,
        level: rule.access,
      });
    });
    list<ColumnMask>("masks").forEach((rule, i) => {
      const field = `masks[${i}]`;
      checkSubjects(policy.name, field, rule, problems);
      const targetOk = checkTarget(policy.name, field, rule, ["schema", "table", "column"], depots, problems);
      const maskOk = checkMask(policy.name, field, rule.mask, problems);
      if (!targetOk || !maskOk) return;
      const depot = depots.get(rule.depot)!;
      const table = `${depot.catalog}.${rule.schema}.${rule.table}`;
      const types = columnTypes[table];
      if (!tableExists(policy.name, field, depot, rule, types) || !columnExists(policy.name, field, table, rule.column, types)) return;
      const expression = typedMaskExpression(rule.column, rule.mask, types?.[rule.column]);
      if (expression === undefined) {
        problems.push({
          scope: "column",
          policy: policy.name,
          field: `${field}.mask`,
          value: rule.mask,
          problem: `produces text, but ${table}.${rule.column} is ${types![rule.column]}, and Trino refuses a mask of another type`,
          fix: `use mask "null", or { sql: "..." } returning ${types![rule.column]}`,
        });
        return;
      }
      data.push({
        policy: policy.name,
        field,
        ...names(rule),
        depot: rule.depot,
        catalog: depot.catalog,
        schema: rule.schema,
        table: rule.table,
        mask: { column: rule.column, expression },
      });
    });
    list<RowFilter>("filters").forEach((rule, i) => {
      const field = `filters[${i}]`;
      checkSubjects(policy.name, field, rule, problems);
      const targetOk = checkTarget(policy.name, field, rule, ["schema", "table"], depots, problems);
      if (typeof rule.where !== "string" || rule.where.trim() === "") {
        problems.push({
          scope: "rule",
          policy: policy.name,
          field: `${field}.where`,
          value: rule.where,
          problem: "is missing or empty",
          fix: "give a SQL boolean expression over the table's columns, e.g. \"region = 'EU'\"",
        });
        return;
      }
      if (!targetOk) return;
      const depot = depots.get(rule.depot)!;
      if (!tableExists(policy.name, field, depot, rule, columnTypes[`${depot.catalog}.${rule.schema}.${rule.table}`])) return;
      data.push({
        policy: policy.name,
        field,
        ...names(rule),
        depot: rule.depot,
        catalog: depot.catalog,
        schema: rule.schema,
        table: rule.table,
        filter: rule.where,
      });
    });
  }

  // The same subject masking one column twice is a mistake in the policies themselves.
  // (The second mask is dropped, so it is not reported again for each user it reaches.)
  const maskedBySubject = new Map<string, Origin>();
  const duplicates = new Set<NormalizedData>();
  for (const d of data) {
    if (!d.mask) continue;
    for (const [kind, list] of [
      ["user", d.users],
      ["group", d.groups],
    ] as const) {
      for (const n of list) {
        const key = [kind, n, d.catalog, d.schema, d.table, d.mask.column].join("\u0000");
        if (maskedBySubject.has(key)) duplicates.add(d);
        else maskedBySubject.set(key, d);
      }
    }
  }
  for (const d of duplicates) {
    problems.push({
      scope: "rule",
      policy: d.policy,
      field: `${d.field}.column`,
      value: d.mask!.column,
      problem: "is masked twice for the same subject",
      fix: "keep one mask per column and subject",
    });
    data.splice(data.indexOf(d), 1);
  }

  // Groups policies name must be the Cluster's: otherwise their rules would reach nobody.
  const known = new Set(Object.keys(groups));
  // The identity provider's groups: named by policies, members known only from each person's token.
  const tokenGroups = options.identityProviderGroups
    ? [...new Set([...access, ...data].flatMap((r) => r.groups))].filter((g) => !known.has(g)).sort()
    : [];
  for (const r of [...access, ...data]) {
    r.groups.forEach((g, i) => {
      if (known.has(g) || tokenGroups.includes(g)) return;
      const listed = [...known].sort().join(", ") || "none";
      problems.push({
        scope: "grant",
        policy: r.policy,
        field: `${r.field}.groups[${i}]`,
        value: g,
        problem: `is not a group of this Cluster (its groups: ${listed})`,
        fix: `add "${g}" and its members to the Cluster's groups, or name one of its groups`,
      });
    });
  }

  // Principals: every user named, and every member of a group named.
  const groupsOf = new Map<string, Set<string>>();
  for (const [group, members] of Object.entries(groups)) {
    for (const m of members ?? []) groupsOf.set(m, (groupsOf.get(m) ?? new Set()).add(group));
  }
  const applies = (s: { users: string[]; groups: string[] }, user: string) =>
    s.users.includes(user) || s.groups.some((g) => groupsOf.get(user)?.has(g));
  const principals = new Set<string>();
  for (const r of [...access, ...data]) {
    r.users.forEach((u) => principals.add(u));
    r.groups.forEach((g) => (groups[g] ?? []).forEach((u) => principals.add(u)));
  }
  principals.delete(HEALTH_USER);

  // Per principal: the resolved rule of every object a rule of theirs names.
  const resolvedOf = new Map<string, Resolved[]>();
  const dataUsable = new Map<NormalizedData, boolean>();
  const resolve = (subject: string, appliesHere: (s: { users: string[]; groups: string[] }) => boolean): Resolved[] => {
    const mine = access.filter(appliesHere);
    const myData = data.filter(appliesHere);
    const objects = new Map<string, Scope>();
    for (const o of [...mine, ...myData]) objects.set(scopeKey(o), { catalog: o.catalog, schema: o.schema, table: o.table });
    const out: Resolved[] = [];
    for (const object of objects.values()) {
      const level = resolveLevel(mine, object);
      const here = myData.filter(
        (d) => d.catalog === object.catalog && d.schema === object.schema && d.table === object.table && object.table !== undefined,
      );
      const allowed = level !== undefined && level.level !== "none";
      for (const d of here) dataUsable.set(d, (dataUsable.get(d) ?? false) || allowed);
      // A rule of the object's own level, or a table narrowed by data policies; the rest is covered by an enclosing rule.
      if (level === undefined || (level.at !== specificity(object) && !(allowed && here.length > 0))) continue;
      const columns = new Map<string, { mask: string; from: NormalizedData }>();
      const filters = new Set<string>();
      if (allowed) {
        for (const d of here) {
          if (d.mask) {
            const earlier = columns.get(d.mask.column);
            if (earlier && earlier.mask !== d.mask.expression) {
              problems.push({
                scope: "grant",
                policy: d.policy,
                field: `${d.field}.mask`,
                value: `${object.catalog}.${object.schema}.${object.table}.${d.mask.column}`,
                problem: `gives ${subject} a second, different mask on this column (the other: Policy "${earlier.from.policy}" ${earlier.from.field}); Trino applies one mask per column and user`,
                fix: "give the column one mask for everyone this user is reached through (user and groups), or take the user out of one of the groups",
              });
            } else if (!earlier) {
              columns.set(d.mask.column, { mask: d.mask.expression, from: d });
            }
          }
          if (d.filter !== undefined) filters.add(d.filter);
        }
      }
      out.push({
        ...object,
        level: level.level,
        columns: [...columns.entries()].map(([name, c]) => ({ name, mask: c.mask })).sort((a, b) => a.name.localeCompare(b.name)),
        ...(filters.size > 0
          ? {
              filter: [...filters]
                .sort()
                .map((f) => `(${f})`)
                .join(" AND "),
            }
          : {}),
      });
    }
    return out;
  };
  for (const user of [...principals].sort())
    resolvedOf.set(
      user,
      resolve(`user ${user}`, (r) => applies(r, user)),
    );
  // Each of the identity provider's groups, resolved as one principal of its own.
  const groupResolved = new Map(tokenGroups.map((g) => [g, resolve(`group ${g}`, (r) => r.groups.includes(g))]));

  // A data policy that no principal it names may use is a mistake (a missing grant, or a typo).
  for (const d of data) {
    if (dataUsable.get(d)) continue;
    if (d.groups.some((g) => !known.has(g))) continue; // already reported, or the identity provider's
    const who = [...d.users.map((u) => `user ${u}`), ...d.groups.map((g) => `group ${g}`)].join(", ");
    problems.push({
      scope: "grant",
      policy: d.policy,
      field: d.field,
      value: `${d.depot}.${d.schema}.${d.table}`,
      problem: `applies to ${who}, who has no access to this table`,
      fix: "add an access rule granting it, or drop this data policy",
    });
  }

  // Rules of identical effect for several users become one rule naming them all.
  // (Groups of the identity provider: the same, naming the groups, after every user's rules.)
  const merge = (entries: Entry[], key: "user" | "group" = "user") => {
    const byBody = new Map<string, { users: string[]; rule: Record<string, Json>; order: number }>();
    for (const e of entries) {
      const body = JSON.stringify([e.order, e.rule]);
      const found = byBody.get(body);
      if (found) found.users.push(e.user);
      else byBody.set(body, { users: [e.user], rule: e.rule, order: e.order });
    }
    return [...byBody.values()]
      .map((g) => ({ ...g, regex: exactNames(g.users) }))
      .sort((a, b) => a.order - b.order || cmp(JSON.stringify(a.rule), JSON.stringify(b.rule)) || cmp(a.regex, b.regex))
      .map((g) => ({ [key]: g.regex, ...g.rule }) as Json);
  };
  const objectFields = (s: Scope): Record<string, Json> => ({
    catalog: exactNames([s.catalog]),
    ...(s.schema === undefined ? {} : { schema: exactNames([s.schema]) }),
    ...(s.table === undefined ? {} : { table: exactNames([s.table]) }),
  });

  type Entry = { user: string; rule: Record<string, Json>; order: number };
  const emit = (principals: Map<string, Resolved[]>, byLevel: boolean) => {
    const tableEntries: Entry[] = [];
    const catalogEntries: Entry[] = [];
    const schemaEntries: Entry[] = [];
    // For groups (first match across several of a person's groups): at one object, a deny first, then the widest grant.
    const rank = (level: AccessLevel) => (byLevel ? (level === "none" ? 0 : LEVELS.length - LEVELS.indexOf(level)) : 0);
    for (const [user, resolved] of principals) {
      for (const r of resolved) {
        const rule: Record<string, Json> = { ...objectFields(r), privileges: PRIVILEGES[r.level] };
        if (r.columns.length > 0) rule.columns = r.columns.map((c) => ({ name: c.name, mask: c.mask }));
        if (r.filter !== undefined) rule.filter = r.filter;
        // Most specific first: for each user, the first rule covering a table is its most specific one.
        tableEntries.push({ user, rule, order: (2 - specificity(r)) * 10 + rank(r.level) });
      }
      // Catalog access: the widest level the user has anywhere in the depot.
      const widest = new Map<string, AccessLevel>();
      for (const r of resolved) {
        const earlier = widest.get(r.catalog) ?? "none";
        widest.set(r.catalog, LEVELS.indexOf(r.level) > LEVELS.indexOf(earlier) ? r.level : earlier);
      }
      for (const [catalog, level] of widest)
        catalogEntries.push({
          user,
          rule: { catalog: exactNames([catalog]), allow: CATALOG_ACCESS[level] },
          order: level === "none" ? 0 : 1 + rank(level),
        });
      // Schema ownership follows `all` on a whole depot or schema; a schema rule of another level shadows a depot-wide `all`.
      for (const r of resolved.filter((x) => x.table === undefined)) {
        const ownsDepot = resolved.some((x) => x.catalog === r.catalog && x.schema === undefined && x.level === "all");
        if (r.level === "all" || (r.schema !== undefined && ownsDepot)) {
          schemaEntries.push({ user, rule: { ...objectFields(r), owner: r.level === "all" }, order: r.schema === undefined ? 1 : 0 });
        }
      }
    }
    return { tableEntries, catalogEntries, schemaEntries };
  };
  const people = emit(resolvedOf, false);
  const byGroup = emit(groupResolved, true);

  const catalogs: Json[] = [
    { user: HEALTH_USER, catalog: "system", allow: "read-only" },
    ...merge(people.catalogEntries),
    ...merge(byGroup.catalogEntries, "group"),
  ];
  const tables: Json[] = [
    { user: HEALTH_USER, catalog: "system", schema: "runtime", table: "nodes", privileges: ["SELECT"] },
    ...merge(people.tableEntries),
    ...merge(byGroup.tableEntries, "group"),
  ];
  const schemas: Json[] = [...merge(people.schemaEntries), ...merge(byGroup.schemaEntries, "group")];

  const unique = [...new Map(problems.map((p) => [JSON.stringify([p.policy, p.field, p.problem]), p])).values()];
  return {
    problems: unique,
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

/** The rules as the text Trino reads: stable key order, one section a line (compact: the text is kept in state). */
export function renderRules(rules: TrinoRules): string {
  const sections = Object.entries(rules).map(([section, list]) => `${JSON.stringify(section)}:${JSON.stringify(list)}`);
  return `{\n${sections.join(",\n")}\n}\n`;
}
