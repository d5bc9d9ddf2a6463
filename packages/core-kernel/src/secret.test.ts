import type { LocalSecretStore } from "@strata/cloud-kernel";
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, test } from "vitest";
import { installMocks, promiseOf, thrown } from "../../../test/support/mocks.js";

const mocks = await installMocks({ stack: "dev", config: { "strata:dataDir": "/srv/strata/dev" } });
const { Secret, validateSecretArgs, StrataValidationError } = await import("@strata/core-kernel");

beforeEach(async () => {
  // Let registrations still in flight from the previous test land first.
  await mocks.settle();
  mocks.registered.length = 0;
  mocks.constructed.length = 0;
});

describe("Secret on the local target", () => {
  test("creates a LocalSecretStore and a 0600 secret file under <dataDir>/secrets, value kept secret", async () => {
    const secret = new Secret("db-password", { value: "s3cr3t-value", owner: "data-platform", tags: { tier: "gold" } });
    const [reference, value, valueIsSecret, storeUrn, fileUrn] = await Promise.all([
      promiseOf(secret.reference),
      promiseOf(secret.value),
      pulumi.isSecret(secret.value),
      promiseOf((secret.native as { store: LocalSecretStore }).store.urn),
      promiseOf((secret.native as { store: LocalSecretStore }).store.file.urn),
    ]);
    expect(reference).toBe("/srv/strata/dev/secrets/db-password");
    expect(value).toBe("s3cr3t-value");
    expect(valueIsSecret).toBe(true);
    expect(storeUrn).toBe("urn:pulumi:dev::strata-test::strata:core:Secret$strata:cloud:LocalSecretStore::db-password-store");
    expect(fileUrn).toMatch(/strata:cloud:LocalSecretStore\$strata:local:File::db-password-store-file$/);

    expect(mocks.registered.map((r) => [r.type, r.name])).toEqual([
      ["strata:core:Secret", "db-password"],
      ["strata:cloud:LocalSecretStore", "db-password-store"],
      ["strata:local:File", "db-password-store-file"],
    ]);
    const file = mocks.byName("db-password-store-file");
    expect(file.inputs.path).toBe("/srv/strata/dev/secrets/db-password");
    // Mode 0600 is the File's default, left out of its inputs.
    expect(file.inputs.mode).toBeUndefined();
    // Sent to the engine wrapped as a secret, so state holds only ciphertext.
    expect(file.inputs.content).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: "s3cr3t-value" });
    // Served by our provider plugin: no provider code travels with the resource into state.
    expect(file.inputs).not.toHaveProperty("__provider");
  });

  test("a secret Output stays secret", async () => {
    const secret = new Secret("token", { value: pulumi.secret("abc") });
    expect(await pulumi.isSecret(secret.value)).toBe(true);
    expect(await promiseOf(secret.reference)).toBe("/srv/strata/dev/secrets/token");
  });

  test("registers its catalog entry", () => {
    const secret = new Secret("api-token", { value: "x", owner: "team-a", domain: "sales", description: "Token for the CRM" });
    expect(secret.platform.catalog.entries()).toEqual([
      {
        kind: "Secret",
        name: "api-token",
        address: "strata:secret/api-token",
        owner: "team-a",
        domain: "sales",
        description: "Token for the CRM",
        tags: {},
        inputs: [],
      },
    ]);
  });

  test.each([
    ["", "db", 'Secret "": name="" is empty'],
    ["db/../../etc", "x", 'Secret "db/../../etc": name="db/../../etc" cannot be used as a file name'],
    ["DB_PASSWORD", "x", 'Secret "DB_PASSWORD": name="DB_PASSWORD" cannot be used'],
    ["db", "", 'Secret "db": value="" is empty. Fix: give a non-empty value'],
  ])("rejects name=%j value=%j before registering anything", (name, value, message) => {
    const error = thrown(() => new Secret(name, { value }));
    // A resource is recorded as its constructor runs, so nothing here means nothing will ever reach the engine.
    expect(mocks.constructed).toEqual([]);
    expect(error).toBeInstanceOf(StrataValidationError);
    expect(error.message).toContain(message);
  });

  test("a value that is not a string is rejected", () => {
    expect(validateSecretArgs("db", { value: 42 as unknown as string })).toEqual([
      expect.objectContaining({ field: "value", value: "number", problem: "is not a string" }),
    ]);
  });
});
