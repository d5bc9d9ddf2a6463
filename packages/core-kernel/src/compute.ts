import * as os from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type PrimitiveArgs, type ValidationIssue } from "@strata/cloud-kernel";

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

export function validateComputeArgs(name: string, args: ComputeArgs): ValidationIssue[] {
  const checks = new IssueCollector("Compute", name);
  const machineMb = Math.floor(os.totalmem() / 2 ** 20);
  if (args.memoryMb !== undefined && (!Number.isInteger(args.memoryMb) || args.memoryMb < MIN_MEMORY_MB || args.memoryMb > machineMb)) {
    checks.add("memoryMb", args.memoryMb, `is outside ${MIN_MEMORY_MB}..${machineMb} (this machine's memory)`, `give a whole number of MiB from ${MIN_MEMORY_MB} to ${machineMb}`);
  }
  const cores = os.availableParallelism();
  if (args.cpus !== undefined && (!Number.isInteger(args.cpus) || args.cpus < 1 || args.cpus > cores)) {
    checks.add("cpus", args.cpus, `is outside 1..${cores} (this machine's cores)`, `give a whole number from 1 to ${cores}`);
  }
  return checks.issues;
}

/**
 * The processing power workloads run on. On the local target it is a
 * budget, not a machine: memory and threads for the processes placed on it.
 */
export class Compute extends StrataComponent {
  readonly memoryMb: number;
  readonly cpus: number;
  /** JVM heap for a Java workload on this budget: 80 % of `memoryMb`. */
  readonly heapMb: number;

  constructor(name: string, args: ComputeArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Compute" }, name, args, opts, validateComputeArgs(name, args));
    this.memoryMb = args.memoryMb ?? 2048;
    this.cpus = args.cpus ?? os.availableParallelism();
    this.heapMb = Math.floor(this.memoryMb * 0.8);
    this.finish({ memoryMb: this.memoryMb, cpus: this.cpus, heapMb: this.heapMb }, {});
  }
}
