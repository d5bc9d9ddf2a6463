// PolicyCheck: policies checked against the live sources before the access
// rules they guard change.
import { execFile } from "node:child_process";
import { type Failure, type ResourceType, hasUnknowns } from "./framework.js";
import { type TrinoLogin, trinoStatement } from "./trino.js";
import { pgTlsEnvironment } from "./os.js";

/** One table (and optionally column) a policy names, with the words for its error. */
export interface ColumnReference {
  /** e.g. `Policy "analysts"` */
  primitive: string;
  /** e.g. `masks[0].column` */
  field: string;
  schema: string;
  table: string;
  column?: string;
  /**
   * A named mask on the column ("null", "redact", "hash", "email"): all but
   * "null" produce text, which Trino accepts only on a character column.
   */
  mask?: string;
}

/** How to read a PostgreSQL depot's schema: psql over TCP as the depot's user (its password is in `passwords`). */
export interface PostgresSchemaAccess {
  psql: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** The certificate authority the server's certificate is checked against (TLS required when given). */
  caFile?: string;
}

/** A depot whose tables policies name. */
export interface PolicyCheckDepot {
  /** Depot (catalog) name. */
  depot: string;
  /** Where its schema is read from; without it only `columns` is known. */
  postgres?: PostgresSchemaAccess;
  /** Column types known without a server (`schema.table` -> column -> Trino type), e.g. TPC-H's. */
  columns?: Record<string, Record<string, string>>;
  /** What policies name in it; checked against the live schema of a PostgreSQL depot. */
  references: ColumnReference[];
}

/** A SQL column mask, whose type Trino decides. */
export interface SqlMask {
  primitive: string;
  /** e.g. `masks[2].mask` */
  field: string;
  depot: string;
  schema: string;
  table: string;
  column: string;
  sql: string;
}

export interface PolicyCheckInputs {
  depots: PolicyCheckDepot[];
  /** Depot -> the password of its user: the one secret input, kept apart so the rest stays readable (and small) in state. */
  passwords?: Record<string, string>;
  /** A running Trino to type SQL masks with (127.0.0.1:port, as a user who may run queries); needed when there are SQL masks. */
  trino?: TrinoLogin;
  sqlMasks: SqlMask[];
}

export interface PolicyCheckOutputs {
  /** Column types of the tables policies name, as Trino names them: `catalog.schema.table` -> column -> type. */
  columns: Record<string, Record<string, string>>;
}

/**
 * The Trino type the PostgreSQL connector gives a column of this PostgreSQL
 * type (`format_type` text), or undefined for types it does not map by default.
 */
function trinoTypeOf(pgType: string): string | undefined {
  const simple: Record<string, string> = {
    boolean: "boolean",
    smallint: "smallint",
    integer: "integer",
    bigint: "bigint",
    real: "real",
    "double precision": "double",
    text: "varchar",
    "character varying": "varchar",
    bytea: "varbinary",
    date: "date",
    uuid: "uuid",
    json: "json",
    jsonb: "json",
  };
  if (simple[pgType] !== undefined) return simple[pgType];
  let m = /^character varying\((\d+)\)$/.exec(pgType);
  if (m) return `varchar(${m[1]})`;
  m = /^character\((\d+)\)$/.exec(pgType);
  if (m) return `char(${m[1]})`;
  m = /^numeric\((\d+),(\d+)\)$/.exec(pgType);
  if (m && Number(m[1]) <= 38) return `decimal(${m[1]},${m[2]})`;
  m = /^timestamp(?:\((\d)\))? without time zone$/.exec(pgType);
  if (m) return `timestamp(${m[1] ?? "6"})`;
  m = /^timestamp(?:\((\d)\))? with time zone$/.exec(pgType);
  if (m) return `timestamp(${m[1] ?? "6"}) with time zone`;
  m = /^time(?:\((\d)\))? without time zone$/.exec(pgType);
  if (m) return `time(${m[1] ?? "6"})`;
  return undefined;
}

/** `schema.table` -> column -> PostgreSQL type, of every table and view of the database. */
async function readSchema(access: PostgresSchemaAccess, password: string): Promise<Map<string, Map<string, string>>> {
  const sql =
    "SELECT n.nspname || '.' || c.relname || '.' || a.attname || '.' || format_type(a.atttypid, a.atttypmod) " +
    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace " +
    "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'm', 'p', 'f') " +
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY a.attnum";
  const output = await new Promise<string>((resolve, reject) =>
    execFile(
      access.psql,
      [
        "-X",
        "-q",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        access.host,
        "-p",
        String(access.port),
        "-U",
        access.user,
        "-d",
        access.database,
        "-c",
        sql,
      ],
      // The password reaches psql through its environment, never its command line.
      {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          PGPASSWORD: password,
          PGCONNECT_TIMEOUT: "10",
          ...pgTlsEnvironment(access.caFile),
        },
      },
      (error, stdout, stderr) => (error ? reject(new Error(stderr.trim() || String(error))) : resolve(stdout)),
    ),
  );
  // Names are lower-case identifiers (policies can name no others), so the dots split cleanly.
  const tables = new Map<string, Map<string, string>>();
  for (const line of output.trim().split("\n").filter(Boolean)) {
    const [schema, table, column, ...type] = line.split(".");
    const key = `${schema}.${table}`;
    if (!tables.has(key)) tables.set(key, new Map());
    tables.get(key)!.set(column ?? "", type.join("."));
  }
  return tables;
}

/** The first row of one statement, or the error Trino reported. */
async function trinoFirstRow(login: TrinoLogin, sql: string): Promise<{ row?: unknown[]; error?: string }> {
  const { rows, error } = await trinoStatement(login, sql);
  return error === undefined ? { row: rows[0] } : { error };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function checkPolicies(inputs: PolicyCheckInputs): Promise<PolicyCheckOutputs> {
  const problems: string[] = [];
  const columns: Record<string, Record<string, string>> = {};
  for (const d of inputs.depots) {
    for (const [table, types] of Object.entries(d.columns ?? {})) columns[`${d.depot}.${table}`] = types;
    if (!d.postgres) continue;
    const tables = await readSchema(d.postgres, inputs.passwords?.[d.depot] ?? "");
    for (const ref of d.references) {
      const key = `${ref.schema}.${ref.table}`;
      const known = tables.get(key);
      if (!known) {
        const list = [...tables.keys()].sort().join(", ") || "none";
        problems.push(
          `${ref.primitive}: ${ref.field.replace(/\.column$/, ".table")}="${key}" is not a table of depot ${d.depot}. Fix: use one of: ${list}`,
        );
        continue;
      }
      columns[`${d.depot}.${key}`] = Object.fromEntries(
        [...known].flatMap(([c, t]) => (trinoTypeOf(t) === undefined ? [] : [[c, trinoTypeOf(t)!]])),
      );
      if (ref.column === undefined) continue;
      const pgType = known.get(ref.column);
      if (pgType === undefined) {
        problems.push(
          `${ref.primitive}: ${ref.field}="${ref.column}" is not a column of ${d.depot}.${key}. Fix: use one of: ${[...known.keys()].sort().join(", ")}`,
        );
        continue;
      }
      const type = trinoTypeOf(pgType) ?? pgType;
      if (ref.mask !== undefined && ref.mask !== "null" && !/^(varchar|char)(\(\d+\))?$/.test(type)) {
        problems.push(
          `${ref.primitive}: ${ref.field.replace(/\.column$/, ".mask")}="${ref.mask}" produces text, but ${d.depot}.${key}.${ref.column} is ${type}, ` +
            `and Trino refuses a mask of another type. Fix: use mask "null", or { sql: "..." } returning ${type}`,
        );
      }
    }
  }
  // A SQL mask fits when Trino coerces it to its column's type, the rule Trino applies to masks:
  // coalescing it with a NULL of the column's type keeps that type. It is typed over a row of the
  // table's column types, so no table is read and the checking user needs no access to it.
  for (const m of problems.length === 0 ? inputs.sqlMasks : []) {
    const table = columns[`${m.depot}.${m.schema}.${m.table}`];
    const type = table?.[m.column];
    if (table === undefined || type === undefined || !inputs.trino) continue;
    const names = Object.keys(table);
    const relation = `FROM (VALUES (${names.map((c) => `CAST(NULL AS ${table[c]})`).join(", ")})) AS t(${names.map(quoteIdent).join(", ")})`;
    const own = await trinoFirstRow(inputs.trino, `SELECT typeof((${m.sql})) ${relation}`);
    if (own.error !== undefined) {
      problems.push(
        `${m.primitive}: ${m.field}=${JSON.stringify(m.sql)} is not a valid expression over ${m.depot}.${m.schema}.${m.table}: ${own.error}. Fix: correct the SQL`,
      );
      continue;
    }
    if (own.row?.[0] === type) continue;
    const coerced = await trinoFirstRow(inputs.trino, `SELECT typeof(coalesce(CAST(NULL AS ${type}), (${m.sql}))) ${relation}`);
    if (coerced.error === undefined && coerced.row?.[0] === type) continue;
    problems.push(
      `${m.primitive}: ${m.field}=${JSON.stringify(m.sql)} is of type ${String(own.row?.[0])}, but ${m.depot}.${m.schema}.${m.table}.${m.column} is ${type}, ` +
        `and Trino refuses a mask of another type. Fix: return ${type}, e.g. CAST(... AS ${type})`,
    );
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return { columns };
}

/**
 * Runs at preview too: when the databases (and, for SQL masks, the Cluster)
 * already run and every input is known, a bad policy fails the preview.
 * Otherwise create and update check it.
 */
export const PolicyCheck: ResourceType<PolicyCheckInputs, PolicyCheckOutputs> = {
  name: "PolicyCheck",
  async check(news): Promise<Failure[]> {
    if (hasUnknowns(news)) return [];
    try {
      await checkPolicies(news);
    } catch (error) {
      const message = String(error instanceof Error ? error.message : error);
      // Only an answer about the policies fails the preview; an unreachable server is checked again at deploy.
      if (/ Fix: /.test(message)) return [{ property: "depots", reason: message }];
    }
    return [];
  },
  async create(inputs) {
    return { id: "policy-check", outs: await checkPolicies(inputs) };
  },
  async read(_id, outs) {
    return outs;
  },
  async update(_id, _olds, news) {
    return checkPolicies(news);
  },
};
