import { defineConfig } from "vitest/config";

// Tests import the packages by name, which resolves to their compiled output
// (`tsc -b` runs first) loaded by Node itself, not transformed by Vite: the
// engine serializes dynamic providers from their source text, which must be
// plain tsc output in unit tests under mocks just as in real deployments.
const compiled = [/\/packages\/[^/]+\/dist\//, /\/stacks\//, /\/examples\/dist\//];

// The real engine, Trino and PostgreSQL: one file at a time in each project.
// The test command (scripts/run-tests.mjs) runs lines A and B side by side in
// two vitest processes, then the setup's own test alone: it rebuilds the
// packages every other file loads.
const INTEGRATION = "test/integration/**/*.test.ts";
const SETUP = "test/integration/setup.test.ts";
// About half the integration time (figures of the last CI); every file not named here is in the other line.
const LINE_A = ["cli", "consumer", "rollback", "model", "contract", "secret", "depot-role", "root-project"].map(
  (name) => `test/integration/${name}.test.ts`,
);
const integration = { testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false };

export default defineConfig({
  test: {
    server: { deps: { external: compiled } },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "test/unit/**/*.test.ts", "examples/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      { extends: true, test: { name: "integration-a", include: LINE_A, ...integration } },
      { extends: true, test: { name: "integration-b", include: [INTEGRATION], exclude: [...LINE_A, SETUP], ...integration } },
      { extends: true, test: { name: "integration-setup", include: [SETUP], ...integration } },
    ],
  },
});
