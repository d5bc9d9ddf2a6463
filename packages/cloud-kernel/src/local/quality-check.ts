import type { LocalTrinoLogin } from "./identity.js";
import * as pulumi from "@pulumi/pulumi";
import type { QualityHistory } from "../provider/quality-check.js";
import type { QualityPlan, QualityReport } from "../quality.js";
import { LocalResource } from "./resource.js";

export type { QualityHistory } from "../provider/quality-check.js";

/**
 * Runs a quality plan (a Contract's checks) on a Cluster of this machine at
 * every preview and deployment: a failed blocking rule fails the preview,
 * or the deployment before anything that depends on this resource. Its
 * output is the latest report; each report is also kept in the history
 * database when one is given (`strata_quality.results`).
 */
export class QualityCheck extends LocalResource {
  declare readonly report: pulumi.Output<QualityReport>;

  constructor(
    name: string,
    args: {
      plan: QualityPlan;
      trino: pulumi.Input<LocalTrinoLogin>;
      history?: pulumi.Input<QualityHistory>;
      /** The history database's password (kept secret). */
      password?: pulumi.Input<string>;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("QualityCheck", name, { ...args, ...(args.password ? { password: pulumi.secret(args.password) } : {}), report: undefined }, opts);
  }
}
