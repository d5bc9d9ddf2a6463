import { createRequire } from "node:module";
import { describe, expect, test } from "vitest";
import { MissingPeerError, lazyPeer } from "./peer.js";

const require = createRequire(import.meta.url);

describe("provider SDKs loaded at first use", () => {
  test("nothing loads until a member is used; then the module is the one require gives", () => {
    const specifier = "@pulumi/aws/ec2/index.js";
    const ec2 = lazyPeer<{ Vpc: unknown }>("@pulumi/aws", specifier);
    expect(ec2.Vpc).toBe((require(specifier) as { Vpc: unknown }).Vpc);
    expect("Vpc" in ec2).toBe(true);
  });

  test("a missing SDK fails at first use, naming the package, the targets needing it and the install that fixes it", () => {
    const missing = lazyPeer<{ Vpc: unknown }>("@pulumi/aws", "@pulumi/aws/no-such-module.js");
    expect(() => missing.Vpc).toThrow(MissingPeerError);
    expect(() => missing.Vpc).toThrow(
      '@pulumi/aws is not installed, and the aws target needs it (it is an optional peer dependency of @strata/cloud-kernel: the local target does without it). Fix: npm install @pulumi/aws@"^7.48.0" in the program\'s project',
    );
  });
});
