/**
 * What the catalog knows about one primitive. Lineage is read from `inputs`:
 * the addresses a primitive reads from.
 */
export interface CatalogEntry {
  /** Primitive kind, e.g. `Secret`, `Depot`. */
  readonly kind: string;
  /** The primitive's resource name. */
  readonly name: string;
  /**
   * Stable address. Depots and their datasets use `strata://depot/schema/table`;
   * every other primitive `strata:<kind>/<name>`, which can never be mistaken
   * for a dataset.
   */
  readonly address: string;
  /** Team or person accountable for it. */
  readonly owner: string;
  /** Business domain, when given. */
  readonly domain?: string;
  /** What it is for, when given. */
  readonly description?: string;
  /** Free-form labels. */
  readonly tags: Readonly<Record<string, string>>;
  /** Addresses this primitive reads from (its upstream lineage). */
  readonly inputs: readonly string[];
}

/** The address of a primitive that is not a dataset: `strata:secret/db-password`. */
export function primitiveAddress(kind: string, name: string): string {
  return `strata:${kind.toLowerCase()}/${name}`;
}

// One program run registers each primitive once; keying by address makes a
// second run of the same program in one process (preview, then up) replace
// its entries instead of piling them up.
const entries = new Map<string, CatalogEntry>();

/** Adds or replaces the entry with this address. */
export function registerCatalogEntry(entry: CatalogEntry): void {
  entries.set(entry.address, entry);
}

/** Every registered entry, sorted by address so the stack output is stable. */
export function catalogEntries(): CatalogEntry[] {
  return [...entries.values()].sort((a, b) => a.address.localeCompare(b.address));
}

/** Forgets every entry; a program wrapper calls it before each run. */
export function resetCatalog(): void {
  entries.clear();
}
