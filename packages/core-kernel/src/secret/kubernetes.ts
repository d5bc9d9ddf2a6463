import * as pulumi from "@pulumi/pulumi";
import { type ChildFactory, type SecretStore, capabilitiesFor, secretObject, strataLabels } from "@strata/cloud-kernel";
import type { Workspace } from "../workspace/index.js";
import type { SecretNative } from "./index.js";

/**
 * Kubernetes targets: the cloud's secret manager where the target has one
 * (protected and retained outside dev stacks), and the Kubernetes Secret
 * `<name>` (key `value`) workloads read, in its Workspace's namespace.
 */
export function deploySecretOnKubernetes(
  children: ChildFactory,
  name: string,
  value: pulumi.Output<string>,
  workspace: Workspace | undefined,
): { reference: pulumi.Output<string>; native: SecretNative } {
  const cluster = children.platform.kubernetes!;
  const namespace = workspace?.location ?? cluster.namespace;
  const SecretStoreCapability = capabilitiesFor(children.platform.context.target).SecretStore;
  let store: SecretStore | undefined;
  if (SecretStoreCapability && cluster.cloud) {
    store = new SecretStoreCapability(
      children.name("store"),
      { platform: children.platform, network: cluster.cloud.network, value },
      children.statefulOptions(),
    );
  }
  const secret = secretObject(children, "kubernetes", { name, namespace, labels: strataLabels("Secret", name) }, { value });
  return {
    reference: store?.reference ?? pulumi.interpolate`${namespace}/${name}`,
    native: { kind: "kubernetes", secret, ...(store ? { store } : {}) },
  };
}
