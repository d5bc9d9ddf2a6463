import type * as pulumi from "@pulumi/pulumi";
import { type ChildFactory, LocalSecretStore } from "@strata/cloud-kernel";
import type { SecretNative } from "./index.js";

/** Local: the SecretStore capability, a 0600 file named after the Secret. */
export function deploySecretLocally(
  children: ChildFactory,
  name: string,
  value: pulumi.Output<string>,
): { reference: pulumi.Output<string>; native: SecretNative } {
  const store = new LocalSecretStore(children.name("store"), { value, fileName: name, platform: children.platform }, children.options());
  return { reference: store.reference, native: { kind: "local", store } };
}
