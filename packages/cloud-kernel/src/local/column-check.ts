import * as pulumi from "@pulumi/pulumi";

/** One table (and optionally column) a policy names, with the words for its error. */
export interface ColumnReference {
  /** e.g. `Policy "analysts"` */
  primitive: string;
  /** e.g. `masks[0].column` */
  field: string;
  schema: string;
  table: string;
  column?: string;
}

interface ColumnCheckInputs {
  psql: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** Depot (catalog) name, for messages. */
  depot: string;
  references: ColumnReference[];
}

// Serialized into state: self-contained (see file.ts).
async function checkReferences(inputs: ColumnCheckInputs): Promise<number> {
  const { execFile } = await import("node:child_process");
  const sql =
    "SELECT table_schema || '.' || table_name || '.' || column_name FROM information_schema.columns " +
    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')";
  const output = await new Promise<string>((resolve, reject) =>
    execFile(
      inputs.psql,
      ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", inputs.host, "-p", String(inputs.port), "-U", inputs.user, "-d", inputs.database, "-c", sql],
      // The password reaches psql through its environment, never its command line.
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PGPASSWORD: inputs.password, PGCONNECT_TIMEOUT: "10" } },
      (error, stdout, stderr) => (error ? reject(new Error(stderr.trim() || String(error))) : resolve(stdout)),
    ),
  );
  const columns = new Map<string, string[]>();
  for (const line of output.trim().split("\n").filter(Boolean)) {
    const [schema, table, column] = line.split(".");
    const key = `${schema}.${table}`;
    columns.set(key, [...(columns.get(key) ?? []), column ?? ""]);
  }
  const problems: string[] = [];
  for (const ref of inputs.references) {
    const key = `${ref.schema}.${ref.table}`;
    const known = columns.get(key);
    if (!known) {
      const tables = [...columns.keys()].sort().join(", ") || "none";
      problems.push(`${ref.primitive}: ${ref.field.replace(/\.column$/, ".table")}="${key}" is not a table of depot ${inputs.depot}. Fix: use one of: ${tables}`);
    } else if (ref.column !== undefined && !known.includes(ref.column)) {
      problems.push(`${ref.primitive}: ${ref.field}="${ref.column}" is not a column of ${inputs.depot}.${key}. Fix: use one of: ${[...known].sort().join(", ")}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return inputs.references.length;
}

const columnCheckProvider: pulumi.dynamic.ResourceProvider<ColumnCheckInputs, { checked: number }> = {
  async create(inputs) {
    return { id: `${inputs.depot}-columns`, outs: { checked: await checkReferences(inputs) } };
  },
  async update(_id, _olds, news) {
    return { outs: { checked: await checkReferences(news) } };
  },
};

/**
 * Checks, against the live PostgreSQL catalog, that every table and column
 * that policies name exists. Deployed before the access rules it guards, so
 * a policy naming an unknown column fails before the rules change.
 */
export class PostgresColumnCheck extends pulumi.dynamic.Resource {
  declare readonly checked: pulumi.Output<number>;

  constructor(
    name: string,
    args: {
      psql: string;
      host: pulumi.Input<string>;
      port: pulumi.Input<number>;
      database: pulumi.Input<string>;
      user: pulumi.Input<string>;
      password: pulumi.Input<string>;
      depot: string;
      references: ColumnReference[];
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(columnCheckProvider, name, { ...args, password: pulumi.secret(args.password), checked: undefined }, opts, "strata-local", "PostgresColumnCheck");
  }
}
