// Property: whatever a manifest file holds, loading it either succeeds or
// throws a ManifestError whose every problem is one located line
// (`file:line:column ...` with a `Fix:`) and no stack trace; nothing else
// escapes. fast-check (a maintained property-based testing library: shrinking,
// reproducible seeds) generates 1,500 malformed manifests: the demo's
// manifests with one or more mutations (a field dropped, renamed, retyped, a
// reference broken, a cycle, YAML syntax broken), and arbitrary YAML values.
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { ManifestError, keyOf, loadManifestSources, loadManifests } from "./load.js";

const folder = path.resolve(import.meta.dirname, "..", "..", "..", "..", "stacks", "local-yaml");
const FILE = path.join(folder, "fuzz.yaml");

/** The demo's manifests, and what each names (resolved once). */
const demo = loadManifests(folder, { root: folder });
const byKey = new Map(demo.map((m) => [keyOf(m.manifest), m]));

/** A manifest and every manifest it names, transitively: a valid stack by itself (a few documents, so each case is fast). */
function closure(index: number): Record<string, unknown>[] {
  const keys = new Set<string>();
  const visit = (key: string) => {
    if (keys.has(key)) return;
    keys.add(key);
    for (const to of byKey.get(key)!.refs.values()) visit(to);
  };
  visit(keyOf(demo[index % demo.length]!.manifest));
  return demo.filter((m) => keys.has(keyOf(m.manifest))).map((m) => structuredClone(m.manifest) as unknown as Record<string, unknown>);
}

type Json = unknown;

/** Every path to a value inside `value`. */
function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  const here = [at];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value !== null && typeof value === "object") return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return here;
}

/** `value` with the node at `at` replaced by `replace(old)` (undefined removes it). */
function edit(value: Json, at: (string | number)[], replace: (old: Json) => Json): Json {
  if (at.length === 0) return replace(value);
  const [head, ...rest] = at;
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = edit(copy[head as number], rest, replace);
    if (next === undefined && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const copy = { ...(value as Record<string, Json>) };
  const next = edit(copy[head as string], rest, replace);
  if (next === undefined) delete copy[head as string];
  else copy[head as string] = next;
  return copy;
}

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom("Database", "warehouse", "analytics", "Secret/warehouse-password", "lake", "sql", "lakehouse", "-", "A B", ""),
);
const anyValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }));

/** One mutation of one document, chosen by the numbers given (so fast-check shrinks them). */
const mutation = fc.record({
  document: fc.nat(),
  node: fc.nat(),
  how: fc.constantFrom("drop", "retype", "rename", "reference", "self", "kind", "duplicate"),
  value: anyValue,
  name: fc.string({ maxLength: 10 }),
});

function mutate(documents: Json[], m: { document: number; node: number; how: string; value: Json; name: string }): Json[] {
  if (documents.length === 0) return documents;
  const index = m.document % documents.length;
  const document = documents[index];
  const all = paths(document);
  const at = all[m.node % all.length]!;
  let changed: Json;
  switch (m.how) {
    case "drop":
      changed = edit(document, at, () => undefined);
      break;
    case "retype":
      changed = edit(document, at, () => m.value);
      break;
    case "rename": {
      const key = at[at.length - 1];
      changed =
        typeof key === "string"
          ? edit(document, at.slice(0, -1), (parent) => {
              const { [key]: moved, ...rest } = parent as Record<string, Json>;
              return { ...rest, [`${key}${m.name || "x"}`]: moved };
            })
          : edit(document, at, () => m.value);
      break;
    }
    case "reference":
      changed = edit(document, at, (old) => (typeof old === "string" ? `${old}-missing` : old));
      break;
    case "self": {
      // A reference to the document itself: a cycle when the field names its own kind.
      const name = (document as { name?: Json } | null)?.name;
      changed = edit(document, at, (old) => (typeof old === "string" ? name : old));
      break;
    }
    case "kind":
      changed = { ...(document as object | null), kind: m.name };
      break;
    default:
      return [...documents, document];
  }
  return documents.map((d, i) => (i === index ? changed : d)).filter((d) => d !== undefined);
}

/** A YAML text made invalid: a character inserted or a line cut. */
const breakText = fc.record({
  at: fc.nat(),
  insert: fc.constantFrom("{", "[", ":", "\t", "'", '"', "&a", "*b", "!!x ", "\n  - ", "---\n", "? "),
});

/** Loads `text`: valid, or a ManifestError of located lines (anything else fails the test). True when refused. */
function refusedWithLocatedErrors(text: string): boolean {
  try {
    loadManifestSources([{ file: FILE, text }], { root: folder });
    return false;
  } catch (error) {
    if (!(error instanceof ManifestError)) throw new Error(`not a ManifestError for:\n${text}\n${String(error)}`, { cause: error });
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) {
      expect(problem).toMatch(LOCATED);
      expect(problem).not.toMatch(/\n\s+at /);
    }
    return true;
  }
}

const LOCATED = new RegExp(`^${FILE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+ \\S.* Fix: \\S`);

describe("malformed manifests are located errors, never crashes", () => {
  test("1,000 mutated demo stacks: each a ManifestError of file:line:column lines, or valid", () => {
    let refused = 0;
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.option(breakText, { freq: 4 }),
        (start, mutations, broken) => {
          const documents = mutations.reduce<Json[]>((docs, m) => mutate(docs, m), closure(start));
          let text = documents.map((d) => stringify(d)).join("---\n");
          if (broken) {
            const at = broken.at % (text.length + 1);
            text = `${text.slice(0, at)}${broken.insert}${text.slice(at)}`;
          }
          if (refusedWithLocatedErrors(text)) refused++;
        },
      ),
      { numRuns: 1000, seed: 20261201 },
    );
    // Most mutations must be refused (the others changed a free-form value, e.g. a description).
    expect(refused).toBeGreaterThan(500);
  });

  test("500 arbitrary YAML values and texts", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue().map((v) => stringify(v)),
          fc.string({ maxLength: 200 }),
        ),
        (text) => {
          refusedWithLocatedErrors(text);
        },
      ),
      { numRuns: 500, seed: 20261202 },
    );
  });
});
