// Compute: the budget a Cluster runs on. On the local target, 80 % of the
// memory becomes the JVM heap and the cores bound the worker threads.
import { Cluster, Compute } from "@strata/core-kernel";

export function computeExample() {
  const compute = new Compute("analytics-compute", { memoryMb: 3072, cpus: 2 });
  const cluster = new Cluster("analytics", { compute });
  return { heapMb: compute.heapMb, endpoint: cluster.endpoint };
}
