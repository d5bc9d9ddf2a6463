import * as pulumi from "@pulumi/pulumi";
import { Policy, strataProgram } from "@strata/user-kernel";
import { demoPolicies, groups } from "../local/program.js";

/**
 * The control plane: organisation-wide rules and credentials, deployed once
 * and read by every data-plane stack (stacks/aws, gcp, azure, local) through
 * a StackReference (their config `controlPlane`). It creates no cloud
 * resources: its Policies are validated here, and its outputs (`policies`,
 * `groups`, `warehousePassword` as a secret, and the `catalog`) are what the
 * data planes consume.
 *
 * Stack config: `warehousePassword` (secret); `analystRegion` (default "EU").
 */
export default strataProgram(() => {
  const config = new pulumi.Config();
  const policies = demoPolicies(config.get("analystRegion"));
  for (const [name, args] of Object.entries(policies)) new Policy(name, { ...args, owner: "data-platform" });
  return { policies, groups, warehousePassword: config.requireSecret("warehousePassword") };
});
