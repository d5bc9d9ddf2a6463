import type * as pulumi from "@pulumi/pulumi";
import { type ChildFactory, strataLabels, workspaceNamespace } from "@strata/cloud-kernel";
import type { WorkspaceArgs, WorkspaceNative } from "./index.js";

/** Kubernetes targets: the team's namespace `<prefix><name>` with its quota, service account, RBAC and default-deny NetworkPolicy. */
export function deployWorkspaceOnKubernetes(
  children: ChildFactory,
  name: string,
  args: WorkspaceArgs,
): { location: pulumi.Output<string>; native: WorkspaceNative } {
  const objects = workspaceNamespace(children, {
    namespace: `${children.platform.context.kubernetes.namespacePrefix}${name}`,
    serviceAccount: name,
    labels: strataLabels("Workspace", name),
    quota: { cpus: args.quota?.cpus ?? 8, memoryMb: args.quota?.memoryMb ?? 32768, pods: args.quota?.pods ?? 50 },
  });
  return { location: objects.namespace.metadata.name, native: { kind: "kubernetes", ...objects } };
}
