// YAML manifests, the pure part: parse (positions kept) -> check against the
// published JSON Schema -> resolve references by name (unknown ones and
// cycles refused) -> the manifests in dependency order. Every problem is one
// line, `file:line:column Kind "name": spec.field=value problem. Fix: ...`,
// and all of them are reported at once as a ManifestError. No Pulumi here;
// program.ts turns the result into primitives.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv } from "ajv";
import { LineCounter, parseAllDocuments, type Document } from "yaml";
import { yamlLocator, yamlPosition } from "@strata/user-kernel";
import type { Kind, Manifest } from "./types.js";

/** The published schema (generated from types.ts by scripts/manifest-schema.mjs). */
export const MANIFEST_SCHEMA_FILE = fileURLToPath(new URL("../../schemas/strata-manifest.schema.json", import.meta.url));

/** Manifests that cannot be deployed: every problem, each located `file:line:column`. */
export class ManifestError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1 ? problems[0]! : `${problems.length} problems in the manifests:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
    this.name = "ManifestError";
  }
}

/** A path into a manifest document, e.g. `["spec", "depots", 1]`. */
export type ManifestPath = (string | number)[];

/** `spec.depots[1]`: how a path is written in messages. */
export function showPath(at: ManifestPath): string {
  const part = (p: string | number, i: number) =>
    typeof p === "number" ? `[${p}]` : !/^[A-Za-z_$][\w$-]*$/.test(p) ? `[${JSON.stringify(p)}]` : i === 0 ? p : `.${p}`;
  return at.map(part).join("") || "(document)";
}

/** A manifest read from a file, with where each of its fields is written. */
export interface LocatedManifest {
  readonly manifest: Manifest;
  readonly file: string;
  /** `file:line:column` of the field at `at` (its key), or of its nearest written parent. */
  locate(at: ManifestPath): string;
}

/** A manifest whose references are resolved: `refs` maps each reference's path (`showPath`) to the `Kind/name` it names. */
export interface ResolvedManifest extends LocatedManifest {
  readonly refs: ReadonlyMap<string, string>;
}

/** A manifest file's text. */
export interface ManifestSource {
  readonly file: string;
  readonly text: string;
}

/** What checks need of the file system, so they stay testable. */
export interface ManifestEnvironment {
  /** Files and folders named by manifests must be below it (a version records this folder). @default no limit */
  readonly root?: string;
  /** @default fs.existsSync */
  readonly exists?: (file: string) => boolean;
}

const KINDS: readonly Kind[] = [
  "Secret",
  "Compute",
  "Database",
  "Depot",
  "LocalObjectStore",
  "Policy",
  "Cluster",
  "Workspace",
  "Contract",
  "Workflow",
  "Model",
  "ModelApi",
  "Service",
];

let compiled: { ajv: Ajv; validate: ValidateFunction; schema: JsonSchema } | undefined;

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  description?: string;
  definitions?: Record<string, JsonSchema>;
};

/** The manifest schema, compiled once (`verbose`: each error carries the schema it comes from). */
export function manifestValidator(): { ajv: Ajv; validate: ValidateFunction; schema: JsonSchema } {
  if (compiled) return compiled;
  const schema = JSON.parse(fs.readFileSync(MANIFEST_SCHEMA_FILE, "utf8")) as JsonSchema;
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  compiled = { ajv, validate: ajv.compile(schema), schema };
  return compiled;
}

/** `#/definitions/X` of the manifest schema. */
function resolveRef(root: JsonSchema, schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema?.$ref) return schema;
  const name = schema.$ref.replace(/^#\/definitions\//, "");
  return resolveRef(root, root.definitions?.[name]);
}

function instancePath(error: ErrorObject): ManifestPath {
  return error.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** The value at `at` in `data`, or undefined. */
function valueAt(data: unknown, at: ManifestPath): unknown {
  let node = data;
  for (const p of at) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[p];
  }
  return node;
}

/** A value as written in a message: JSON, cut at 60 characters. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  object: "a mapping (field: value)",
  array: "a list",
  null: "null",
};

/** A schema as a person reads it: `"email"`, `{ sql }`, `a string`. */
function describe(root: JsonSchema, schema: JsonSchema | undefined, depth = 0): string {
  if (schema?.$ref === "#/definitions/Ref") return "a name";
  if (schema?.$ref === "#/definitions/ConfigValue") return "{ config: <key> }";
  const s = resolveRef(root, schema);
  if (!s || depth > 3) return "a value";
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const branches = s.anyOf ?? s.oneOf;
  if (branches) return branches.map((b) => describe(root, b, depth + 1)).join(" or ");
  const kind = s.properties?.kind;
  if (kind?.enum) return `a mapping with kind: ${kind.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if (s.properties && s.type === "object") {
    const required = s.required ?? [];
    return required.length > 0 ? `a mapping with ${required.join(", ")}` : "a mapping (field: value)";
  }
  const type = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (type.length === 0) return "a value";
  return type.map((t) => (t === "object" ? "a mapping (field: value)" : (TYPE_WORDS[t] ?? t))).join(" or ");
}

/** One problem: where (path) and what (problem, fix). */
interface Problem {
  at: ManifestPath;
  problem: string;
  fix: string;
  /** No value is printed (the field is missing, or not one of the spec's). */
  missing?: boolean;
}

/** What a schema error means, with its fix. */
function explain(root: JsonSchema, error: ErrorObject, data: unknown): Problem {
  const at = instancePath(error);
  const params = error.params as Record<string, unknown>;
  const parent = error.parentSchema as JsonSchema | undefined;
  switch (error.keyword) {
    case "required": {
      const field = String(params.missingProperty);
      const property = parent?.properties?.[field];
      const about = property?.description ?? resolveRef(root, property)?.description;
      return {
        at: [...at, field],
        missing: true,
        problem: "is missing",
        fix: `add ${field}: ${describe(root, property)}${about ? ` (${about.split("\n")[0]!.replace(/\.$/, "")})` : ""}`,
      };
    }
    case "additionalProperties": {
      const field = String(params.additionalProperty);
      const known = Object.keys(parent?.properties ?? {});
      const kind = valueAt(data, ["kind"]);
      const where = at.length === 0 ? "a manifest" : at.length === 1 && at[0] === "spec" ? `the ${String(kind)} spec` : showPath(at);
      return {
        at: [...at, field],
        missing: true,
        problem: `is not a field of ${where}`,
        fix: known.length > 0 ? `remove it, or use one of: ${known.join(", ")}` : "remove it",
      };
    }
    case "type": {
      if (parent?.properties?.config && parent.required?.includes("config") && at[at.length - 1] !== "config")
        return {
          at,
          missing: true,
          problem: "is not read from stack config (a secret is never written in a manifest)",
          fix: "write { config: <key> } and set the key once with `pulumi config set --secret <key>` in the stack folder",
        };
      const types = String(params.type).split(",");
      const words = types.map((t) => TYPE_WORDS[t] ?? t).join(" or ");
      return { at, problem: `is not ${words}`, fix: `give ${words}` };
    }
    case "const":
      return { at, problem: "is not accepted here", fix: `give ${JSON.stringify(params.allowedValue)}` };
    case "enum":
      return {
        at,
        problem: "is not one of the accepted values",
        fix: `use one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "pattern": {
      const isName = at.length === 1 && at[0] === "name";
      const isRef = parent?.description?.startsWith("The name of another manifest") === true;
      return {
        at,
        problem: isName ? "is not a valid primitive name" : `does not match ${String(params.pattern)}`,
        fix:
          isName || isRef
            ? 'use 1-63 characters: lower-case letters, digits and "-", starting with a letter and not ending with "-" (a reference may start with Kind/)'
            : (parent?.description?.split("\n")[0] ?? "change it to match"),
      };
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return {
        at,
        problem: `is not ${String(params.comparison)} ${String(params.limit)}`,
        fix: `give a value ${String(params.comparison)} ${String(params.limit)}`,
      };
    case "union":
      return { at, problem: "is none of the accepted forms", fix: `give ${String(params.forms)}` };
    default:
      return { at, problem: error.message ?? "is invalid", fix: "see the manifest schema (schemas/strata-manifest.schema.json)" };
  }
}

const branchValidators = new WeakMap<object, ValidateFunction>();

/** A union's branch, compiled on its own (with the schema's definitions, for its `$ref`s). */
function branchValidator(branch: JsonSchema): ValidateFunction {
  let validate = branchValidators.get(branch);
  if (!validate) {
    const { ajv, schema } = manifestValidator();
    validate = ajv.compile({ definitions: schema.definitions, ...branch });
    branchValidators.set(branch, validate);
  }
  return validate;
}

/**
 * The schema's errors folded to the ones a person needs: `if` errors (the
 * kind dispatch) go; for an `anyOf` (a migration list or folder, a mask
 * name or SQL) the value is checked against each branch alone and only the
 * branch it was meant for is kept — the one of its type with the fewest
 * errors — or, when none is of its type, one error listing the forms.
 */
export function foldErrors(errors: readonly ErrorObject[], data: unknown): Problem[] {
  const { schema: root } = manifestValidator();
  let remaining = errors.filter((e) => e.keyword !== "if");
  for (let rounds = 0; rounds < 20; rounds++) {
    const union = remaining
      .filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf")
      .sort((a, b) => a.instancePath.length - b.instancePath.length)[0];
    if (!union) break;
    const base = union.instancePath;
    const under = (e: ErrorObject) => e.instancePath === base || e.instancePath.startsWith(`${base}/`);
    const value = valueAt(data, instancePath(union));
    const branches = (union.schema as JsonSchema[]).map((branch) => {
      const validate = branchValidator(branch);
      validate(value);
      return (validate.errors ?? []).map((e) => ({ ...e, instancePath: `${base}${e.instancePath}` }));
    });
    const ofItsType = branches.filter(
      (list) => !list.some((e) => (e.keyword === "type" || e.keyword === "const") && e.instancePath === base),
    );
    const rest = remaining.filter((e) => !under(e));
    if (ofItsType.length > 0) remaining = [...rest, ...ofItsType.sort((a, b) => a.length - b.length)[0]!.filter((e) => e.keyword !== "if")];
    else
      remaining = [
        ...rest,
        {
          keyword: "union",
          instancePath: base,
          schemaPath: union.schemaPath,
          params: { forms: (union.schema as JsonSchema[]).map((b) => describe(root, b)).join(" or ") },
          message: "",
        },
      ];
  }
  const seen = new Set<string>();
  return remaining
    .map((e) => explain(root, e, data))
    .filter((p) => {
      const key = `${showPath(p.at)} ${p.problem}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** A located problem line. */
function line(where: string, manifest: unknown, at: ManifestPath, problem: string, fix: string, missing = false): string {
  const m = (manifest ?? {}) as { kind?: unknown; name?: unknown };
  // The primitive, as far as the document says: `Kind "name"`, `Manifest "name"` for an unknown kind.
  const kind = typeof m.kind === "string" && (KINDS as readonly string[]).includes(m.kind) ? m.kind : "Manifest";
  const who = typeof m.name === "string" ? `${kind} "${m.name}": ` : kind === "Manifest" ? "" : `${kind} (no name): `;
  const value = missing ? "" : `=${showValue(valueAt(manifest, at))}`;
  return `${where} ${who}${showPath(at)}${value} ${problem}. Fix: ${fix}`;
}

/**
 * Parses manifest files and checks each document against the schema.
 * Returns the valid manifests and the problems of the others.
 */
export function parseManifests(sources: readonly ManifestSource[]): {
  manifests: LocatedManifest[];
  problems: string[];
  /** `Kind/name` of the documents that declare a primitive but have problems (references to them are not reported again). */
  invalid: string[];
} {
  const { validate } = manifestValidator();
  const manifests: LocatedManifest[] = [];
  const problems: string[] = [];
  const invalid: string[] = [];
  for (const { file, text } of sources) {
    const lines = new LineCounter();
    const at = (offset: number) => yamlPosition(file, lines, offset);
    let documents: Document.Parsed[];
    try {
      documents = parseAllDocuments(text, {
        lineCounter: lines,
        prettyErrors: false,
        uniqueKeys: true,
        logLevel: "error",
      }) as Document.Parsed[];
    } catch (error) {
      problems.push(`${file}:1:1 is not YAML: ${(error as Error).message.split("\n")[0]}. Fix: correct the YAML syntax`);
      continue;
    }
    if (!Array.isArray(documents)) documents = [];
    for (const document of documents) {
      if (document.errors.length > 0) {
        for (const e of document.errors) problems.push(`${at(e.pos[0])} ${e.message.split("\n")[0]}. Fix: correct the YAML syntax`);
        continue;
      }
      // An empty document (a trailing `---`, a file of comments) declares nothing.
      if (document.contents === null) continue;
      let data: unknown;
      try {
        data = document.toJS({ maxAliasCount: 100 });
      } catch (error) {
        problems.push(`${at(document.range[0])} ${(error as Error).message.split("\n")[0]}. Fix: write the document without it`);
        continue;
      }
      const locate = yamlLocator(file, document, lines);
      if (data === null || typeof data !== "object" || Array.isArray(data)) {
        problems.push(
          `${locate([])} (document)=${showValue(data)} is not a manifest. Fix: write a mapping with kind (${KINDS.join(", ")}), name and spec`,
        );
        continue;
      }
      if (validate(data)) {
        manifests.push({ manifest: data as Manifest, file, locate });
        continue;
      }
      const declared = data as { kind?: unknown; name?: unknown };
      if (typeof declared.kind === "string" && typeof declared.name === "string") invalid.push(`${declared.kind}/${declared.name}`);
      for (const p of foldErrors(validate.errors ?? [], data))
        problems.push(line(locate(p.at), data, p.at, p.problem, p.fix, p.missing === true));
    }
  }
  return { manifests, problems, invalid };
}

/** A reference a manifest makes: where, what it says, which kinds it may name. */
export interface Reference {
  readonly at: ManifestPath;
  readonly ref: string;
  readonly kinds: readonly Kind[];
}

/** Every reference of a (schema-valid) manifest. Pure. */
export function referencesOf(manifest: Manifest): Reference[] {
  const refs: Reference[] = [];
  const one = (value: string | undefined, at: ManifestPath, kinds: Kind[]) => {
    if (value !== undefined) refs.push({ at: ["spec", ...at], ref: value, kinds });
  };
  const list = (values: string[] | undefined, at: string, kinds: Kind[]) => values?.forEach((v, i) => one(v, [at, i], kinds));
  const record = (values: Record<string, string> | undefined, at: ManifestPath, kinds: Kind[]) =>
    Object.entries(values ?? {}).forEach(([k, v]) => one(v, [...at, k], kinds));
  switch (manifest.kind) {
    case "Secret":
      one(manifest.spec.workspace, ["workspace"], ["Workspace"]);
      break;
    case "Database":
      one(manifest.spec.password, ["password"], ["Secret"]);
      one(manifest.spec.server, ["server"], ["Database"]);
      one(manifest.spec.compute, ["compute"], ["Compute"]);
      break;
    case "Depot": {
      const source = manifest.spec.source;
      if (source.kind === "postgresql") one(source.password, ["source", "password"], ["Secret"]);
      if (source.kind === "lakehouse") {
        one(source.metastore, ["source", "metastore"], ["Database"]);
        one(source.storage, ["source", "storage"], ["LocalObjectStore"]);
      }
      break;
    }
    case "Cluster":
      one(manifest.spec.compute, ["compute"], ["Compute"]);
      list(manifest.spec.depots, "depots", ["Depot", "Database"]);
      list(manifest.spec.policies, "policies", ["Policy"]);
      one(manifest.spec.identityProvider?.clientSecret, ["identityProvider", "clientSecret"], ["Secret"]);
      break;
    case "Contract":
      one(manifest.spec.depot, ["depot"], ["Depot", "Database"]);
      one(manifest.spec.cluster, ["cluster"], ["Cluster"]);
      one(manifest.spec.history, ["history"], ["Database"]);
      break;
    case "Workflow":
      one(manifest.spec.cluster, ["cluster"], ["Cluster"]);
      list(manifest.spec.after, "after", ["Workflow"]);
      one(manifest.spec.workspace, ["workspace"], ["Workspace"]);
      one(manifest.spec.runs, ["runs"], ["Database"]);
      manifest.spec.steps.forEach((step, i) => {
        if (step.kind === "check") one(step.contract, ["steps", i, "contract"], ["Contract"]);
        if (step.kind === "command") record(step.secrets, ["steps", i, "secrets"], ["Secret"]);
      });
      break;
    case "Model":
      one(manifest.spec.cluster, ["cluster"], ["Cluster"]);
      one(manifest.spec.depot, ["depot"], ["Depot"]);
      break;
    case "ModelApi":
      one(manifest.spec.model, ["model"], ["Model"]);
      break;
    case "Service":
      record(manifest.spec.secrets, ["secrets"], ["Secret"]);
      one(manifest.spec.compute, ["compute"], ["Compute"]);
      one(manifest.spec.workspace, ["workspace"], ["Workspace"]);
      one(manifest.spec.cluster, ["cluster"], ["Cluster"]);
      break;
    case "Compute":
    case "LocalObjectStore":
    case "Policy":
    case "Workspace":
      break;
  }
  return refs;
}

/** Files and folders a manifest names, relative to its own file. */
function pathsOf(manifest: Manifest): { at: ManifestPath; file: string; what: "file" | "folder" }[] {
  if (manifest.kind === "Contract") return [{ at: ["spec", "fromFile"], file: manifest.spec.fromFile, what: "file" }];
  if (manifest.kind === "Database" && manifest.spec.migrations && !Array.isArray(manifest.spec.migrations))
    return [{ at: ["spec", "migrations", "directory"], file: manifest.spec.migrations.directory, what: "folder" }];
  return [];
}

/** `Kind/name`, the key of a manifest. */
export const keyOf = (m: Pick<Manifest, "kind" | "name">): string => `${m.kind}/${m.name}`;

/**
 * Checks names, references and paths of schema-valid manifests, and orders
 * them so every manifest comes after those it names (stable: file order
 * otherwise). Problems are located lines.
 */
export function resolveManifests(
  manifests: readonly LocatedManifest[],
  environment: ManifestEnvironment = {},
  invalid: readonly string[] = [],
): { ordered: ResolvedManifest[]; problems: string[] } {
  const problems: string[] = [];
  const exists = environment.exists ?? fs.existsSync;
  const byKey = new Map<string, LocatedManifest>();
  for (const m of manifests) {
    const key = keyOf(m.manifest);
    const first = byKey.get(key);
    if (first) {
      problems.push(
        line(
          m.locate(["name"]),
          m.manifest,
          ["name"],
          `is already declared at ${first.locate(["name"])}`,
          "give each primitive of a kind its own name",
        ),
      );
      continue;
    }
    byKey.set(key, m);
  }
  const unique = [...byKey.values()];
  const edges = new Map<string, { to: string; at: ManifestPath }[]>();
  const resolved: ResolvedManifest[] = [];
  for (const m of unique) {
    const refs = new Map<string, string>();
    const out: { to: string; at: ManifestPath }[] = [];
    for (const r of referencesOf(m.manifest)) {
      const slash = r.ref.indexOf("/");
      const kind = slash < 0 ? undefined : r.ref.slice(0, slash);
      const name = slash < 0 ? r.ref : r.ref.slice(slash + 1);
      const accepted = r.kinds.join(" or ");
      const fail = (problem: string, fix: string) => problems.push(line(m.locate(r.at), m.manifest, r.at, problem, fix));
      if (kind !== undefined && !(r.kinds as string[]).includes(kind)) {
        fail(`names a ${kind}, where a ${accepted} is expected`, `name a ${accepted}`);
        continue;
      }
      const found = unique.filter(
        (o) => o.manifest.name === name && (kind === undefined ? r.kinds.includes(o.manifest.kind) : o.manifest.kind === kind),
      );
      if (found.length > 1) {
        fail(
          `is ambiguous: ${found.map((o) => keyOf(o.manifest)).join(" and ")} have that name`,
          `write ${found.map((o) => keyOf(o.manifest)).join(" or ")}`,
        );
        continue;
      }
      if (found.length === 0 && invalid.some((key) => key.endsWith(`/${name}`) && (kind === undefined || key === `${kind}/${name}`)))
        continue;
      if (found.length === 0) {
        const other = unique.find((o) => o.manifest.name === name);
        const names = unique.filter((o) => r.kinds.includes(o.manifest.kind)).map((o) => o.manifest.name);
        fail(
          other ? `names a ${other.manifest.kind}, where a ${accepted} is expected` : `names no ${accepted} manifest`,
          names.length > 0 ? `name one of: ${[...new Set(names)].join(", ")}` : `declare a ${r.kinds[0]} manifest with that name`,
        );
        continue;
      }
      const target = keyOf(found[0]!.manifest);
      refs.set(showPath(r.at), target);
      out.push({ to: target, at: r.at });
    }
    for (const p of pathsOf(m.manifest)) {
      const full = path.resolve(path.dirname(m.file), p.file);
      if (environment.root !== undefined && path.relative(environment.root, full).startsWith("..")) {
        problems.push(
          line(
            m.locate(p.at),
            m.manifest,
            p.at,
            `is outside the stack folder ${environment.root}`,
            `copy the ${p.what} into the stack folder and name it relative to the manifest: a version records that folder only`,
          ),
        );
      } else if (!exists(full)) {
        problems.push(
          line(m.locate(p.at), m.manifest, p.at, `names no ${p.what} (${full})`, `give a ${p.what} path relative to ${m.file}`),
        );
      }
    }
    edges.set(keyOf(m.manifest), out);
    resolved.push({ ...m, refs });
  }
  // Cycles: each reported once, at the reference that closes it.
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (key: string) => {
    state.set(key, "open");
    stack.push(key);
    for (const edge of edges.get(key) ?? []) {
      const s = state.get(edge.to);
      if (s === "open") {
        const cycle = [...stack.slice(stack.indexOf(edge.to)), edge.to];
        const m = byKey.get(key)!;
        problems.push(
          line(
            m.locate(edge.at),
            m.manifest,
            edge.at,
            `makes a cycle: ${cycle.join(" -> ")}`,
            "remove one of these references: a primitive can only name primitives created before it",
          ),
        );
      } else if (s === undefined && edges.has(edge.to)) visit(edge.to);
    }
    stack.pop();
    state.set(key, "done");
  };
  for (const key of edges.keys()) if (!state.has(key)) visit(key);
  if (problems.length > 0) return { ordered: [], problems };
  // Dependency order, stable: repeatedly the first manifest (in file order) whose references are placed.
  const placed = new Set<string>();
  const ordered: ResolvedManifest[] = [];
  const pending = [...resolved];
  while (pending.length > 0) {
    const index = pending.findIndex((m) => (edges.get(keyOf(m.manifest)) ?? []).every((e) => placed.has(e.to)));
    const [next] = pending.splice(index, 1);
    placed.add(keyOf(next!.manifest));
    ordered.push(next!);
  }
  return { ordered, problems: [] };
}

/** Problems in file, line and column order. */
function sortProblems(problems: string[]): string[] {
  const key = (p: string) => /^(.*?):(\d+):(\d+) /.exec(p);
  return [...problems].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (!x || !y) return 0;
    return x[1]!.localeCompare(y[1]!) || Number(x[2]) - Number(y[2]) || Number(x[3]) - Number(y[3]);
  });
}

/** Parses, checks and resolves manifest sources; throws a {@link ManifestError} with every problem. */
export function loadManifestSources(sources: readonly ManifestSource[], environment: ManifestEnvironment = {}): ResolvedManifest[] {
  const { manifests, problems, invalid } = parseManifests(sources);
  const resolved = resolveManifests(manifests, environment, invalid);
  const all = sortProblems([...problems, ...resolved.problems]);
  if (all.length > 0) throw new ManifestError(all);
  if (resolved.ordered.length === 0)
    throw new ManifestError([
      `${sources[0]?.file ?? "(no files)"}:1:1 no manifests${sources.length > 1 ? ` in ${sources.length} files` : ""}. Fix: write one YAML document per primitive (kind, name, spec)`,
    ]);
  return resolved.ordered;
}

/** Stack files that are not manifests: the project and its per-stack config. */
const NOT_MANIFESTS = /^Pulumi(\.[^.]+)?\.ya?ml$/;

/**
 * The manifest files of a path: the file itself, or a folder's `*.yaml` and
 * `*.yml` files (not its sub-folders, nor Pulumi.yaml / Pulumi.<stack>.yaml),
 * sorted by name.
 */
export function manifestFiles(fileOrDir: string): string[] {
  const full = path.resolve(fileOrDir);
  if (!fs.existsSync(full))
    throw new ManifestError([`${full}: no such file or folder. Fix: give a manifest file or a folder of them to -f`]);
  if (!fs.statSync(full).isDirectory()) return [full];
  return fs
    .readdirSync(full)
    .filter((f) => /\.ya?ml$/.test(f) && !NOT_MANIFESTS.test(f) && fs.statSync(path.join(full, f)).isFile())
    .sort()
    .map((f) => path.join(full, f));
}

/** Reads and resolves the manifests of a file or folder. */
export function loadManifests(fileOrDir: string, environment: ManifestEnvironment = {}): ResolvedManifest[] {
  const files = manifestFiles(fileOrDir);
  if (files.length === 0)
    throw new ManifestError([`${path.resolve(fileOrDir)}: no *.yaml manifests in this folder. Fix: add one YAML document per primitive`]);
  return loadManifestSources(
    files.map((file) => ({ file, text: fs.readFileSync(file, "utf8") })),
    environment,
  );
}
