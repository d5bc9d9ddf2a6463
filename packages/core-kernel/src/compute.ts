import * as os from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, LocalNodePool, StrataComponent, type PrimitiveArgs, type ValidationIssue, validateLocalBudget } from "@strata/cloud-kernel";

/** Arguments of a {@link Compute}. */
export interface ComputeArgs extends PrimitiveArgs {
  /**
   * Memory for the workloads placed on it, in MiB. On the local target this
   * is the budget of one process (a Cluster's JVM gets 80 % of it as heap).
   * @default 2048
   */
  memoryMb?: number;
  /**
   * CPU cores. On the local target: worker threads of the processes placed on it.
   * @default every core of this machine
   */
  cpus?: number;
}

/** Smallest budget Trino runs in. */
const MIN_MEMORY_MB = 1024;

/** Checks a Compute's arguments; on the local target also against this machine's size. */
export function validateComputeArgs(name: string, args: ComputeArgs, target = "local"): ValidationIssue[] {
  const checks = new IssueCollector("Compute", name);
  if (args.memoryMb !== undefined && (!Number.isInteger(args.memoryMb) || args.memoryMb < MIN_MEMORY_MB)) {
    checks.add("memoryMb", args.memoryMb, `is not a whole number of MiB >= ${MIN_MEMORY_MB}`, `give at least ${MIN_MEMORY_MB} (Trino needs it)`);
  }
  if (args.cpus !== undefined && (!Number.isInteger(args.cpus) || args.cpus < 1)) {
    checks.add("cpus", args.cpus, "is not a whole number >= 1", "give at least 1");
  }
  if (target === "local") checks.addAll(validateLocalBudget("Compute", name, args));
  return checks.issues;
}

/**
 * The processing power workloads run on. On the local target it is a
 * budget, not a machine: memory and threads for the processes placed on it
 * (a LocalNodePool).
 */
export class Compute extends StrataComponent {
  readonly memoryMb: number;
  readonly cpus: number;
  /** JVM heap for a Java workload on this budget: 80 % of `memoryMb`. */
  readonly heapMb: number;
  /** The target's node pool (escape hatch). */
  readonly pool: LocalNodePool;

  constructor(name: string, args: ComputeArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Compute" }, name, args, opts, (context) => validateComputeArgs(name, args, context.target));
    this.pool = new LocalNodePool(
      this.childName("pool"),
      { memoryMb: args.memoryMb ?? 2048, cpus: args.cpus ?? os.availableParallelism(), context: this.context },
      this.childOptions(),
    );
    this.memoryMb = this.pool.memoryMb;
    this.cpus = this.pool.cpus;
    this.heapMb = this.pool.heapMb;
    this.finish({ memoryMb: this.memoryMb, cpus: this.cpus, heapMb: this.heapMb }, {});
  }
}
