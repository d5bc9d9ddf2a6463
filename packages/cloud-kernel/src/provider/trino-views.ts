// TrinoViews: views of a schema on a Cluster of this machine, created,
// replaced and dropped with the schema's other contents left alone.
import { type Failure, type ResourceType, hasUnknowns } from "./framework.js";
import { quoteIdentifier } from "../quality.js";
import { type TrinoLogin, TrinoStatementError, trinoRows, trinoStatement } from "./trino.js";

export interface TrinoViewsInputs {
  /** A running Trino on 127.0.0.1, and the user owning the views. */
  trino: TrinoLogin;
  catalog: string;
  schema: string;
  /** View name -> its query. */
  views: Record<string, string>;
}

export interface TrinoViewsOutputs {
  /** Where delete drops them. */
  trino: TrinoLogin;
  catalog: string;
  schema: string;
  /** Names of the views it created. */
  views: string[];
}

const q = quoteIdentifier;

async function run(inputs: Pick<TrinoViewsInputs, "trino">, sql: string): Promise<void> {
  await trinoRows(inputs.trino, sql).catch((error: unknown) => {
    // Trino's own errors name the statement; a Cluster out of reach stays as it is (delete looks for it).
    throw error instanceof TrinoStatementError ? new Error(`${error.message}\n  in: ${sql}`) : error;
  });
}

async function apply(inputs: TrinoViewsInputs, previous: string[] = []): Promise<TrinoViewsOutputs> {
  const schema = `${q(inputs.catalog)}.${q(inputs.schema)}`;
  await run(inputs, `CREATE SCHEMA IF NOT EXISTS ${schema}`);
  // SECURITY INVOKER: whoever queries a view is checked, masked and filtered on the tables below it.
  for (const [name, sql] of Object.entries(inputs.views).sort())
    await run(inputs, `CREATE OR REPLACE VIEW ${schema}.${q(name)} SECURITY INVOKER AS ${sql}`);
  for (const gone of previous.filter((v) => !(v in inputs.views))) await run(inputs, `DROP VIEW IF EXISTS ${schema}.${q(gone)}`);
  return { trino: inputs.trino, catalog: inputs.catalog, schema: inputs.schema, views: Object.keys(inputs.views).sort() };
}

/**
 * Views are checked at preview when the Cluster already runs: each query
 * must be valid for the owning user (`EXPLAIN (TYPE VALIDATE)`), so a wrong
 * column or a missing grant fails the preview, not the deployment.
 */
export const TrinoViews: ResourceType<TrinoViewsInputs, TrinoViewsOutputs> = {
  name: "TrinoViews",
  replaceOn: ["catalog", "schema"],
  async check(news): Promise<Failure[]> {
    if (hasUnknowns(news)) return [];
    const failures: Failure[] = [];
    for (const [name, sql] of Object.entries(news.views).sort()) {
      let answer: Awaited<ReturnType<typeof trinoStatement>>;
      try {
        answer = await trinoStatement(news.trino, `EXPLAIN (TYPE VALIDATE) ${sql}`);
      } catch {
        return []; // The Cluster does not answer yet (a first deployment): create checks by creating.
      }
      // Named on the small `schema` input: the engine prints the value of the property a failure names.
      if (answer.error !== undefined) failures.push({ property: "schema", reason: `view ${name}: ${answer.error}\n  in: ${sql}` });
    }
    return failures;
  },
  async create(inputs) {
    return { id: `${inputs.catalog}.${inputs.schema}`, outs: await apply(inputs) };
  },
  async read(_id, outs) {
    return outs;
  },
  async update(_id, olds, news) {
    return apply(news, olds.views);
  },
  async delete(_id, outs) {
    // The views go, and their schema when nothing else is left in it (Trino refuses to drop a schema
    // that is not empty). A Cluster that is already gone has no views to drop.
    const schema = `${q(outs.catalog)}.${q(outs.schema)}`;
    try {
      for (const name of outs.views) await run(outs, `DROP VIEW IF EXISTS ${schema}.${q(name)}`);
    } catch (error) {
      if ((error as { cause?: { code?: string } }).cause?.code === "ECONNREFUSED") return;
      throw error;
    }
    await run(outs, `DROP SCHEMA IF EXISTS ${schema}`).catch(() => undefined);
  },
};
