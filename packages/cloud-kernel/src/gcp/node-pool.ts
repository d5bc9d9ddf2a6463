import * as container from "@pulumi/gcp/container/index.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, labelIssues, type ValidationIssue } from "../base/index.js";
import { smallestMachine, type NodePool, type NodePoolArgs, type Taint } from "../capabilities.js";
import { GcpKubernetesCluster } from "./kubernetes-cluster.js";
import { GcpNetwork } from "./network.js";
import { NODE_OAUTH_SCOPES, nodeIdentity, type NodeIdentity } from "./shared.js";

/** A GCP machine type and its size. */
export interface GcpMachineType {
  readonly name: string;
  readonly cpus: number;
  readonly memoryMb: number;
}

const N2_SIZES = [2, 4, 8, 16, 32, 48, 64, 80];

/**
 * General-purpose N2 machines: steady (not shared-core) performance for
 * query engines, in two memory ratios (4 and 8 GiB per core).
 */
export const GCP_MACHINE_TYPES: readonly GcpMachineType[] = [
  ...N2_SIZES.map((cpus) => ({ name: `n2-standard-${cpus}`, cpus, memoryMb: cpus * 4096 })),
  ...N2_SIZES.map((cpus) => ({ name: `n2-highmem-${cpus}`, cpus, memoryMb: cpus * 8192 })),
];

/** GKE node pool names are at most 40 characters; auto-naming appends 8 to `<name>-pool`. */
const MAX_NAME_LENGTH = 40 - 8 - "-pool".length;
/**
 * Zones of a regional pool. GKE counts initial nodes per zone; most regions
 * have three, and the autoscaler then converges on the total bounds.
 */
const ZONES_PER_REGION = 3;

const TAINT_EFFECTS: Record<Taint["effect"], string> = {
  NoSchedule: "NO_SCHEDULE",
  PreferNoSchedule: "PREFER_NO_SCHEDULE",
  NoExecute: "NO_EXECUTE",
};

function isCount(value: unknown, min: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min;
}

/** Checks the arguments of a {@link GcpNodePool}. Pure. */
export function validateGcpNodePoolArgs(name: string, args: NodePoolArgs): ValidationIssue[] {
  const checks = new IssueCollector("GcpNodePool", name);
  if (name.length > MAX_NAME_LENGTH) {
    checks.add("name", name, `is longer than ${MAX_NAME_LENGTH} characters, leaving no room in GKE's 40-character pool name`, `give a name of at most ${MAX_NAME_LENGTH} characters`);
  }
  if (!(args.cluster instanceof GcpKubernetesCluster)) {
    checks.add("cluster", args.cluster?.constructor?.name, "is not a GcpKubernetesCluster", "pass the GcpKubernetesCluster the pool belongs to");
  }
  if (!(args.network instanceof GcpNetwork)) {
    checks.add("network", args.network?.constructor?.name, "is not a GcpNetwork", "pass the GcpNetwork of the cluster");
  }
  if (!isCount(args.cpus, 1)) checks.add("cpus", args.cpus, "is not a positive integer", "give the cores of one node, e.g. 4");
  if (!isCount(args.memoryMb, 1)) checks.add("memoryMb", args.memoryMb, "is not a positive integer", "give the memory of one node in MiB, e.g. 16384");
  if (isCount(args.cpus, 1) && isCount(args.memoryMb, 1) && !smallestMachine(GCP_MACHINE_TYPES, args.cpus, args.memoryMb)) {
    const largest = GCP_MACHINE_TYPES.reduce((a, b) => (b.memoryMb > a.memoryMb ? b : a));
    checks.add(
      "cpus/memoryMb",
      { cpus: args.cpus, memoryMb: args.memoryMb },
      "fits no general-purpose machine type",
      `ask for at most ${Math.max(...GCP_MACHINE_TYPES.map((m) => m.cpus))} cores and ${largest.memoryMb} MiB (${largest.name})`,
    );
  }
  if (!isCount(args.minNodes, 0)) checks.add("minNodes", args.minNodes, "is not a non-negative integer", "give the nodes kept at all times, e.g. 1");
  if (!isCount(args.maxNodes, 1)) checks.add("maxNodes", args.maxNodes, "is not a positive integer", "give the most nodes the autoscaler may run, e.g. 3");
  if (isCount(args.minNodes, 0) && isCount(args.maxNodes, 1) && args.minNodes > args.maxNodes) {
    checks.add("minNodes", args.minNodes, `is more than maxNodes (${args.maxNodes})`, "make minNodes at most maxNodes");
  }
  for (const issue of labelIssues(args.labels ?? {})) {
    checks.add(`labels.${issue.key}`, issue.value, issue.problem, 'use a Kubernetes label, e.g. "strata.dev/compute": "analytics"');
  }
  (args.taints ?? []).forEach((taint, i) => {
    for (const issue of labelIssues({ [taint.key]: taint.value })) {
      checks.add(`taints[${i}]`, issue.value, issue.problem.replace("label", "taint"), "taint keys and values follow the rules of label keys and values");
    }
    if (!(taint.effect in TAINT_EFFECTS)) {
      checks.add(`taints[${i}].effect`, taint.effect, "is not a taint effect", `use one of ${Object.keys(TAINT_EFFECTS).join(", ")}`);
    }
  });
  return checks.issues;
}

/**
 * The NodePool capability on GCP: an autoscaled GKE node pool of the
 * smallest N2 machine that fits, on the cluster's private subnetwork (nodes
 * without external addresses), running as its own service account with the
 * minimal node role, shielded (secure boot) and with the GKE metadata server
 * so pods only see their Workload Identity.
 */
export class GcpNodePool extends StrataComponent implements NodePool {
  readonly machineType: string;
  readonly labels: Record<string, string>;
  readonly taints: Taint[];

  readonly identity: NodeIdentity;
  readonly nodePool: container.NodePool;

  constructor(name: string, args: NodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "GcpNodePool" }, name, args, opts, validateGcpNodePoolArgs(name, args));
    // The validator has established both types and that a machine fits.
    const cluster = args.cluster as GcpKubernetesCluster;
    const network = args.network as GcpNetwork;
    const machine = smallestMachine(GCP_MACHINE_TYPES, args.cpus, args.memoryMb) as GcpMachineType;
    this.machineType = machine.name;
    this.labels = { ...args.labels };
    this.taints = args.taints.map((t) => ({ ...t }));
    const children = { name: (role: string) => this.childName(role), options: this.childOptions(), statefulOptions: this.statefulChildOptions() };

    this.identity = nodeIdentity(children, network.project, `pool ${name}`);
    this.nodePool = new container.NodePool(
      this.childName("pool"),
      {
        cluster: cluster.clusterName,
        location: cluster.location,
        initialNodeCount: Math.ceil(args.minNodes / ZONES_PER_REGION),
        autoscaling: { totalMinNodeCount: args.minNodes, totalMaxNodeCount: args.maxNodes, locationPolicy: "BALANCED" },
        management: { autoRepair: true, autoUpgrade: true },
        networkConfig: { enablePrivateNodes: true },
        nodeConfig: {
          machineType: this.machineType,
          imageType: "COS_CONTAINERD",
          diskType: "pd-balanced",
          diskSizeGb: 100,
          serviceAccount: this.identity.email,
          oauthScopes: NODE_OAUTH_SCOPES,
          labels: this.labels,
          taints: this.taints.map((t) => ({ key: t.key, value: t.value, effect: TAINT_EFFECTS[t.effect] })),
          shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
          workloadMetadataConfig: { mode: "GKE_METADATA" },
          metadata: { "disable-legacy-endpoints": "true" },
        },
      },
      this.childOptions({ dependsOn: this.identity.roles }),
    );
    this.finish({ machineType: this.machineType, labels: this.labels, taints: this.taints });
  }
}
