import { type ChildFactory, type NodePool, type Taint, capabilitiesFor, tolerationsFor } from "@strata/cloud-kernel";
import { COMPUTE_LABEL, type ComputeArgs, type ComputeNative, type ComputeSizing } from "./index.js";

/**
 * Kubernetes targets: where the target creates node pools (aws, gcp, azure),
 * a pool labelled and tainted `strata.dev/compute=<name>` for this Compute's
 * workloads alone; on `kubernetes`, the existing nodes of its (or the
 * stack's) nodeSelector and tolerations. A pod requests 80 % of a node's
 * memory, and a JVM gets 80 % of that as heap.
 */
export function deployComputeOnKubernetes(
  children: ChildFactory,
  name: string,
  args: ComputeArgs,
  nodes: { min: number; max: number },
): { sizing: ComputeSizing; native: ComputeNative } {
  const cluster = children.platform.kubernetes!;
  const settings = children.platform.context.kubernetes;
  const memoryMb = args.memoryMb ?? 16384;
  const cpus = args.cpus ?? 4;
  const podMemoryMb = Math.floor(memoryMb * 0.8);
  const sizing = { memoryMb, cpus, podMemoryMb, heapMb: Math.floor(podMemoryMb * 0.8) };
  const NodePoolCapability = capabilitiesFor(children.platform.context.target).NodePool;
  if (NodePoolCapability && cluster.cloud) {
    const labels = { [COMPUTE_LABEL]: name };
    const taints: Taint[] = [{ key: COMPUTE_LABEL, value: name, effect: "NoSchedule" }];
    const pool: NodePool = new NodePoolCapability(
      children.name("pool"),
      {
        platform: children.platform,
        cluster: cluster.cloud.cluster,
        network: cluster.cloud.network,
        cpus,
        memoryMb,
        minNodes: nodes.min,
        maxNodes: nodes.max,
        labels,
        taints,
      },
      children.options(),
    );
    return {
      sizing: { ...sizing, placement: { nodeSelector: labels, tolerations: tolerationsFor(taints) } },
      native: { kind: "kubernetes", pool },
    };
  }
  const placement = {
    nodeSelector: args.nodeSelector ?? settings.nodeSelector,
    tolerations: tolerationsFor(args.tolerations ?? settings.tolerations),
  };
  return { sizing: { ...sizing, placement }, native: { kind: "kubernetes" } };
}
