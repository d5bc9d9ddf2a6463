import * as os from "node:os";
import { type ChildFactory, LocalNodePool } from "@strata/cloud-kernel";
import type { ComputeArgs, ComputeNative, ComputeSizing } from "./index.js";

/** Local: a budget on this machine (the NodePool capability); a Java workload gets 80 % of it as heap. */
export function deployComputeLocally(children: ChildFactory, args: ComputeArgs): { sizing: ComputeSizing; native: ComputeNative } {
  const pool = new LocalNodePool(
    children.name("pool"),
    { memoryMb: args.memoryMb ?? 2048, cpus: args.cpus ?? os.availableParallelism(), platform: children.platform },
    children.options(),
  );
  return {
    sizing: {
      memoryMb: pool.memoryMb,
      cpus: pool.cpus,
      heapMb: pool.heapMb,
      podMemoryMb: pool.memoryMb,
      placement: { nodeSelector: {}, tolerations: [] },
    },
    native: { kind: "local", pool },
  };
}
