import { defineConfig } from "vitest/config";

// Tests import the packages by name, which resolves to their compiled output
// (`tsc -b` runs first) loaded by Node itself, not transformed by Vite: the
// engine serializes dynamic providers from their source text, which must be
// plain tsc output in unit tests under mocks just as in real deployments.
const compiled = [/\/packages\/[^/]+\/dist\//, /\/stacks\//, /\/examples\/dist\//];

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
      {
        // The real engine, Trino and PostgreSQL; one file at a time.
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
