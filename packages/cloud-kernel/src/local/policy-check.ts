import type { LocalTrinoLogin } from "./identity.js";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyCheckDepot, SqlMask } from "../provider/policy-check.js";
import { LocalResource } from "./resource.js";

export type { ColumnReference, PolicyCheckDepot, PostgresSchemaAccess, SqlMask } from "../provider/policy-check.js";

/**
 * Checks policies against the live sources before the access rules they
 * guard change: every table and column they name on a PostgreSQL depot
 * exists, every named mask fits its column's type, and (with a running
 * Trino) every SQL mask has its column's type. Outputs the column types of
 * the tables they name, to which masks are fitted. Fails the preview when
 * the sources already run; otherwise the deployment, before the rules change.
 */
export class PolicyCheck extends LocalResource {
  declare readonly columns: pulumi.Output<Record<string, Record<string, string>>>;

  constructor(
    name: string,
    args: {
      depots: pulumi.Input<pulumi.Input<PolicyCheckDepot>[]>;
      /** Depot -> its user's password (kept secret). */
      passwords?: pulumi.Input<Record<string, pulumi.Input<string>>>;
      trino?: pulumi.Input<LocalTrinoLogin>;
      sqlMasks: SqlMask[];
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      "PolicyCheck",
      name,
      { ...args, ...(args.passwords ? { passwords: pulumi.secret(args.passwords) } : {}), columns: undefined },
      opts,
    );
  }
}
