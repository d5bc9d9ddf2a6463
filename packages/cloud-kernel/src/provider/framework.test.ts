import { describe, expect, test } from "vitest";
import { type ResourceType, UNKNOWN, hasUnknowns, providerOf, replacements, typeOfUrn, unwrapSecrets } from "./framework.js";

const secret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

describe("the provider plugin's framework", () => {
  test("a URN names its type last in the chain", () => {
    expect(typeOfUrn("urn:pulumi:dev::p::strata:core:Cluster$strata:local:Process::analytics-server")).toBe("Process");
  });

  test("secrets arrive wrapped, at any depth, and are unwrapped; unknowns are found at any depth", () => {
    expect(unwrapSecrets({ a: secret("pw"), b: [secret({ c: 1 })], d: "x" })).toEqual({ a: "pw", b: [{ c: 1 }], d: "x" });
    expect(hasUnknowns({ a: [{ b: UNKNOWN }] })).toBe(true);
    expect(hasUnknowns({ a: [{ b: "known" }] })).toBe(false);
  });

  const updatable: ResourceType<{ path: string; content: string }, { path: string }> = {
    name: "File",
    replaceOn: ["path"],
    create: async (i) => ({ id: i.path, outs: { path: i.path } }),
    update: async (_id, _o, n) => ({ path: n.path }),
  };
  const fixed: ResourceType<{ directory: string }, { directory: string }> = {
    name: "Directory",
    create: async (i) => ({ id: i.directory, outs: i }),
  };

  test("one diff convention: replaceOn fields replace; without update every input does", () => {
    expect(replacements(updatable, { path: "/a" }, { path: "/a", content: "new" })).toEqual([]);
    expect(replacements(updatable, { path: "/a" }, { path: "/b", content: "x" })).toEqual(["path"]);
    expect(replacements(fixed, { directory: "/a" }, { directory: "/b" })).toEqual(["directory"]);
  });

  test("dispatch on the URN's type: diff leaves other changes to the engine, read of a gone thing drops it", async () => {
    const gone: ResourceType<{ x: string }, { x: string }> = {
      name: "Gone",
      create: async (i) => ({ id: "g", outs: i }),
      read: async () => undefined,
    };
    const provider = providerOf([updatable, fixed, gone], "0.0.0");
    const urn = (t: string) => `urn:pulumi:dev::p::strata:local:${t}::n`;
    expect(await provider.diff!("id", urn("File"), { path: "/a" }, { path: "/a", content: secret("s") })).toEqual({});
    expect(await provider.diff!("id", urn("File"), { path: "/a" }, { path: "/b", content: "s" })).toEqual({
      changes: true,
      replaces: ["path"],
      deleteBeforeReplace: false,
    });
    expect(await provider.diff!("id", urn("Directory"), { directory: "/a" }, { directory: "/a" })).toEqual({ changes: false });
    expect(await provider.read!("g", urn("Gone"), { x: "1" })).toEqual({ id: "", props: {} });
    await expect(provider.create!(urn("Nope"), {})).rejects.toThrow("the strata provider 0.0.0 has no resource type Nope");
  });
});
