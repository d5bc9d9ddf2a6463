#!/usr/bin/env node
// Generates the JSON Schema of Strata's YAML manifests from their TypeScript
// types (src/manifest/types.ts) and writes it to schemas/strata-manifest.schema.json,
// which the package publishes (editors complete and check manifests with it;
// `strata apply` validates with it). Run by `npm run build` at the root;
// `node scripts/manifest-schema.mjs --check` exits 1 when the file is not current.
//
// Why ts-json-schema-generator (a dev dependency): the manifest types are the
// one source of the field names, so the schema cannot drift from them; it is
// the maintained generator that reads plain TypeScript types (no decorators,
// no runtime schema objects), keeps JSDoc as descriptions, and supports the
// @pattern / @minimum / @asType annotations used here.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { manifestSchema } from "./manifest-schema-lib.mjs";

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = path.join(packageDir, "schemas", "strata-manifest.schema.json");
// Formatted as the repository formats JSON (prettier), so the format check and this one agree.
const prettier = await import("prettier");
const text = await prettier.format(JSON.stringify(manifestSchema(packageDir)), { ...(await prettier.resolveConfig(file)), filepath: file });
if (process.argv.includes("--check")) {
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  if (current !== text) {
    process.stderr.write(`${file} is not current. Fix: run npm run build (or node packages/cli/scripts/manifest-schema.mjs)\n`);
    process.exit(1);
  }
} else {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}
