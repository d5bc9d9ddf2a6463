import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, test } from "vitest";
import { Secret, strataProgram } from "@strata/user-kernel";
import { openStack } from "@strata/cli";
import { TestStack } from "../support/engine.js";

// Values distinctive enough that finding them anywhere means a leak.
const FIRST = "first-Zq8w4mN2-plaintext";
const SECOND = "second-Xv7c3pL9-plaintext";

const secretConfig = (value: string) => ({ token: { value, secret: true } });

describe("Secret through the real engine", () => {
  const stack = new TestStack(
    "strata-it-secret",
    strataProgram(() => {
      const token = new Secret("api-token", { value: new pulumi.Config().requireSecret("token"), owner: "it" });
      return { tokenFile: token.reference };
    }),
  );
  const file = path.join(stack.dataDir, "secrets", "api-token");
  afterAll(async () => {
    // Whatever happened above, the stack goes (a no-op when the last test destroyed it).
    await stack.run("destroy").catch(() => undefined);
    stack.remove();
  });

  test("up writes the value to a 0600 file and exports its path and the catalog", async () => {
    const result = await stack.run("up", secretConfig(FIRST));
    expect(result.changes).toEqual({ create: 4 });
    expect(result.outputs.tokenFile).toEqual({ value: file, secret: false });
    expect(result.outputs.catalog?.value).toEqual([
      { kind: "Secret", name: "api-token", address: "strata:secret/api-token", owner: "it", tags: {}, inputs: [] },
    ]);
    expect(fs.readFileSync(file, "utf8")).toBe(FIRST);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  });

  test("a preview right after up shows no changes", async () => {
    const result = await stack.run("preview");
    expect(result.changes).toEqual({ same: 4 });
  });

  test("a new value and up rewrite the file in place", async () => {
    const result = await stack.run("up", secretConfig(SECOND));
    expect(result.changes).toEqual({ same: 3, update: 1 });
    expect(fs.readFileSync(file, "utf8")).toBe(SECOND);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  test("refresh notices a deleted file and the next up writes it again", async () => {
    fs.rmSync(file);
    const refreshed = await stack.run("refresh");
    expect(refreshed.changes).toMatchObject({ delete: 1 });
    const result = await stack.run("up");
    expect(result.changes).toMatchObject({ create: 1 });
    expect(fs.readFileSync(file, "utf8")).toBe(SECOND);
  });

  test("destroy removes the file", async () => {
    const result = await stack.run("destroy");
    expect(result.changes).toEqual({ delete: 4 });
    expect(fs.existsSync(file)).toBe(false);
    expect(await stack.resourceTypes()).toEqual([]);
  });

  test("no plaintext in state, stack config files or the engine's output", () => {
    expect(stack.log).toContain("strata:core:Secret");
    expect(stack.filesContaining(FIRST)).toEqual([]);
    expect(stack.filesContaining(SECOND)).toEqual([]);
    expect(stack.log).not.toContain(FIRST);
    expect(stack.log).not.toContain(SECOND);
  });

  test("history shows the deployments in order", async () => {
    const history = (await (await openStack(stack.target())).history()).reverse();
    expect(history.map((h) => [h.kind, h.result])).toEqual([
      ["update", "succeeded"],
      ["update", "succeeded"],
      ["refresh", "succeeded"],
      ["update", "succeeded"],
      ["destroy", "succeeded"],
    ]);
  });
});

describe("bad Secret input fails before anything is created", () => {
  // A plain value is checked before the Secret registers anything; a secret
  // Output as soon as it resolves, which the preview that precedes every up
  // already does: either way the update never starts.
  const cases: Array<[string, () => pulumi.Input<string>, string, string, string[]]> = [
    ["empty name", () => "value", "", 'Secret "": name="" is empty', []],
    ["name with a slash", () => "value", "api/token", 'Secret "api/token": name="api/token" cannot be used as a file name', []],
    ["name with upper case and space", () => "value", "Api Token", 'Secret "Api Token": name="Api Token" cannot be used', []],
    ["empty value", () => "", "api-token", 'Secret "api-token": value="" is empty', []],
    ["empty secret Output", () => pulumi.secret(""), "api-token", 'Secret "api-token": value="" is empty', []],
  ];

  test.each(cases)("%s", async (_label, value, name, message, left) => {
    const stack = new TestStack(
      "strata-it-bad-secret",
      strataProgram(() => {
        const secret = new Secret(name, { value: value() });
        return { file: secret.reference };
      }),
    );
    try {
      await expect(stack.run("preview")).rejects.toThrow(message);
      await expect(stack.run("up")).rejects.toThrow(message);
      expect(await stack.resourceTypes()).toEqual(left);
      expect(fs.existsSync(path.join(stack.dataDir, "secrets"))).toBe(false);
    } finally {
      stack.remove();
    }
  });
});
