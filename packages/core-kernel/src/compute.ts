import * as os from "node:os";
import * as pulumi from "@pulumi/pulumi";
import {
  IssueCollector,
  LocalNodePool,
  type NodePool,
  type Placement,
  StrataComponent,
  TAINT_EFFECTS,
  type PrimitiveArgs,
  type StrataContext,
  type Taint,
  type ValidationIssue,
  kubernetesPlatform,
  labelIssues,
  onKubernetes,
  platformIssues,
  tolerationsFor,
  validateLocalBudget,
} from "@strata/cloud-kernel";

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
export function validateComputeArgs(name: string, args: ComputeArgs, context: Pick<StrataContext, "target"> = { target: "local" }): ValidationIssue[] {
  const checks = new IssueCollector("Compute", name);
  if (args.memoryMb !== undefined && (!Number.isInteger(args.memoryMb) || args.memoryMb < MIN_MEMORY_MB)) {
    checks.add("memoryMb", args.memoryMb, `is not a whole number of MiB >= ${MIN_MEMORY_MB}`, `give at least ${MIN_MEMORY_MB} (Trino needs it)`);
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
    if (!TAINT_EFFECTS.includes(t.effect)) checks.add(`tolerations[${i}].effect`, t.effect, "is not a taint effect", `use one of ${TAINT_EFFECTS.join(", ")}`);
    for (const issue of labelIssues({ [t.key]: t.value })) checks.add(`tolerations[${i}]`, issue.value, issue.problem, "give the key and value of a taint of your nodes");
  });
  if (context.target === "local") {
    checks.addAll(validateLocalBudget("Compute", name, args));
    // `nodes` is ignored on local so one program deploys everywhere; these two only make sense on existing nodes.
    for (const field of ["nodeSelector", "tolerations"] as const) {
      if (args[field] !== undefined) checks.add(field, args[field], "has no meaning on the local target", `leave ${field} out, or deploy to the "kubernetes" target`);
    }
  } else if (context.target !== "kubernetes") {
    for (const field of ["nodeSelector", "tolerations"] as const) {
      if (args[field] !== undefined) checks.add(field, args[field], `applies to existing nodes (target "kubernetes") only`, `leave ${field} out: on ${context.target} the Compute creates its own labelled, tainted node pool`);
    }
  }
  return checks.issues;
}

/**
 * The processing power workloads run on. On the local target it is a
 * budget, not a machine: memory and threads for the processes placed on it.
 * On aws, gcp and azure it is a node pool labelled and tainted for its
 * workloads alone; on `kubernetes`, existing nodes picked by labels. Every
 * workload placed on it gets the matching nodeSelector and tolerations.
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
  /** The target's node pool (escape hatch): a LocalNodePool, a cloud NodePool, or none for existing nodes. */
  readonly pool?: LocalNodePool | NodePool;

  constructor(name: string, args: ComputeArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Compute" }, name, args, opts, (context) => [
      ...validateComputeArgs(name, args, context),
      ...platformIssues("Compute", name, context.target),
    ]);
    this.nodes = args.nodes ?? { min: 1, max: 3 };
    if (!onKubernetes(this.context.target)) {
      const pool = new LocalNodePool(
        this.childName("pool"),
        { memoryMb: args.memoryMb ?? 2048, cpus: args.cpus ?? os.availableParallelism(), context: this.context },
        this.childOptions(),
      );
      this.pool = pool;
      this.memoryMb = pool.memoryMb;
      this.cpus = pool.cpus;
      this.heapMb = pool.heapMb;
      this.podMemoryMb = pool.memoryMb;
      this.placement = { nodeSelector: {}, tolerations: [] };
    } else {
      const platform = kubernetesPlatform()!;
      this.memoryMb = args.memoryMb ?? 16384;
      this.cpus = args.cpus ?? 4;
      this.podMemoryMb = Math.floor(this.memoryMb * 0.8);
      this.heapMb = Math.floor(this.podMemoryMb * 0.8);
      if (platform.cloud) {
        const labels = { [COMPUTE_LABEL]: name };
        const taints: Taint[] = [{ key: COMPUTE_LABEL, value: name, effect: "NoSchedule" }];
        this.pool = new platform.cloud.capabilities.NodePool(
          this.childName("pool"),
          {
            context: this.context,
            cluster: platform.cloud.cluster,
            network: platform.cloud.network,
            cpus: this.cpus,
            memoryMb: this.memoryMb,
            minNodes: this.nodes.min,
            maxNodes: this.nodes.max,
            labels,
            taints,
          },
          this.childOptions(),
        );
        this.placement = { nodeSelector: labels, tolerations: tolerationsFor(taints) };
      } else {
        this.placement = { nodeSelector: args.nodeSelector ?? this.context.kubernetes.nodeSelector, tolerations: tolerationsFor(args.tolerations ?? this.context.kubernetes.tolerations) };
      }
    }
    this.finish({ memoryMb: this.memoryMb, cpus: this.cpus, heapMb: this.heapMb, placement: this.placement }, {});
  }
}
