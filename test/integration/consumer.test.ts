// What a user does: the packages as npm publishes them (`npm pack`), a project
// outside the workspace made by `strata new starter`, installed with the
// @pulumi/pulumi version of the user's choosing, then deployed and destroyed on
// the local target by the project's own `strata` (real engine, PostgreSQL, Trino).
// Run for the newest @pulumi/pulumi the registry serves and for the oldest our packages accept.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { TrinoQueryError, TrinoSession, passwordFromFile } from "@strata/user-kernel";
import { cacheDir } from "@strata/cli";

const repo = path.resolve(import.meta.dirname, "..", "..");
const PACKAGES = ["cloud-kernel", "core-kernel", "user-kernel", "console", "cli", "policy-pack"];
// Short paths: Unix sockets of the local servers live below the project.
const work = fs.mkdtempSync(path.join(os.tmpdir(), "sc-"));
// Traversable, like a user's home: PostgreSQL runs as its own system user below it when we are root.
fs.chmodSync(work, 0o711);
const tarballs = path.join(work, "tarballs");
/** The setup's npm cache: tarballs already fetched are not fetched again. */
const npmCache = path.join(cacheDir(), "npm");
const npmFlags = ["--cache", npmCache, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "", ...env },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function ok(result: Run, what: string): string {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}:\n${result.out}\n${result.err}`);
  return result.out;
}

/** The version of @pulumi/pulumi we build with (one copy at the root). */
const pinned = (
  JSON.parse(fs.readFileSync(path.join(repo, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")) as { version: string }
).version;

/** The oldest @pulumi/pulumi our packages accept: the floor of their peer range. */
const floor = (
  JSON.parse(fs.readFileSync(path.join(repo, "packages", "cli", "package.json"), "utf8")) as { peerDependencies: Record<string, string> }
).peerDependencies["@pulumi/pulumi"]!.replace(/^\^/, "");

/**
 * The @pulumi/pulumi versions to try: the newest 3.x the registry serves and
 * the oldest of our range, the two ends a user may choose (ours, between them,
 * runs every other integration test); or those listed in
 * STRATA_CONSUMER_PULUMI (comma-separated).
 */
function pulumiVersions(): string[] {
  const chosen = process.env.STRATA_CONSUMER_PULUMI?.split(",").filter((v) => v !== "");
  if (chosen?.length) return chosen;
  const served = JSON.parse(ok(run("npm", ["view", "@pulumi/pulumi", "versions", "--json", ...npmFlags], repo), "npm view")) as string[];
  const releases = served.filter((v) => /^3\.\d+\.\d+$/.test(v)).sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]));
  return [...new Set([releases.at(-1)!, floor])];
}

const timings: string[] = [];
function timed<T>(label: string, body: () => T): T {
  const started = Date.now();
  try {
    return body();
  } finally {
    timings.push(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

const projects: string[] = [];

beforeAll(() => {
  fs.mkdirSync(tarballs);
  timed("npm pack (6 packages)", () =>
    ok(
      run(
        "npm",
        ["pack", ...PACKAGES.flatMap((p) => ["--workspace", `packages/${p}`]), "--pack-destination", tarballs, "--loglevel=error"],
        repo,
      ),
      "npm pack",
    ),
  );
});

afterAll(() => {
  // Whatever happened, leave no process behind.
  for (const project of projects)
    run(path.join(project, "node_modules", ".bin", "strata"), ["destroy", "-t", ".", "--skip-preview"], project);
  fs.rmSync(work, { recursive: true, force: true });
  process.stdout.write(`consumer test timings:\n  ${timings.join("\n  ")}\n`);
});

describe("a project made by strata new, on the packed packages", () => {
  test.each(pulumiVersions().map((version, index) => [version, index] as const))(
    "with @pulumi/pulumi %s: install, build, up, query as each user, one copy of @pulumi/pulumi, destroy",
    async (version, index) => {
      const label = `@pulumi/pulumi ${version}`;
      const parent = path.join(work, String(index));
      fs.mkdirSync(parent, { mode: 0o711 });
      fs.chmodSync(parent, 0o711);
      const project = path.join(parent, "app");

      // strata new, from the workspace's command (the packed one is the same code, installed below).
      const created = ok(
        run(process.execPath, [path.join(repo, "packages", "cli", "dist", "bin.js"), "new", "starter", project], work),
        "strata new",
      );
      expect(created).toContain(`Created ${project} from template starter`);
      const manifest = JSON.parse(fs.readFileSync(path.join(project, "package.json"), "utf8")) as { dependencies: Record<string, string> };
      expect(manifest.dependencies["@pulumi/pulumi"]).toBe(`^${pinned}`);

      // The tarballs and the chosen @pulumi/pulumi, as a user installs them; then the project's own build.
      const packed = fs.readdirSync(tarballs).map((f) => path.join(tarballs, f));
      expect(packed.map((f) => path.basename(f)).sort()).toEqual(PACKAGES.map((p) => `strata-${p}-0.1.0.tgz`).sort());
      timed(`${label}: npm install`, () =>
        ok(run("npm", ["install", ...packed, `@pulumi/pulumi@${version}`, ...npmFlags], project), "npm install"),
      );
      timed(`${label}: tsc`, () => ok(run(path.join(project, "node_modules", ".bin", "tsc"), [], project), "tsc"));

      // One copy of @pulumi/pulumi, the chosen one; no cloud SDK (the local target needs none).
      const tree = JSON.parse(ok(run("npm", ["ls", "@pulumi/pulumi", "--all", "--json"], project), "npm ls")) as Tree;
      const copies = new Set(pulumiCopies(tree));
      expect([...copies]).toEqual([version]);
      const installed = fs.globSync("**/node_modules/@pulumi/pulumi/package.json", { cwd: project });
      expect(installed).toEqual(["node_modules/@pulumi/pulumi/package.json"]);
      for (const sdk of ["aws", "gcp", "azure-native", "kubernetes"])
        expect(fs.existsSync(path.join(project, "node_modules", "@pulumi", sdk))).toBe(false);

      // The installed command carries the templates (copied into @strata/cli when packed): strata new works from it too.
      const strata = path.join(project, "node_modules", ".bin", "strata");
      const again = path.join(parent, "again");
      ok(run(strata, ["new", "starter", again], parent), "the installed strata new");
      expect(fs.readdirSync(again).sort()).toEqual([
        ".gitignore",
        "Pulumi.yaml",
        "index.ts",
        "migrations",
        "package.json",
        "program.ts",
        "tsconfig.json",
      ]);
      expect(fs.readFileSync(path.join(again, "program.ts"), "utf8")).toBe(
        fs.readFileSync(path.join(repo, "stacks", "starter", "program.ts"), "utf8"),
      );

      // The password the program requires, set through the project's own @strata/cli.
      const setPassword = `import * as path from "node:path";
      import { loadTemplate, openStack } from "@strata/cli";
      const stack = await openStack({ ...(await loadTemplate(".")), stackName: "dev", home: path.resolve(".strata") });
      await stack.setConfig("warehousePassword", { value: "consumer-pw-${index}-Zq7", secret: true });`;
      ok(run(process.execPath, ["--input-type=module", "-e", setPassword], project), "set warehousePassword");

      projects.push(project);
      const up = timed(`${label}: strata up`, () => run(strata, ["up", "-t", "."], project));
      expect(up.err, up.out).toBe("");
      expect(up.code).toBe(0);
      const outputs = parse(ok(run(strata, ["outputs", "-t", "."], project), "strata outputs")) as {
        endpoint: string;
        caFile: string;
        logins: Record<string, string>;
        warehouse: { migrations: string[] };
      };
      expect(outputs.warehouse.migrations).toEqual(["001_customers"]);

      // Through Trino: the Database's rows joined with TPC-H, as each user the Policy names.
      const query =
        "SELECT c.name, c.email, n.name FROM warehouse.public.customers c JOIN tpch.tiny.nation n ON n.nationkey = c.nation_key ORDER BY c.id";
      // Each user logs in with the password the Cluster generated for them (its Secret's file).
      const as = (user: string) =>
        new TrinoSession({
          endpoint: outputs.endpoint,
          user,
          password: passwordFromFile(outputs.logins[user]!),
          ca: fs.readFileSync(outputs.caFile, "utf8"),
        });
      const admin = await as("admin").query(query);
      expect(admin.rows.map((r) => r[0])).toEqual(["Ada Lindqvist", "Chloé Martin", "Emily Carter", "Hiro Tanaka"]);
      expect(admin.rows[1]).toEqual(["Chloé Martin", "chloe.martin@example.fr", "FRANCE"]);
      const analyst = await as("analyst").query(query);
      expect(analyst.rows.map((r) => r[0])).toEqual(["Ada Lindqvist", "Chloé Martin"]);
      expect(analyst.rows.every((r) => r[1] !== "ada.lindqvist@example.co.uk" && r[1] !== "chloe.martin@example.fr")).toBe(true);
      await expect(as("guest").query(query)).rejects.toThrow(TrinoQueryError);

      // Made before destroy: the authority's file goes with the stack.
      const afterDestroy = as("admin");
      const destroy = timed(`${label}: strata destroy`, () => run(strata, ["destroy", "-t", "."], project));
      expect(destroy.err, destroy.out).toBe("");
      expect(destroy.code).toBe(0);
      projects.pop();
      await expect(afterDestroy.query("SELECT 1")).rejects.toThrow();
    },
  );
});

interface Tree {
  version?: string;
  dependencies?: Record<string, Tree>;
}

/** Every @pulumi/pulumi version in an `npm ls --json` tree (deduplicated entries repeat the same copy). */
function pulumiCopies(tree: Tree): string[] {
  return Object.entries(tree.dependencies ?? {}).flatMap(([name, child]) => [
    ...(name === "@pulumi/pulumi" && child.version ? [child.version] : []),
    ...pulumiCopies(child),
  ]);
}
