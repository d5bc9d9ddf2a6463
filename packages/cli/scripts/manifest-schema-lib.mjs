// The manifest schema, generated from src/manifest/types.ts (see manifest-schema.mjs).
import * as path from "node:path";
import { createGenerator } from "ts-json-schema-generator";

export const SCHEMA_ID = "https://strata.dev/schemas/strata-manifest.schema.json";

/**
 * One manifest document: `kind`, `name`, `spec`; the spec checked against
 * its kind's definition through `if kind = K then spec: KSpec` branches, so
 * a validator reports the spec's own errors rather than "no branch matched".
 */
export function manifestSchema(packageDir) {
  const generated = createGenerator({
    path: path.join(packageDir, "src", "manifest", "types.ts"),
    tsconfig: path.join(packageDir, "tsconfig.json"),
    type: "SpecByKind",
    expose: "export",
    jsDoc: "extended",
    sortProps: true,
    additionalProperties: false,
    skipTypeCheck: true,
  }).createSchema("SpecByKind");
  const definitions = generated.definitions ?? {};
  // A discriminated union's branches (`@discriminator kind`) apply only when the discriminator is there:
  // a value without it gets one "kind is missing" error rather than every branch's.
  for (const definition of Object.values(definitions))
    for (const branch of definition.allOf ?? []) {
      const keys = Object.keys(branch.if?.properties ?? {});
      if (keys.length === 1 && branch.if.required === undefined) branch.if.required = keys;
    }
  const byKind = definitions.SpecByKind;
  const kinds = Object.keys(byKind.properties).sort();
  delete definitions.SpecByKind;
  const manifest = definitions.ManifestOf ?? undefined;
  if (manifest) delete definitions.ManifestOf;
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: SCHEMA_ID,
    title: "Strata manifest",
    description:
      "One Strata primitive: kind, name and a spec with the same fields as the primitive's TypeScript args; other primitives are named (Ref), secret values come from stack config.",
    type: "object",
    additionalProperties: false,
    required: ["kind", "name", "spec"],
    properties: {
      apiVersion: { type: "string", const: "strata.dev/v1", description: "The manifest format's version. Default: strata.dev/v1" },
      kind: { type: "string", enum: kinds, description: "The primitive's kind." },
      name: {
        type: "string",
        pattern: "^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$",
        description: 'The primitive\'s name: 1-63 lower-case letters, digits and "-", starting with a letter.',
      },
      spec: { type: "object", description: "The primitive's args, with the same field names." },
    },
    allOf: kinds.map((kind) => ({
      if: { properties: { kind: { const: kind } }, required: ["kind"] },
      then: { properties: { spec: byKind.properties[kind] } },
    })),
    definitions,
  };
}
