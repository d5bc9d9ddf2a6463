import * as fs from "node:fs";
import * as path from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { loadToolchain } from "@strata/cli";

const addFormats = addFormatsModule.default;
const CORE = "https://openlineage.io/spec/2-0-2/OpenLineage.json";

/**
 * Validates OpenLineage run events against the official 2-0-2 JSON Schema
 * and every facet against its own schema (the core schema checks only a
 * facet's `_producer` and `_schemaURL`). The schemas are the setup's copy.
 */
export function openLineageValidator(): (event: unknown) => string[] {
  const dir = loadToolchain().openLineageSchemaDir;
  if (!dir) throw new Error("the toolchain has no OpenLineage schemas: run scripts/setup.sh");
  const ajv = new Ajv2020({ allErrors: true });
  // Keywords of the OpenLineage schemas that are not JSON Schema's own.
  ajv.addVocabulary(["example", "documentation"]);
  addFormats(ajv);
  for (const file of fs.readdirSync(dir, { recursive: true }) as string[]) {
    if (file.endsWith(".json")) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as object);
  }
  const schema = (ref: string): ValidateFunction => {
    const found = ajv.getSchema(ref);
    if (!found) throw new Error(`no schema ${ref} among ${dir}`);
    return found;
  };
  const runEvent = schema(`${CORE}#/$defs/RunEvent`);
  const show = (where: string, errors: ErrorObject[] | null | undefined) =>
    (errors ?? []).map((e) => `${where}${e.instancePath} ${e.message ?? ""}`.trim());
  return (event: unknown) => {
    const problems = runEvent(event) ? [] : show("", runEvent.errors);
    const e = event as {
      run?: { facets?: Record<string, unknown> };
      job?: { facets?: Record<string, unknown> };
      inputs?: { facets?: Record<string, unknown> }[];
      outputs?: { facets?: Record<string, unknown> }[];
    };
    const facetMaps: [string, Record<string, unknown> | undefined][] = [
      ["/run/facets", e.run?.facets],
      ["/job/facets", e.job?.facets],
      ...(e.inputs ?? []).map((d, i): [string, Record<string, unknown> | undefined] => [`/inputs/${i}/facets`, d.facets]),
      ...(e.outputs ?? []).map((d, i): [string, Record<string, unknown> | undefined] => [`/outputs/${i}/facets`, d.facets]),
    ];
    for (const [where, facets] of facetMaps) {
      for (const [name, facet] of Object.entries(facets ?? {})) {
        const url = (facet as { _schemaURL?: string })._schemaURL ?? "";
        // A URL without its #/$defs/<Name> fragment would validate anything: refuse it.
        if (!url.includes("#/$defs/")) problems.push(`${where}/${name} _schemaURL ${url} names no definition`);
        else {
          const validate = schema(url);
          if (!validate(facet)) problems.push(...show(`${where}/${name}`, validate.errors));
        }
      }
    }
    return problems;
  };
}
