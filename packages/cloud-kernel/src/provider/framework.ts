// The shape every resource of the `strata` provider plugin has, and the one
// diff convention they share. Runs inside the plugin process, never in a
// user's program (which only registers the resources, see local/resource.ts).
import type * as provider from "@pulumi/pulumi/provider/index.js";

/** The marker the engine sends for a value not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The signature key and value of a secret in the engine's wire format. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** True when `value` (or anything inside it) is not known yet. */
export function hasUnknowns(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(hasUnknowns);
  if (value && typeof value === "object") return Object.values(value).some(hasUnknowns);
  return false;
}

/** The value with every secret wrapper of the wire format removed (the provider accepts secrets). */
export function unwrapSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map(unwrapSecrets) as T;
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value) as T;
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)])) as T;
  }
  return value;
}

/** A problem found by a resource's check: the property and what is wrong. */
export interface Failure {
  property: string;
  reason: string;
}

/**
 * One resource type of the plugin. Inputs come with secrets unwrapped.
 *
 * The diff convention, the same for every type: a change of a field listed
 * in `replaceOn` replaces the resource (those fields are kept in the
 * outputs, so the diff can see them); any other change of the inputs is an
 * update, found by the engine itself comparing the old and new inputs it
 * keeps in state. Outputs therefore hold only what the resource computed
 * (a pid, a port) and what `read`, `delete` and the diff need, never a copy
 * of every input, and never a secret.
 */
export interface ResourceType<I, O> {
  /** The type's name: the token is `strata:local:<name>`. */
  readonly name: string;
  /** Input fields whose change replaces the resource. With no `update`, every input field. */
  readonly replaceOn?: readonly (keyof I & string)[];
  /** Delete the old resource before creating its replacement (they share a file or folder). */
  readonly deleteBeforeReplace?: boolean;
  /**
   * Checks inputs; runs at preview too, where some inputs may be unknown ({@link hasUnknowns}).
   * It may also return fields to add to the inputs (what it found, e.g. a check's report), which
   * the engine then keeps and passes to create and update.
   */
  check?(news: I): Promise<Failure[] | { failures: Failure[]; add: Partial<I> }>;
  /**
   * Whether the new inputs change the resource (an update), for a type whose
   * inputs hold values that change at every run without meaning a change
   * (e.g. a check's latest observations). @default the engine compares the inputs
   */
  changed?(olds: O, news: I): boolean;
  /**
   * Whether the resource is due for an update whatever its inputs (a certificate
   * close to its expiry): checked at every diff, so each `up` renews in time.
   */
  due?(olds: O): boolean;
  create(inputs: I): Promise<{ id: string; outs: O }>;
  /** The live state; undefined when the thing is gone (refresh then drops it, and the next up creates it). */
  read?(id: string, outs: O): Promise<O | undefined>;
  update?(id: string, olds: O, news: I): Promise<O>;
  delete?(id: string, outs: O): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyResourceType = ResourceType<any, any>;

/** The type name of a URN: `urn:pulumi:stack::project::parent$strata:local:Process::name` -> `Process`. */
export function typeOfUrn(urn: string): string {
  const chain = urn.split("::")[2] ?? "";
  const own = chain.split("$").at(-1) ?? "";
  return own.replace(/^strata:local:/, "");
}

/** Fields of `replaceOn` (or every input field, for a type without update) that differ between outputs and new inputs. */
export function replacements(type: AnyResourceType, olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
  const fields = type.update ? (type.replaceOn ?? []) : Object.keys(news);
  return fields.filter((f) => JSON.stringify(olds[f]) !== JSON.stringify(news[f]));
}

/** The pulumi provider serving `types`: each call is dispatched on the type in the URN. */
export function providerOf(types: AnyResourceType[], version: string): provider.Provider {
  const byName = new Map(types.map((t) => [t.name, t]));
  const typeOf = (urn: string): AnyResourceType => {
    const type = byName.get(typeOfUrn(urn));
    if (!type) throw new Error(`the strata provider ${version} has no resource type ${typeOfUrn(urn)} (${urn})`);
    return type;
  };
  return {
    version,
    async check(urn, _olds, news) {
      const type = typeOf(urn);
      const checked = type.check ? await type.check(unwrapSecrets(news)) : [];
      if (Array.isArray(checked)) return { inputs: news, failures: checked };
      return { inputs: { ...news, ...checked.add }, failures: checked.failures };
    },
    async diff(_id, urn, olds, news) {
      const type = typeOf(urn);
      const replaces = replacements(type, olds as Record<string, unknown>, unwrapSecrets(news) as Record<string, unknown>);
      if (replaces.length > 0) return { changes: true, replaces, deleteBeforeReplace: type.deleteBeforeReplace ?? false };
      if (type.update && type.due?.(olds)) return { changes: true };
      if (type.changed) return { changes: type.changed(olds, unwrapSecrets(news)) };
      // No replacement: whether anything changed is for the engine to find from the inputs it keeps.
      return type.update ? {} : { changes: false };
    },
    async create(urn, inputs) {
      return typeOf(urn).create(unwrapSecrets(inputs));
    },
    async read(id, urn, props) {
      const type = typeOf(urn);
      if (!type.read) return { id, props };
      const live = await type.read(id, props);
      return live === undefined ? { id: "", props: {} } : { id, props: live };
    },
    async update(id, urn, olds, news) {
      const type = typeOf(urn);
      if (!type.update) throw new Error(`${type.name} cannot be updated in place`);
      return { outs: await type.update(id, olds, unwrapSecrets(news)) };
    },
    async delete(id, urn, props) {
      const type = typeOf(urn);
      if (type.delete) await type.delete(id, props);
    },
  };
}
