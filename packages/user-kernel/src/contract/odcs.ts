// Open Data Contract Standard v3.1 documents: their TypeScript shape (the
// standard's own field names), and loading a YAML file checked against the
// standard's official JSON Schema, with every problem located as
// file:line:column. The schema is not part of the sources: scripts/setup.sh
// fetches it from the standard's published Python package (PyPI
// `open-data-contract-standard`) into this package's `schemas/` folder.
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import addFormatsModule from "ajv-formats";
import { OPERATORS } from "@strata/core-kernel";
import { LineCounter, parseDocument } from "yaml";
import { yamlLocator, yamlPosition } from "../yaml-position.js";

const addFormats = addFormatsModule.default;

/** Where the official schema is kept (written by scripts/setup.sh). */
export const ODCS_SCHEMA_FILE = fileURLToPath(new URL("../../schemas/odcs-v3.1.0.schema.json", import.meta.url));

/** A quality rule (ODCS `quality[]` item): a library metric, a SQL query, text or a custom engine's rule. */
export interface OdcsQuality {
  id?: string;
  name?: string;
  description?: string;
  /** @default "library" when `metric` is given */
  type?: "library" | "sql" | "text" | "custom";
  /** Library metric: `nullValues`, `missingValues`, `invalidValues`, `duplicateValues` (property level), `rowCount`, `duplicateValues` with `arguments.properties` (schema level). */
  metric?: "nullValues" | "missingValues" | "invalidValues" | "duplicateValues" | "rowCount";
  /** Deprecated by the standard: use `metric`. */
  rule?: string;
  /** `missingValues` (values counted as missing), `validValues` or `pattern` (invalidValues), `properties` (duplicate key set). */
  arguments?: { missingValues?: (string | number | null)[]; validValues?: (string | number)[]; pattern?: string; properties?: string[] };
  /** `sql` rules: one query returning one number or boolean; `{object}` and `{property}` are replaced by the table and column. */
  query?: string;
  mustBe?: number | boolean;
  mustNotBe?: number | boolean;
  mustBeGreaterThan?: number;
  mustBeGreaterOrEqualTo?: number;
  mustBeLessThan?: number;
  mustBeLessOrEqualTo?: number;
  /** Inclusive: [a, b] holds for a <= value <= b. */
  mustBeBetween?: [number, number];
  /** Holds for value < a or value > b. */
  mustNotBeBetween?: [number, number];
  /** `rows` (default) or `percent` of the dataset's rows. */
  unit?: string;
  /** `info`, `warning` (and `warn`, `low`, `minor`) never block; anything else blocks under `enforcement: "block"`. */
  severity?: string;
  dimension?: "accuracy" | "completeness" | "conformity" | "consistency" | "coverage" | "timeliness" | "uniqueness";
  engine?: string;
  implementation?: string | Record<string, unknown>;
  [field: string]: unknown;
}

/** A property (column) of a schema object. */
export interface OdcsProperty {
  name: string;
  /** The column's name in the table. @default name */
  physicalName?: string;
  logicalType?: "string" | "date" | "timestamp" | "time" | "number" | "integer" | "object" | "array" | "boolean";
  physicalType?: string;
  /** No NULL in the column. @default false */
  required?: boolean;
  /** No two rows share a value. @default false */
  unique?: boolean;
  /** Part of the primary key (unique and not NULL; several properties form a composite key). @default false */
  primaryKey?: boolean;
  primaryKeyPosition?: number;
  description?: string;
  quality?: OdcsQuality[];
  [field: string]: unknown;
}

/** A schema object: a dataset (table). */
export interface OdcsSchemaObject {
  name: string;
  /** The table's name, or `schema.table`. @default name */
  physicalName?: string;
  logicalType?: "object";
  physicalType?: string;
  description?: string;
  properties?: OdcsProperty[];
  quality?: OdcsQuality[];
  [field: string]: unknown;
}

/** A service-level property; `latency` (or the older `freshness`) is checked, the others are documentation. */
export interface OdcsSlaProperty {
  property: string;
  value: string | number | boolean | null;
  /** `d`, `h`, `m`, `s` (and their long forms). */
  unit?: string;
  /** `object.property` (or `property` when there is one object): a timestamp or date column. */
  element?: string;
  [field: string]: unknown;
}

/** An ODCS v3.1 data contract (the fields Strata reads are typed; any other field of the standard is kept). */
export interface OdcsDocument {
  apiVersion: string;
  kind: "DataContract";
  id: string;
  version: string;
  status: string;
  name?: string;
  domain?: string;
  dataProduct?: string;
  description?: { purpose?: string; limitations?: string; usage?: string; [field: string]: unknown };
  schema?: OdcsSchemaObject[];
  slaDefaultElement?: string;
  slaProperties?: OdcsSlaProperty[];
  [field: string]: unknown;
}

/** A path into the document, e.g. `["schema", 0, "properties", 2, "quality", 0, "metric"]`. */
export type DocumentPath = (string | number)[];

/** `schema[0].properties[2].quality[0].metric`: how a path is written in messages. */
export function showPath(path: DocumentPath): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("") || "(document)";
}

/** An invalid contract document: every problem, each `file:line:column field: problem`. */
export class ContractDocumentError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Contract document ${file} is not a valid ODCS v3.1 data contract:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ContractDocumentError";
  }
}

let validator: ValidateFunction | undefined;

const OPERATOR_NAMES: readonly string[] = OPERATORS;

/** The official ODCS v3.1 schema, compiled once. */
export function odcsValidator(): ValidateFunction {
  if (validator) return validator;
  if (!fs.existsSync(ODCS_SCHEMA_FILE))
    throw new Error(`The ODCS v3.1 JSON Schema is missing (${ODCS_SCHEMA_FILE}). Fix: run scripts/setup.sh, which fetches it`);
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats(ajv);
  validator = ajv.compile(JSON.parse(fs.readFileSync(ODCS_SCHEMA_FILE, "utf8")) as object);
  return validator;
}

/** The path an Ajv error is about (for a missing or unexpected field, the field itself). */
function errorPath(error: ErrorObject): DocumentPath {
  const path: DocumentPath = error.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const params = error.params as { unevaluatedProperty?: string; additionalProperty?: string; missingProperty?: string };
  const extra = params.unevaluatedProperty ?? params.additionalProperty ?? params.missingProperty;
  return extra === undefined ? path : [...path, extra];
}

function errorMessage(error: ErrorObject): string {
  const params = error.params as { unevaluatedProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  if (params.unevaluatedProperty !== undefined || params.additionalProperty !== undefined)
    return "is not a field of the standard here. Fix: remove it, or move it under customProperties";
  if (params.allowedValues) return `must be one of: ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  return error.message ?? "is invalid";
}

/**
 * Problems of a document against the official schema, as `field: problem`
 * pairs. Errors that only say "a branch of oneOf/anyOf/if did not match"
 * are dropped when a more precise error exists.
 */
export function odcsSchemaProblems(document: unknown): { path: DocumentPath; message: string }[] {
  const validate = odcsValidator();
  if (validate(document)) return [];
  const errors = validate.errors ?? [];
  const vague = new Set(["oneOf", "anyOf", "if", "allOf"]);
  const precise = errors.filter((e) => !vague.has(e.keyword));
  let chosen = precise.length > 0 ? precise : errors;
  // The operators are a oneOf of "required" branches: a rule with a wrong operator value gets one
  // "missing" error per other operator. Keep the real error; a rule with no operator gets one message.
  const operatorMissing = (e: ErrorObject) =>
    e.keyword === "required" && OPERATOR_NAMES.includes(String((e.params as { missingProperty?: string }).missingProperty));
  const pointer = (e: ErrorObject) => `/${errorPath(e).join("/")}`;
  const realPaths = new Set(chosen.filter((e) => !operatorMissing(e) && e.keyword !== "unevaluatedProperties").map(pointer));
  const operatorProblem = new Set(
    chosen
      .filter((e) => !operatorMissing(e) && OPERATOR_NAMES.some((op) => pointer(e) === `${e.instancePath}/${op}`))
      .map((e) => e.instancePath),
  );
  chosen = chosen.filter((e) => !(e.keyword === "unevaluatedProperties" && realPaths.has(pointer(e))));
  const reported = new Set<string>();
  chosen = chosen.flatMap((e) => {
    if (!operatorMissing(e)) return [e];
    if (operatorProblem.has(e.instancePath) || reported.has(e.instancePath)) return [];
    reported.add(e.instancePath);
    return [{ ...e, keyword: "operator", params: {}, message: `needs exactly one operator: ${OPERATOR_NAMES.join(", ")}` }];
  });
  const seen = new Set<string>();
  return chosen.flatMap((e) => {
    const path = e.keyword === "operator" ? errorPath({ ...e, params: {} }) : errorPath(e);
    const message = errorMessage(e);
    const key = `${showPath(path)} ${message}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ path, message }];
  });
}

/** A parsed document and where each of its fields is written. */
export interface LocatedDocument {
  document: OdcsDocument;
  file: string;
  /** `file:line:column` of the field at `path` (its key), or of its nearest written parent. */
  locate(path: DocumentPath): string;
}

/** Reads an ODCS YAML file and checks it against the official schema; throws {@link ContractDocumentError} with file:line:column. */
export function readContractFile(file: string): LocatedDocument {
  const text = fs.readFileSync(file, "utf8");
  const lines = new LineCounter();
  const parsed = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => yamlPosition(file, lines, offset);
  if (parsed.errors.length > 0)
    throw new ContractDocumentError(
      file,
      parsed.errors.map((e) => `${at(e.pos[0])} ${e.message.split("\n")[0]}`),
    );
  const locate = yamlLocator(file, parsed, lines);
  const document = parsed.toJS() as OdcsDocument;
  const problems = odcsSchemaProblems(document);
  if (problems.length > 0)
    throw new ContractDocumentError(
      file,
      problems.map((p) => `${locate(p.path)} ${showPath(p.path)} ${p.message}`),
    );
  return { document, file, locate };
}
