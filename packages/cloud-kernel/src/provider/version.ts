/**
 * Version of the `strata` resource provider plugin: the version of
 * @strata/cloud-kernel, which ships it. Every local resource asks the engine
 * for this version, so a program always talks to the plugin of its own package.
 */
export const PROVIDER_VERSION = "0.1.0";

/** The provider's package name: resource types are `strata:local:<Type>`, the plugin `pulumi-resource-strata`. */
export const PROVIDER_PACKAGE = "strata";
