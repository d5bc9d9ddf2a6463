import * as pulumi from "@pulumi/pulumi";
import { PROVIDER_PACKAGE, PROVIDER_VERSION } from "../provider/version.js";

/**
 * A resource of the local target, served by the `strata` provider plugin
 * (provider/, shipped in this package as `pulumi-resource-strata`): type
 * `strata:local:<type>`, at the plugin version of this package. The program
 * only registers it; the plugin creates, reads, updates and deletes it.
 */
export abstract class LocalResource extends pulumi.CustomResource {
  protected constructor(type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(`${PROVIDER_PACKAGE}:local:${type}`, name, props, { ...opts, version: PROVIDER_VERSION });
  }
}
