// `strata console`: what the console reads of a stack, taken from its
// outputs, its state, its versions and the Cluster's own rules files. Never a
// secret value: the catalog, engine states, versions and access rules hold none.
import * as fs from "node:fs";
import type { CatalogEntryView, ConsoleSource, VersionView } from "@strata/console";
import { TrinoLoginError, localClusterRulesFile } from "@strata/user-kernel";
import { localEngines } from "./engines.js";
import { connectionOf, sessionFor } from "./logins.js";
import { type StackTarget, openStack, projectName, stackDataDir } from "./runner.js";
import { listVersions } from "./versions.js";

/** The console's port on 127.0.0.1 unless `--port` says otherwise. */
export const CONSOLE_PORT = 8415;

/** The console's view of a deployed stack; refused, with the fix, when the stack was never deployed. */
export async function stackConsoleSource(target: StackTarget): Promise<ConsoleSource> {
  const stack = await openStack(target);
  const outputs = () => stack.outputs();
  if (!Array.isArray((await outputs()).catalog?.value))
    throw new Error(`stack ${target.stackName} has no catalog output: deploy it first (strata up --stack ${target.stackName})`);
  const catalog = async (): Promise<CatalogEntryView[]> => {
    const entries = (await outputs()).catalog?.value;
    return Array.isArray(entries) ? (entries as CatalogEntryView[]) : [];
  };
  return {
    stackName: `${projectName(target.workDir)}/${target.stackName}`,
    async signIn(user, password) {
      const connection = connectionOf(await outputs());
      try {
        const result = await sessionFor(connection, user, password, "strata-console").query("SELECT current_user");
        return String(result.rows[0]?.[0] ?? user);
      } catch (error) {
        if (error instanceof TrinoLoginError) return undefined;
        throw error;
      }
    },
    catalog,
    async engines() {
      return (await localEngines(stack)).map((e) => ({
        name: e.name,
        parents: e.parents,
        state: e.state,
        restarts: e.restarts,
        ...(e.upSeconds === undefined ? {} : { upSeconds: e.upSeconds }),
      }));
    },
    async versions(): Promise<VersionView[]> {
      return listVersions(target).map((v) => ({
        version: v.version,
        time: v.time,
        operation: v.operation,
        ...(v.rolledBackTo === undefined ? {} : { rolledBackTo: v.rolledBackTo }),
        result: v.result,
        changes: v.changes,
        ...(v.error === undefined ? {} : { error: v.error }),
      }));
    },
    async accessRules() {
      const dataDir = stackDataDir(target);
      const clusters = (await catalog()).filter((e) => e.kind === "Cluster").map((e) => e.name);
      return clusters.flatMap((cluster) => {
        const file = localClusterRulesFile(dataDir, cluster);
        return fs.existsSync(file) ? [{ cluster, rules: JSON.parse(fs.readFileSync(file, "utf8")) as unknown }] : [];
      });
    },
  };
}
