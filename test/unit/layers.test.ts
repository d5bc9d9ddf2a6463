import * as fs from "node:fs";
import * as path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, test } from "vitest";

const repo = path.resolve(import.meta.dirname, "..", "..");
const eslint = new ESLint({ cwd: repo });

async function importErrors(file: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import * as m from "${specifier}";\nexport const x = m;\n`, {
    filePath: path.join(repo, file),
  });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

// The dependency rule: cli -> user-kernel -> core-kernel -> cloud-kernel.
const cases: Array<[string, string, boolean]> = [
  ["packages/cloud-kernel/src/x.ts", "@strata/core-kernel", false],
  ["packages/cloud-kernel/src/x.ts", "@pulumi/aws", true],
  ["packages/core-kernel/src/x.ts", "@strata/cloud-kernel", true],
  ["packages/core-kernel/src/x.ts", "@strata/user-kernel", false],
  ["packages/core-kernel/src/x.ts", "@pulumi/aws", false],
  ["packages/core-kernel/src/x.ts", "@pulumi/gcp/sql", false],
  ["packages/core-kernel/src/x.ts", "@pulumi/kubernetes", true],
  ["packages/user-kernel/src/x.ts", "@strata/core-kernel", true],
  ["packages/user-kernel/src/x.ts", "@strata/cloud-kernel", false],
  ["packages/user-kernel/src/x.ts", "@pulumi/azure-native", false],
  ["packages/user-kernel/src/x.ts", "@strata/cli", false],
  ["packages/cli/src/x.ts", "@strata/user-kernel", true],
  ["packages/cli/src/x.ts", "@strata/core-kernel", false],
  ["packages/cli/src/x.ts", "@strata/cloud-kernel", false],
  ["packages/cli/src/x.ts", "@strata/console", true],
  ["packages/console/src/x.ts", "@strata/user-kernel", false],
  ["packages/console/web/src/x.tsx", "@strata/cli", false],
  ["packages/console/src/x.ts", "fastify", true],
  ["stacks/local/x.ts", "@strata/user-kernel", true],
  ["stacks/local/x.ts", "@strata/cloud-kernel", false],
  ["examples/x.ts", "@pulumi/aws", false],
  ["packages/policy-pack/src/x.ts", "@pulumi/policy", true],
  ["packages/policy-pack/src/x.ts", "@strata/core-kernel", false],
];

describe("layer rule", () => {
  test.each(cases)("%s importing %s allowed=%s", async (file, specifier, allowed) => {
    const errors = await importErrors(file, specifier);
    expect(errors.length === 0).toBe(allowed);
  });

  // package.json dependencies follow the same rule, so npm cannot pull a layer sideways either.
  const allowedDeps: Record<string, string[]> = {
    // cli-table3: the quality report's table (the plugin prints it when a contract blocks a deployment).
    // node-forge writes X.509 certificates (Node reads them only); bcryptjs hashes Trino's password files.
    "packages/cloud-kernel": [
      "@pulumi/pulumi",
      "@pulumi/aws",
      "@pulumi/gcp",
      "@pulumi/azure-native",
      "@pulumi/kubernetes",
      "bcryptjs",
      "cli-table3",
      "node-forge",
    ],
    "packages/core-kernel": ["@pulumi/pulumi", "@pulumi/kubernetes", "@strata/cloud-kernel", "trino-client"],
    // cron-parser: cron expressions in time zones (validation and the local scheduler); pg: the runs Database;
    // yaml (with positions), ajv and ajv-formats: ODCS contract files read and checked against the standard's JSON Schema;
    // fastify: the model API's HTTP server.
    "packages/user-kernel": ["@pulumi/pulumi", "@strata/core-kernel", "ajv", "ajv-formats", "cron-parser", "fastify", "pg", "yaml"],
    // ajv: YAML manifests checked against their published JSON Schema (the same validator as the ODCS contracts).
    // @strata/console: the web page `strata console` serves; pg: the Contracts' kept results it shows.
    "packages/cli": ["@pulumi/pulumi", "@strata/console", "@strata/user-kernel", "ajv", "cli-table3", "commander", "pg", "yaml"],
    // The console reads a stack only through what the strata command hands it: fastify and its cookie, static-file
    // and security-header plugins; dagre lays the lineage graph out on the server. Its page's libraries (React,
    // Mantine, recharts, React Flow) are bundled at build time.
    "packages/console": ["@dagrejs/dagre", "@fastify/cookie", "@fastify/helmet", "@fastify/static", "fastify"],
    "packages/policy-pack": ["@pulumi/pulumi", "@pulumi/policy"],
  };
  test.each(Object.entries(allowedDeps))("%s depends only on what its layer may use", (dir, allowed) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    const extra = Object.keys(pkg.dependencies ?? {}).filter((d) => !allowed.includes(d));
    expect(extra).toEqual([]);
  });

  test("exactly one copy of @pulumi/pulumi is installed (two break mocks and registration)", () => {
    const copies = fs.globSync("**/node_modules/@pulumi/pulumi/package.json", { cwd: repo });
    expect(copies).toEqual(["node_modules/@pulumi/pulumi/package.json"]);
  });

  test.each(["cloud-kernel", "core-kernel", "user-kernel", "console", "cli", "policy-pack"])(
    "packages/%s/src/index.ts names its public API (no export *)",
    (pkg) => {
      const index = fs.readFileSync(path.join(repo, "packages", pkg, "src", "index.ts"), "utf8");
      // `export * as aws` names a namespace; a bare `export *` would publish whatever a module holds.
      expect(index.split("\n").filter((line) => /^export \* from/.test(line))).toEqual([]);
    },
  );

  test("user-kernel re-exports every value core-kernel exports, so a program imports one package", async () => {
    const core = await import("@strata/core-kernel");
    const user = await import("@strata/user-kernel");
    expect(Object.keys(core).filter((name) => !(name in user))).toEqual([]);
  });
});
