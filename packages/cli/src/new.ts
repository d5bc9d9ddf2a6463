import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { templateDir } from "./template.js";

/** What `strata new` writes into a project's package.json: the versions this command runs with. */
export interface ProjectVersions {
  /** @strata/cli and @strata/user-kernel (published together, one version). */
  readonly strata: string;
  /** @pulumi/pulumi as loaded by this command; the project asks for `^<version>`. */
  readonly pulumi: string;
  /** TypeScript templates: the compiler and Node's types. */
  readonly typescript: string;
  readonly typesNode: string;
}

/** The TypeScript and @types/node versions Strata is built with (the root package.json's devDependencies; a test keeps them equal). */
export const TYPESCRIPT_VERSION = "5.9.3";
export const TYPES_NODE_VERSION = "22.20.5";

/** The versions of this running command: its own, and the @pulumi/pulumi it loads. */
export function runningVersions(): ProjectVersions {
  const require = createRequire(import.meta.url);
  const own = require("../package.json") as { version: string };
  const pulumi = require("@pulumi/pulumi/package.json") as { version: string };
  return { strata: own.version, pulumi: pulumi.version, typescript: TYPESCRIPT_VERSION, typesNode: TYPES_NODE_VERSION };
}

/** What `strata new` did. */
export interface NewProject {
  readonly dir: string;
  /** The template's kind: TypeScript sources to compile, or YAML manifests. */
  readonly kind: "typescript" | "yaml";
  /** Files written, relative to `dir`, sorted. */
  readonly files: string[];
}

/** Folders never copied from a template: installs, state, build caches. */
const SKIPPED_DIRS = new Set(["node_modules", ".strata", "dist", ".git"]);

/**
 * What the engine and the strata command write into a `Pulumi.<stack>.yaml` on
 * one machine: an encryption salt and secrets bound to that machine's
 * passphrase, the engines' and data's absolute paths.
 */
const MACHINE_CONFIG = /^encryptionsalt:|^\s+secure:|^\s+strata:(dataDir|trinoHome|javaHome|postgresBin):/m;

/**
 * Whether a template file is copied: not a per-machine stack file (a
 * `Pulumi.<stack>.yaml` holding machine config, see {@link MACHINE_CONFIG},
 * and set-aside copies; a template's own per-environment settings, such as
 * stacks/aws's, are copied), not a build output of a `.ts` beside it (`x.js`,
 * `x.d.ts` and their maps from `x.ts`), not a test, not the compiler's
 * `tsconfig.tsbuildinfo`.
 */
export function isTemplateSource(file: string, siblings: ReadonlySet<string>, read: () => string = () => ""): boolean {
  if (/^Pulumi\.[^.]+\.yaml\.orphaned-/.test(file)) return false;
  if (/^Pulumi\.[^.]+\.yaml$/.test(file) && MACHINE_CONFIG.test(read())) return false;
  if (file.endsWith(".tsbuildinfo")) return false;
  if (/\.test\.[cm]?ts$/.test(file)) return false;
  const built = /^(.*)\.(js|d\.ts|js\.map|d\.ts\.map)$/.exec(file);
  if (built && siblings.has(`${built[1]}.ts`)) return false;
  return true;
}

/** The template's source files, relative to its folder, sorted. */
export function templateSources(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    const entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true });
    const names = new Set(entries.map((e) => e.name));
    for (const entry of entries) {
      const file = path.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(file);
      } else if (entry.isFile() && isTemplateSource(entry.name, names, () => fs.readFileSync(path.join(dir, file), "utf8")))
        found.push(file);
    }
  };
  walk("");
  return found.sort();
}

/** An npm package name from a folder name: lower case, `-` for anything else. */
export function packageName(dir: string): string {
  const name = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+|-+$/g, "");
  return name || "strata-project";
}

/** The project's package.json: the Strata packages and @pulumi/pulumi, and for TypeScript the compiler. */
export function projectPackageJson(name: string, kind: NewProject["kind"], versions: ProjectVersions): Record<string, unknown> {
  return {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    engines: { node: ">=22" },
    scripts: {
      ...(kind === "typescript" ? { build: "tsc" } : {}),
      preview: "strata preview -t .",
      up: "strata up -t .",
      destroy: "strata destroy -t .",
    },
    dependencies: {
      "@pulumi/pulumi": `^${versions.pulumi}`,
      "@strata/cli": versions.strata,
      "@strata/user-kernel": versions.strata,
    },
    ...(kind === "typescript" ? { devDependencies: { "@types/node": versions.typesNode, typescript: versions.typescript } } : {}),
  };
}

/** A TypeScript template compiles in place: program.js next to Pulumi.yaml, where `strata -t .` loads it. */
export const PROJECT_TSCONFIG = {
  compilerOptions: {
    target: "ES2023",
    lib: ["ES2023"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: true,
    types: ["node"],
  },
  include: ["**/*.ts"],
  exclude: ["node_modules", "**/*.d.ts"],
};

/**
 * `strata new <template> [dir]`: copies a template's sources (a bundled name
 * or a folder, resolved like `-t`) into `dir`, which must be missing or
 * empty, and writes a package.json depending on this command's Strata and
 * @pulumi/pulumi versions, plus a tsconfig.json for a TypeScript template.
 * Template files named package.json or tsconfig.json are replaced by these.
 */
export function newProject(template: string, dir: string, versions: ProjectVersions = runningVersions()): NewProject {
  const source = templateDir(template);
  if (!fs.existsSync(path.join(source, "Pulumi.yaml"))) {
    throw new Error(
      `template "${template}" not found: ${source} has no Pulumi.yaml. Fix: name a bundled template (${bundledTemplates().join(", ")}) or a folder holding a Pulumi.yaml`,
    );
  }
  const target = path.resolve(dir);
  if (fs.existsSync(target)) {
    if (!fs.statSync(target).isDirectory())
      throw new Error(`${target} exists and is not a folder. Fix: choose another place for the project`);
    const present = fs.readdirSync(target);
    if (present.length > 0) {
      const shown = present.slice(0, 5).join(", ") + (present.length > 5 ? ", ..." : "");
      throw new Error(
        `${target} is not empty (it holds ${shown}); strata new never overwrites files. Fix: give a new or empty folder, e.g. strata new ${template} ${path.basename(target)}-2`,
      );
    }
  }
  const sources = templateSources(source);
  const kind = sources.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")) ? "typescript" : "yaml";
  fs.mkdirSync(target, { recursive: true });
  const written = new Set<string>();
  for (const file of sources) {
    if (file === "package.json" || file === "tsconfig.json") continue;
    fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    fs.copyFileSync(path.join(source, file), path.join(target, file));
    written.add(file);
  }
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  fs.writeFileSync(path.join(target, "package.json"), json(projectPackageJson(packageName(target), kind, versions)));
  written.add("package.json");
  if (kind === "typescript") {
    fs.writeFileSync(path.join(target, "tsconfig.json"), json(PROJECT_TSCONFIG));
    written.add("tsconfig.json");
  }
  if (!written.has(".gitignore")) {
    const built = kind === "typescript" ? "*.js\n*.d.ts\n*.tsbuildinfo\n" : "";
    fs.writeFileSync(path.join(target, ".gitignore"), `node_modules/\n.strata/\n${built}`);
    written.add(".gitignore");
  }
  return { dir: target, kind, files: [...written].sort() };
}

/** The bundled templates' names (folders of the bundled stacks holding a Pulumi.yaml). */
export function bundledTemplates(): string[] {
  const stacks = path.dirname(templateDir("local"));
  if (!fs.existsSync(stacks)) return [];
  return fs
    .readdirSync(stacks, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(stacks, e.name, "Pulumi.yaml")))
    .map((e) => e.name)
    .sort();
}
