import * as pulumi from "@pulumi/pulumi";
import { Secret, strataProgram } from "@strata/user-kernel";

/**
 * The local data platform. Stack config:
 * - `warehousePassword` (secret): password of the warehouse database owner;
 * - `strata:dataDir`: where local data lives (the strata CLI sets it).
 */
export default strataProgram(() => {
  const config = new pulumi.Config();
  const warehousePassword = new Secret("warehouse-password", {
    value: config.requireSecret("warehousePassword"),
    owner: "data-platform",
    domain: "platform",
    description: "Password of the warehouse database owner",
  });
  return { warehousePasswordFile: warehousePassword.reference };
});
