import { defineConfig } from "vitest/config";

// Tests import the packages by name, which resolves to their compiled output
// (`tsc -b` runs first) loaded by Node itself, not transformed by Vite: the
// engine serializes dynamic providers from their source text, which must be
// plain tsc output in unit tests under mocks just as in real deployments.
const compiled = [/\/packages\/[^/]+\/dist\//, /\/stacks\//, /\/examples\/dist\//];

// The real engine, Trino and PostgreSQL: two lines of files side by side (each
// file's stacks live in their own folders on free ports, so two never meet),
// each line one file at a time. Much of a file's time is waiting on engines,
// so the two lines share the two cores well. The setup's own test rebuilds the
// packages every other file loads, so it runs alone, last.
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
    // Both integration lines and the unit tests at once.
    maxWorkers: 3,
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
      { extends: true, test: { name: "integration-setup", include: [SETUP], ...integration, sequence: { groupOrder: 1 } } },
    ],
  },
});
