// YAML manifests: `strata apply -f <file|dir>` (see docs/architecture.md, "YAML manifests").
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { ManifestError, type ResolvedManifest, loadManifestSources, manifestFiles } from "./load.js";
import { manifestProgram } from "./program.js";

export { ManifestError, type ResolvedManifest, loadManifestSources, loadManifests, manifestFiles, MANIFEST_SCHEMA_FILE } from "./load.js";
export { createPrimitives, manifestProgram } from "./program.js";
export type * from "./types.js";

/** A stack of manifests: its folder (holding Pulumi.yaml), its program, and its manifest files relative to the folder. */
export interface ManifestStack {
  readonly workDir: string;
  readonly program: pulumi.automation.PulumiFn;
  readonly manifests: string[];
  readonly resolved: ResolvedManifest[];
}

/** The nearest folder at or above `from` holding a Pulumi.yaml. */
export function stackFolderOf(fileOrDir: string): string {
  const full = path.resolve(fileOrDir);
  const start = fs.existsSync(full) && fs.statSync(full).isDirectory() ? full : path.dirname(full);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir)
      throw new ManifestError([
        `${full}: no Pulumi.yaml in its folder or above. Fix: add a Pulumi.yaml next to the manifests (name: <project>, runtime: nodejs), e.g. copy stacks/local-yaml`,
      ]);
  }
}

/**
 * Loads the manifests of a file or folder — or, with `only`, those files of
 * the stack folder (relative paths; what a version recorded): everything
 * checked before any engine operation. Throws {@link ManifestError}.
 */
export function loadManifestStack(fileOrDir: string, only?: readonly string[]): ManifestStack {
  const workDir = stackFolderOf(fileOrDir);
  const files = only ? only.map((f) => path.join(workDir, f)) : manifestFiles(fileOrDir);
  if (files.length === 0)
    throw new ManifestError([
      `${path.resolve(fileOrDir)}: no *.yaml manifests here. Fix: add one YAML document per primitive (kind, name, spec)`,
    ]);
  for (const file of files)
    if (!fs.existsSync(file)) throw new ManifestError([`${file}: no such file. Fix: give a manifest file or a folder of them to -f`]);
  const resolved = loadManifestSources(
    files.map((file) => ({ file, text: fs.readFileSync(file, "utf8") })),
    { root: workDir },
  );
  return { workDir, program: manifestProgram(resolved), manifests: files.map((f) => path.relative(workDir, f)), resolved };
}

/** A folder of YAML manifests used as a template: a Pulumi.yaml, manifests, and no program.js. */
export function isManifestFolder(dir: string): boolean {
  return (
    fs.existsSync(path.join(dir, "Pulumi.yaml")) &&
    !fs.existsSync(path.join(dir, "program.js")) &&
    !fs.existsSync(path.join(dir, "program.ts")) &&
    manifestFiles(dir).length > 0
  );
}
