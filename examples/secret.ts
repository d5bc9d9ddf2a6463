// A Secret on the local target: the value comes from encrypted stack config,
// is written to <strata:dataDir>/secrets/api-token with mode 0600, and only
// its path is exported.
import * as pulumi from "@pulumi/pulumi";
import { Secret } from "@strata/core-kernel";

export function secretExample(): { tokenFile: pulumi.Output<string> } {
  const config = new pulumi.Config();
  const token = new Secret("api-token", {
    value: config.requireSecret("apiToken"),
    owner: "data-platform",
    tags: { tier: "gold" },
  });
  return { tokenFile: token.reference };
}
