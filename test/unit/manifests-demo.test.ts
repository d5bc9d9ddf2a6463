// stacks/local-yaml against stacks/local/program.ts under mocks, where every
// value is known: the same resources with the same inputs (the compiled
// workflow spec, access rules, catalog files, ... that a preview of a fresh
// stack leaves unknown; test/integration/manifests.test.ts compares the
// previews on the real engine), and the same catalog output (owners,
// domains, descriptions, tags of every primitive).
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { type Registered, installMocks, promiseOf } from "../support/mocks.js";

const repo = path.resolve(import.meta.dirname, "..", "..");
const mocks = await installMocks({ stack: "dev" });
const pulumi = await import("@pulumi/pulumi");
const { loadManifestStack } = await import("@strata/cli");
const typescript = (await import("../../stacks/local/program.js")) as { default: () => Promise<Record<string, unknown>> };

async function run(program: () => Promise<Record<string, unknown>>): Promise<{ registered: Registered[]; catalog: unknown }> {
  pulumi.runtime.setAllConfig(
    {
      "strata:dataDir": "/var/lib/strata/test",
      "strata:supervisorHome": "/opt/supervisor",
      "strata:trinoHome": "/opt/trino",
      "strata:javaHome": "/opt/jdk",
      "strata:postgresBin": "/opt/postgres/bin",
      "strata-test:warehousePassword": "mock-warehouse-password-31",
    },
    ["strata-test:warehousePassword"],
  );
  mocks.registered.length = 0;
  const outputs = await program();
  await mocks.settle();
  const catalog = await promiseOf(pulumi.output(outputs.catalog as unknown[]));
  return { registered: [...mocks.registered], catalog };
}

/** Each resource as comparable text: type, name, inputs; the two stack folders made one. */
function comparable(registered: Registered[]): string[] {
  return registered
    .map((r) => `${r.type} ${r.name} ${JSON.stringify(r.inputs)}`.replaceAll(path.join(repo, "stacks", "local-yaml"), "STACK"))
    .map((line) => line.replaceAll(path.join(repo, "stacks", "local"), "STACK"))
    .sort();
}

const ts = await run(typescript.default);
const yaml = await run(loadManifestStack(path.join(repo, "stacks", "local-yaml")).program as () => Promise<Record<string, unknown>>);

describe("stacks/local-yaml and stacks/local/program.ts (mocks, local target)", () => {
  test("create the same resources with the same inputs", () => {
    expect(ts.registered.length).toBeGreaterThan(60);
    const all = JSON.stringify(ts.registered.map((r) => r.inputs));
    // Not vacuous: the workflow's SQL and the analysts' row filter are among the inputs compared.
    expect(all).toContain("DELETE FROM lake.sales.daily_revenue");
    expect(all).toContain("region = 'EU'");
    expect(comparable(yaml.registered)).toEqual(comparable(ts.registered));
  });

  test("register the same catalog entries (owners, domains, descriptions)", () => {
    expect(yaml.catalog).toEqual(ts.catalog);
  });
});
