import { catalogEntries, resetProgramState } from "@strata/core-kernel";

/** Stack outputs a program returns. */
export type ProgramOutputs = Record<string, unknown>;

/**
 * Wraps a stack program so every run starts afresh (empty catalog, no port
 * claims) and exports
 * the catalog (kind, name, address, owner, tags, inputs of every primitive) as
 * the `catalog` stack output. Running the same program twice in one process
 * (preview, then up) therefore reports each primitive once.
 */
export function strataProgram(body: () => ProgramOutputs | Promise<ProgramOutputs>): () => Promise<ProgramOutputs> {
  return async () => {
    resetProgramState();
    const outputs = await body();
    return { ...outputs, catalog: catalogEntries() };
  };
}
