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

/**
 * The catalog of one program run: every primitive registers its entry as it
 * is declared, and the program exports them (sorted, so declaration order
 * does not matter). Keyed by address, so a primitive declared twice in one
 * run (preview, then up, in one process) is listed once.
 */
export class Catalog {
  private readonly byAddress = new Map<string, CatalogEntry>();

  /** Adds or replaces the entry with this address. */
  register(entry: CatalogEntry): void {
    this.byAddress.set(entry.address, entry);
  }

  /** Every entry, sorted by address. */
  entries(): CatalogEntry[] {
    return [...this.byAddress.values()].sort((a, b) => a.address.localeCompare(b.address));
  }
}
