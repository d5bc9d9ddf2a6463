import type * as container from "@pulumi/gcp/container/index.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type ValidationIssue } from "../base/index.js";
import { nodePoolIssues, smallestMachine, type NodePool, type NodePoolArgs, type Taint } from "../capabilities.js";
import { GcpKubernetesCluster } from "./kubernetes-cluster.js";
import { GcpNetwork } from "./network.js";
import { NODE_OAUTH_SCOPES, nodeIdentity, type NodeIdentity } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const containerSdk = lazyPeer<typeof container>("@pulumi/gcp", "@pulumi/gcp/container/index.js");

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

const GKE_TAINT_EFFECTS: Record<Taint["effect"], string> = {
  NoSchedule: "NO_SCHEDULE",
  PreferNoSchedule: "PREFER_NO_SCHEDULE",
  NoExecute: "NO_EXECUTE",
};

/** Checks the arguments of a {@link GcpNodePool}. Pure. */
export function validateGcpNodePoolArgs(name: string, args: NodePoolArgs): ValidationIssue[] {
  const checks = new IssueCollector("GcpNodePool", name);
  if (name.length > MAX_NAME_LENGTH) {
    checks.add(
      "name",
      name,
      `is longer than ${MAX_NAME_LENGTH} characters, leaving no room in GKE's 40-character pool name`,
      `give a name of at most ${MAX_NAME_LENGTH} characters`,
    );
  }
  if (!(args.cluster instanceof GcpKubernetesCluster)) {
    checks.add(
      "cluster",
      args.cluster?.constructor?.name,
      "is not a GcpKubernetesCluster",
      "pass the GcpKubernetesCluster the pool belongs to",
    );
  }
  if (!(args.network instanceof GcpNetwork)) {
    checks.add("network", args.network?.constructor?.name, "is not a GcpNetwork", "pass the GcpNetwork of the cluster");
  }
  nodePoolIssues(checks, args, GCP_MACHINE_TYPES);
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
    const children = this.childFactory();

    this.identity = nodeIdentity(children, network.project, `pool ${name}`);
    this.nodePool = new containerSdk.NodePool(
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
          taints: this.taints.map((t) => ({ key: t.key, value: t.value, effect: GKE_TAINT_EFFECTS[t.effect] })),
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
