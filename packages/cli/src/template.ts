import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as pulumi from "@pulumi/pulumi";

/**
 * A stack template: a folder holding Pulumi.yaml and `program.js`, whose
 * default export is the program function.
 */
export interface Template {
  readonly workDir: string;
  readonly program: pulumi.automation.PulumiFn;
  /** What `strata demo` runs after deploying, when the template exports `demo`. */
  readonly demo?: DemoSpec;
}

/** A query to run as several users against the stack's `endpoint` output. */
export interface DemoQuery {
  readonly query: string;
  readonly users: readonly { user: string; expect: string }[];
}

/** What `strata demo` shows: a query as several users, then optionally a local workflow run once and a query of what it built. */
export interface DemoSpec extends DemoQuery {
  readonly workflow?: DemoQuery & { readonly name: string };
  /** A request to a model API (the stack output `output` holds its address), as several users. */
  readonly modelApi?: { readonly output: string; readonly path: string; readonly users: DemoQuery["users"] };
}

/**
 * The bundled templates: the repository's `stacks/` folder, next to
 * `packages/cli`, in a checkout; the package's own `stacks/` (copied there
 * when it is packed) once installed from npm.
 */
export function bundledStacksDir(): string {
  const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const repository = path.resolve(pkg, "..", "..", "stacks");
  return isStrataStacks(repository) || !fs.existsSync(path.join(pkg, "stacks")) ? repository : path.join(pkg, "stacks");
}

function isStrataStacks(dir: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown }).name === "@strata/stacks";
  } catch {
    return false;
  }
}

/** Resolves `local` to the bundled `stacks/local`, or takes a folder path as given. */
export function templateDir(nameOrPath: string): string {
  if (/^[a-z][a-z0-9-]*$/.test(nameOrPath) && !fs.existsSync(nameOrPath)) return path.join(bundledStacksDir(), nameOrPath);
  return path.resolve(nameOrPath);
}

/** Loads a template's program module. */
export async function loadTemplate(nameOrPath: string): Promise<Template> {
  const workDir = templateDir(nameOrPath);
  const module = path.join(workDir, "program.js");
  if (!fs.existsSync(path.join(workDir, "Pulumi.yaml")) || !fs.existsSync(module)) {
    throw new Error(`${workDir} is not a built stack template: it needs Pulumi.yaml and program.js (run npm run build).`);
  }
  // The file's time in the URL: a process that loads a template again after it changed gets the new program.
  const url = `${pathToFileURL(module).href}?mtime=${fs.statSync(module).mtimeMs}`;
  const loaded = (await import(url)) as { default?: unknown; demo?: DemoSpec };
  if (typeof loaded.default !== "function") throw new Error(`${module} has no default-exported program function`);
  return { workDir, program: loaded.default as pulumi.automation.PulumiFn, ...(loaded.demo ? { demo: loaded.demo } : {}) };
}
