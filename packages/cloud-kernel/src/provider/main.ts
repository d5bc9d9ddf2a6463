// Entry point of the `pulumi-resource-strata` plugin: the engine starts it
// with its own arguments and talks to it over gRPC.
import { main } from "@pulumi/pulumi/provider/index.js";
import { strataProvider } from "./index.js";

await main(strataProvider(), process.argv.slice(2));
