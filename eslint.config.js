// Lint for every TypeScript file, plus the layer rule of docs/architecture.md:
// cli -> user-kernel -> core-kernel -> cloud-kernel, never upward or around a
// layer; only cloud-kernel imports the cloud SDKs.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const CLOUD_SDKS = ["@pulumi/aws", "@pulumi/gcp", "@pulumi/azure-native"];

/** Forbids importing `names` (and anything below them) from files matching `files`. */
function forbid(files, names, why) {
  return {
    files,
    rules: {
      "no-restricted-imports": ["error", { patterns: names.map((name) => ({ group: [name, `${name}/*`], message: why })) }],
    },
  };
}

export const layerRules = [
  forbid(
    ["packages/cloud-kernel/**/*.ts"],
    ["@strata/core-kernel", "@strata/user-kernel", "@strata/cli"],
    "cloud-kernel is the lowest layer: it imports no other Strata package.",
  ),
  forbid(
    ["packages/core-kernel/**/*.ts"],
    ["@strata/user-kernel", "@strata/cli", ...CLOUD_SDKS],
    "core-kernel imports only cloud-kernel; cloud SDKs belong to cloud-kernel.",
  ),
  forbid(
    ["packages/user-kernel/**/*.ts"],
    ["@strata/cloud-kernel", "@strata/cli", "@pulumi/kubernetes", ...CLOUD_SDKS],
    "user-kernel imports only core-kernel (never around it to cloud-kernel).",
  ),
  forbid(
    ["packages/cli/**/*.ts"],
    ["@strata/core-kernel", "@strata/cloud-kernel", "@pulumi/kubernetes", ...CLOUD_SDKS],
    "cli imports only user-kernel (and the console, which it serves).",
  ),
  forbid(
    ["packages/policy-pack/**/*.ts"],
    ["@strata/cloud-kernel", "@strata/core-kernel", "@strata/user-kernel", "@strata/cli", ...CLOUD_SDKS, "@pulumi/kubernetes"],
    "the policy pack judges resources by their inputs alone, so it runs on any team's program.",
  ),
  forbid(
    ["packages/console/**/*.ts", "packages/console/**/*.tsx"],
    ["@strata/cloud-kernel", "@strata/core-kernel", "@strata/user-kernel", "@strata/cli", "@pulumi/pulumi"],
    "the console reads a stack only through the source the strata command gives it.",
  ),
  forbid(
    ["stacks/**/*.ts", "examples/**/*.ts"],
    ["@strata/cloud-kernel", "@strata/cli", ...CLOUD_SDKS],
    "programs use the primitives of core-kernel and user-kernel.",
  ),
];

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "stacks/**/*.js", "stacks/**/*.d.ts", ".strata/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", fetch: "readonly", setTimeout: "readonly" } },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  ...layerRules,
);
