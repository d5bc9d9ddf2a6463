import type * as pulumi from "@pulumi/pulumi";
import {
  IssueCollector,
  type LocalNodePool,
  type NodePool,
  type Placement,
  StrataComponent,
  TAINT_EFFECTS,
  type PrimitiveArgs,
  type StrataContext,
  type Taint,
  type ValidationIssue,
  labelIssues,
  onKubernetes,
  platformIssues,
  validateLocalBudget,
} from "@strata/cloud-kernel";
import { deployComputeOnKubernetes } from "./kubernetes.js";
import { deployComputeLocally } from "./local.js";

/** Arguments of a {@link Compute}. */
export interface ComputeArgs extends PrimitiveArgs {
  /**
   * Memory per node, in MiB. On the local target, the budget of one process
   * (a Cluster's JVM gets 80 % of it as heap); on Kubernetes, the memory of
   * each node (a workload pod requests 80 % of it, the rest is the node's own).
   * @default 2048 on local, 16384 on Kubernetes targets
   */
  memoryMb?: number;
  /**
   * CPU cores per node. On the local target: worker threads of the processes placed on it.
   * @default every core of this machine on local, 4 on Kubernetes targets
   */
  cpus?: number;
  /**
   * Kubernetes targets (ignored on local): nodes, and so Cluster workers. Cloud targets
   * autoscale the node pool between them; a Cluster keeps `min` workers and
   * scales up to `max`.
   * @default { min: 1, max: 3 }
   */
  nodes?: { min: number; max: number };
  /**
   * `kubernetes` target: labels of the existing nodes to place workloads on.
   * (Cloud targets create a node pool labelled `strata.dev/compute=<name>`.)
   * @default config `strata:nodeSelector`, else any node
   */
  nodeSelector?: Record<string, string>;
  /** `kubernetes` target: taints of those nodes that workloads tolerate. @default config `strata:tolerations`, else [] */
  tolerations?: Taint[];
}

/** Smallest budget Trino runs in. */
const MIN_MEMORY_MB = 1024;
/** Label and taint key of the node pools Computes create. */
export const COMPUTE_LABEL = "strata.dev/compute";

/** Checks a Compute's arguments; on the local target also against this machine's size. */
export function validateComputeArgs(
  name: string,
  args: ComputeArgs,
  context: Pick<StrataContext, "target"> = { target: "local" },
): ValidationIssue[] {
  const checks = new IssueCollector("Compute", name);
  if (args.memoryMb !== undefined && (!Number.isInteger(args.memoryMb) || args.memoryMb < MIN_MEMORY_MB)) {
    checks.add(
      "memoryMb",
      args.memoryMb,
      `is not a whole number of MiB >= ${MIN_MEMORY_MB}`,
      `give at least ${MIN_MEMORY_MB} (Trino needs it)`,
    );
  }
  if (args.cpus !== undefined && (!Number.isInteger(args.cpus) || args.cpus < 1)) {
    checks.add("cpus", args.cpus, "is not a whole number >= 1", "give at least 1");
  }
  if (args.nodes !== undefined) {
    const { min, max } = args.nodes;
    if (!Number.isInteger(min) || min < 1) checks.add("nodes.min", min, "is not a whole number >= 1", "give at least 1");
    if (!Number.isInteger(max) || max < min) checks.add("nodes.max", max, "is not a whole number >= nodes.min", `give at least ${min}`);
  }
  for (const issue of labelIssues(args.nodeSelector ?? {})) {
    checks.add(`nodeSelector.${issue.key}`, issue.value, issue.problem, 'use labels your nodes carry, e.g. { "node-role/data": "true" }');
  }
  (args.tolerations ?? []).forEach((t, i) => {
    if (!TAINT_EFFECTS.includes(t.effect))
      checks.add(`tolerations[${i}].effect`, t.effect, "is not a taint effect", `use one of ${TAINT_EFFECTS.join(", ")}`);
    for (const issue of labelIssues({ [t.key]: t.value }))
      checks.add(`tolerations[${i}]`, issue.value, issue.problem, "give the key and value of a taint of your nodes");
  });
  if (context.target === "local") {
    checks.addAll(validateLocalBudget("Compute", name, args));
    // `nodes` is ignored on local so one program deploys everywhere; these two only make sense on existing nodes.
    for (const field of ["nodeSelector", "tolerations"] as const) {
      if (args[field] !== undefined)
        checks.add(field, args[field], "has no meaning on the local target", `leave ${field} out, or deploy to the "kubernetes" target`);
    }
  } else if (context.target !== "kubernetes") {
    for (const field of ["nodeSelector", "tolerations"] as const) {
      if (args[field] !== undefined)
        checks.add(
          field,
          args[field],
          `applies to existing nodes (target "kubernetes") only`,
          `leave ${field} out: on ${context.target} the Compute creates its own labelled, tainted node pool`,
        );
    }
  }
  return checks.issues;
}

/** The sizes and placement a Compute gives its workloads, the same fields on every target. */
export interface ComputeSizing {
  memoryMb: number;
  cpus: number;
  heapMb: number;
  podMemoryMb: number;
  placement: Placement;
}

/** What a Compute is made of on its target (the escape hatch). */
export type ComputeNative =
  /** Local: the budget (the NodePool capability of this machine). */
  | { kind: "local"; pool: LocalNodePool }
  /** Kubernetes targets: the cloud's node pool, or none on existing nodes (`kubernetes`). */
  | { kind: "kubernetes"; pool?: NodePool };

/**
 * The processing power workloads run on. On the local target it is a
 * budget, not a machine: memory and threads for the processes placed on it
 * (local.ts). On aws, gcp and azure it is a node pool labelled and tainted
 * for its workloads alone; on `kubernetes`, existing nodes picked by labels
 * (kubernetes.ts). Every workload placed on it gets the matching nodeSelector
 * and tolerations.
 */
export class Compute extends StrataComponent {
  readonly memoryMb: number;
  readonly cpus: number;
  /** JVM heap for a Java workload on it: 80 % of the process budget (local) or of the pod's memory (Kubernetes). */
  readonly heapMb: number;
  /** Kubernetes: memory a workload pod requests, 80 % of the node's. Local: the whole budget. */
  readonly podMemoryMb: number;
  /** Kubernetes: node (and worker) counts. */
  readonly nodes: { min: number; max: number };
  /** Where workloads placed on it run (nodeSelector and tolerations; empty on local). */
  readonly placement: Placement;
  /** What it is made of on its target (escape hatch). */
  readonly native: ComputeNative;

  constructor(name: string, args: ComputeArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Compute" }, name, args, opts, (platform) => [
      ...validateComputeArgs(name, args, platform.context),
      ...platformIssues("Compute", name, platform),
    ]);
    this.nodes = args.nodes ?? { min: 1, max: 3 };
    const deployed = onKubernetes(this.context.target)
      ? deployComputeOnKubernetes(this.childFactory(), name, args, this.nodes)
      : deployComputeLocally(this.childFactory(), args);
    this.memoryMb = deployed.sizing.memoryMb;
    this.cpus = deployed.sizing.cpus;
    this.heapMb = deployed.sizing.heapMb;
    this.podMemoryMb = deployed.sizing.podMemoryMb;
    this.placement = deployed.sizing.placement;
    this.native = deployed.native;
    this.finish({ memoryMb: this.memoryMb, cpus: this.cpus, heapMb: this.heapMb, placement: this.placement }, {});
  }
}
