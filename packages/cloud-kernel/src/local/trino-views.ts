import type { LocalTrinoLogin } from "./identity.js";
import type * as pulumi from "@pulumi/pulumi";
import { LocalResource } from "./resource.js";

/**
 * Views of one schema on a Cluster of this machine (`SECURITY INVOKER`: the
 * querying user's Policies apply to the tables below them), owned by
 * `trino.user`. Checked at preview when the Cluster runs; a removed view is
 * dropped; deleting drops the views, and their schema once empty.
 */
export class TrinoViews extends LocalResource {
  declare readonly views: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: {
      trino: pulumi.Input<LocalTrinoLogin>;
      catalog: string;
      schema: string;
      /** View name -> query. */
      views: pulumi.Input<Record<string, string>>;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("TrinoViews", name, args, opts);
  }
}
