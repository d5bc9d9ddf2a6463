import * as os from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type ValidationIssue } from "../base/index.js";
import type { NodePool, NodePoolArgs, Taint } from "../capabilities.js";

/**
 * Arguments of a {@link LocalNodePool}: the capability's. `memoryMb` and
 * `cpus` are the budget of one process placed on it; there are no nodes to
 * count, label or taint, and the network is loopback.
 */
export type LocalNodePoolArgs = Omit<NodePoolArgs, "network" | "minNodes" | "maxNodes" | "labels" | "taints"> & Partial<NodePoolArgs>;

/**
 * Checks a budget against this machine. `primitive` and `name` are those of
 * the primitive asking (a Compute), so errors name what the user wrote. Pure
 * but for reading the machine's size.
 */
export function validateLocalBudget(primitive: string, name: string, budget: { memoryMb?: number; cpus?: number }): ValidationIssue[] {
  const checks = new IssueCollector(primitive, name);
  const machineMb = Math.floor(os.totalmem() / 2 ** 20);
  const cores = os.availableParallelism();
  if (budget.memoryMb !== undefined && budget.memoryMb > machineMb) {
    checks.add("memoryMb", budget.memoryMb, `is more than this machine's ${machineMb} MiB`, `give at most ${machineMb}`);
  }
  if (budget.cpus !== undefined && budget.cpus > cores) {
    checks.add("cpus", budget.cpus, `is more than this machine's ${cores} cores`, `give at most ${cores}`);
  }
  return checks.issues;
}

/** What a pool of nodes has and one machine has not: labels and taints to place workloads by. */
function localPoolIssues(name: string, args: LocalNodePoolArgs): ValidationIssue[] {
  const checks = new IssueCollector("LocalNodePool", name);
  for (const field of ["labels", "taints"] as const) {
    const value = args[field];
    if (value !== undefined && Object.keys(value).length > 0)
      checks.add(field, value, "has no meaning on one machine", `leave ${field} out on the local target`);
  }
  return checks.issues;
}

/**
 * The NodePool capability on the local target: no machines, a budget for
 * the processes placed on it. A Java workload gets 80 % of the memory as
 * heap; the rest covers metaspace, threads and native buffers.
 */
export class LocalNodePool extends StrataComponent implements NodePool {
  readonly memoryMb: number;
  readonly cpus: number;
  readonly heapMb: number;
  /** "local": this machine. */
  readonly machineType = "local";
  readonly labels: Record<string, string> = {};
  readonly taints: Taint[] = [];

  constructor(name: string, args: LocalNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "LocalNodePool" }, name, args, opts, [
      ...validateLocalBudget("LocalNodePool", name, args),
      ...localPoolIssues(name, args),
    ]);
    this.memoryMb = args.memoryMb;
    this.cpus = args.cpus;
    this.heapMb = Math.floor(args.memoryMb * 0.8);
    this.finish({ memoryMb: this.memoryMb, cpus: this.cpus, heapMb: this.heapMb });
  }
}
