import { resetCatalog } from "./catalog.js";

// Ports given explicitly to primitives in this program run, so two of them
// asking for the same port fail at preview instead of at start-up.
const portClaims = new Map<number, string>();

/**
 * Records that `owner` (e.g. `Cluster "analytics"`) listens on `port`.
 * Returns the earlier owner when another primitive already claimed it.
 */
export function claimPort(port: number, owner: string): string | undefined {
  const earlier = portClaims.get(port);
  if (earlier !== undefined && earlier !== owner) return earlier;
  portClaims.set(port, owner);
  return undefined;
}

// Things one program run shares between its primitives (the Kubernetes platform, exported Helm releases).
const values = new Map<string, unknown>();

/** Sets a value shared by the primitives of this program run. */
export function setProgramValue<T>(key: string, value: T): void {
  values.set(key, value);
}

/** A value shared by the primitives of this program run, if set. */
export function programValue<T>(key: string): T | undefined {
  return values.get(key) as T | undefined;
}

/** Forgets everything one program run registered (catalog, port claims, shared values); called before each run. */
export function resetProgramState(): void {
  resetCatalog();
  portClaims.clear();
  values.clear();
}
