import { describe, expect, test } from "vitest";
import { installMocks, promiseOf } from "../test/support/mocks.js";

const mocks = await installMocks({ config: { "strata-test:apiToken": "t0ken", "strata:dataDir": "/data/dev" } });
const { secretExample } = await import("./dist/secret.js");

describe("examples/secret.ts", () => {
  test("deploys a Secret whose file lives under the data directory", async () => {
    const outputs = secretExample();
    expect(await promiseOf(outputs.tokenFile)).toBe("/data/dev/secrets/api-token");
    expect(mocks.registered.map((r) => r.type)).toEqual([
      "strata:core:Secret",
      "strata:cloud:LocalSecretStore",
      "pulumi-nodejs:dynamic/strata-local:File",
    ]);
  });
});
