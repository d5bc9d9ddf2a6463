// Copies the repository's stack templates into this package (`stacks/`) when
// it is packed, so `strata new <template>` and `strata up -t <template>` work
// from an installed @strata/cli: each template's sources (as `strata new`
// copies them) and its compiled program. `--clean` removes the copy again.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { templateSources } from "../dist/new.js";

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const target = path.join(pkg, "stacks");
fs.rmSync(target, { recursive: true, force: true });
if (process.argv.includes("--clean")) process.exit(0);

const repository = path.resolve(pkg, "..", "..", "stacks");
for (const entry of fs.readdirSync(repository, { withFileTypes: true })) {
  const source = path.join(repository, entry.name);
  if (!entry.isDirectory() || !fs.existsSync(path.join(source, "Pulumi.yaml"))) continue;
  const sources = templateSources(source);
  const compiled = sources.map((f) => f.replace(/\.ts$/, ".js")).filter((f) => f.endsWith(".js") && fs.existsSync(path.join(source, f)));
  const missing = sources.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !compiled.includes(f.replace(/\.ts$/, ".js")));
  if (missing.length > 0) throw new Error(`stacks/${entry.name}: ${missing.join(", ")} not compiled. Fix: run npx tsc -b first`);
  for (const file of new Set([...sources, ...compiled])) {
    fs.mkdirSync(path.dirname(path.join(target, entry.name, file)), { recursive: true });
    fs.copyFileSync(path.join(source, file), path.join(target, entry.name, file));
  }
}
