// IPv4 CIDR arithmetic shared by the clouds' networks and API-endpoint checks. Pure.

/** An IPv4 block as a 32-bit base address and a prefix length (host bits may be set). */
export interface Ipv4Block {
  readonly base: number;
  readonly prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; undefined when it is not a CIDR block. Host bits may be set. */
export function parseCidr(cidr: string): Ipv4Block | undefined {
  const m = CIDR.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  return { base: octets.reduce((acc, o) => acc * 256 + o, 0), prefix };
}

/** Addresses in a block. */
function size(block: Ipv4Block): number {
  return 2 ** (32 - block.prefix);
}

/** `a.b.c.d/prefix` for a 32-bit address. */
export function formatCidr(base: number, prefix: number): string {
  return `${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join(".")}/${prefix}`;
}

/** Whether the block has bits set after its prefix (`10.40.1.0/16`). */
export function hasHostBits(block: Ipv4Block): boolean {
  return block.base % size(block) !== 0;
}

/** Whether two blocks share an address. */
export function overlaps(a: Ipv4Block, b: Ipv4Block): boolean {
  const start = (x: Ipv4Block) => x.base - (x.base % size(x));
  return start(a) < start(b) + size(b) && start(b) < start(a) + size(a);
}

/** Whether `inner` lies wholly inside `outer`. */
export function within(inner: Ipv4Block, outer: Ipv4Block): boolean {
  return inner.prefix >= outer.prefix && Math.floor(inner.base / size(outer)) === Math.floor(outer.base / size(outer));
}

/** The `index`-th block of length `prefix` inside `block`, as CIDR text. */
export function subnetCidr(block: Ipv4Block, prefix: number, index: number): string {
  return formatCidr(block.base - (block.base % size(block)) + index * 2 ** (32 - prefix), prefix);
}
