import type * as pulumi from "@pulumi/pulumi";
import { LocalResource } from "./resource.js";

/**
 * A TCP port on 127.0.0.1 picked free when first deployed and then kept, so
 * later deployments see no change. Used when a primitive is given no port.
 */
export class FreePort extends LocalResource {
  declare readonly port: pulumi.Output<number>;

  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super("FreePort", name, { port: undefined }, opts);
  }
}
