import { createHash } from "node:crypto";
import type { AgentPool } from "@pulumi/azure-native/containerservice/agentPool.js";
import type * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type ValidationIssue } from "../base/index.js";
import { nodePoolIssues, smallestMachine, type NodePool, type NodePoolArgs, type Taint } from "../capabilities.js";
import { AzureKubernetesCluster } from "./kubernetes-cluster.js";
import { type AzureNetwork, azureNetworkIssue } from "./network.js";
import { AKS_NODE_HARDENING, kindOf } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const agentPoolSdk = lazyPeer<typeof import("@pulumi/azure-native/containerservice/agentPool.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/containerservice/agentPool.js",
);

/** Arguments of an {@link AzureNodePool}. */
export interface AzureNodePoolArgs extends NodePoolArgs {
  /**
   * AKS agent pool name: 1-12 lower-case letters and digits, starting with a
   * letter. Changing it replaces the pool.
   * @default the first letters and digits of the name and a hash of it
   */
  poolName?: string;
}

/** General-purpose (D) and memory-optimised (E) Azure machine types of the v5 generation, Premium SSD capable. */
export const AZURE_MACHINE_TYPES = [
  { name: "Standard_D2s_v5", cpus: 2, memoryMb: 8192 },
  { name: "Standard_D4s_v5", cpus: 4, memoryMb: 16384 },
  { name: "Standard_D8s_v5", cpus: 8, memoryMb: 32768 },
  { name: "Standard_D16s_v5", cpus: 16, memoryMb: 65536 },
  { name: "Standard_D32s_v5", cpus: 32, memoryMb: 131072 },
  { name: "Standard_D64s_v5", cpus: 64, memoryMb: 262144 },
  { name: "Standard_E2s_v5", cpus: 2, memoryMb: 16384 },
  { name: "Standard_E4s_v5", cpus: 4, memoryMb: 32768 },
  { name: "Standard_E8s_v5", cpus: 8, memoryMb: 65536 },
  { name: "Standard_E16s_v5", cpus: 16, memoryMb: 131072 },
  { name: "Standard_E32s_v5", cpus: 32, memoryMb: 262144 },
  { name: "Standard_E64s_v5", cpus: 64, memoryMb: 524288 },
] as const;

const POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;
// AKS caps an agent pool at 1000 nodes.
const MAX_NODES = 1000;
// AKS refuses node labels in its own namespace.
const RESERVED_LABEL_PREFIX = "kubernetes.azure.com/";

/** The default agent pool name of a node pool named `name`: stable, 12 characters at most. Pure. */
export function defaultPoolName(name: string): string {
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 4);
  return `${name.replace(/[^a-z0-9]/g, "").slice(0, 8)}${hash}`;
}

/** AKS's form of a taint. Pure. */
export function aksTaint(taint: Taint): string {
  return `${taint.key}=${taint.value}:${taint.effect}`;
}

/** Checks the arguments of an {@link AzureNodePool}. Pure. */
export function validateAzureNodePoolArgs(name: string, args: AzureNodePoolArgs): ValidationIssue[] {
  const checks = new IssueCollector("AzureNodePool", name);
  azureNetworkIssue(checks, args.network);
  if (!(args.cluster instanceof AzureKubernetesCluster)) {
    checks.add(
      "cluster",
      kindOf(args.cluster),
      "is not an AzureKubernetesCluster",
      'create the cluster with the azure capabilities (cloudCapabilities("azure").KubernetesCluster)',
    );
  }
  nodePoolIssues(checks, args, AZURE_MACHINE_TYPES);
  if (args.maxNodes > MAX_NODES)
    checks.add("maxNodes", args.maxNodes, `is more than the ${MAX_NODES} nodes of an AKS agent pool`, `give at most ${MAX_NODES}`);
  if (args.poolName !== undefined && (!POOL_NAME.test(args.poolName) || args.poolName === "system")) {
    checks.add(
      "poolName",
      args.poolName,
      "is not a usable AKS pool name",
      'use 1-12 lower-case letters and digits, starting with a letter, other than "system"',
    );
  }
  for (const key of Object.keys(args.labels ?? {})) {
    if (key.startsWith(RESERVED_LABEL_PREFIX))
      checks.add(
        `labels.${key}`,
        key,
        "is in the namespace AKS reserves",
        `use a prefix of your own instead of "${RESERVED_LABEL_PREFIX}"`,
      );
  }
  return checks.issues;
}

/**
 * The NodePool capability on Azure: an autoscaled AKS user agent pool of the
 * smallest machine type that fits, in the network's node subnet, without
 * public IPs or SSH, with secure boot and vTPM. Nodes run as the cluster's
 * kubelet identity, which holds no Azure role.
 */
export class AzureNodePool extends StrataComponent implements NodePool {
  readonly machineType: string;
  readonly labels: Record<string, string>;
  readonly taints: Taint[];
  readonly agentPool: AgentPool;

  constructor(name: string, args: AzureNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AzureNodePool" }, name, args, opts, validateAzureNodePoolArgs(name, args));
    const network = args.network as AzureNetwork;
    const cluster = args.cluster as AzureKubernetesCluster;
    this.machineType = smallestMachine(AZURE_MACHINE_TYPES, args.cpus, args.memoryMb)!.name;
    this.labels = { ...args.labels };
    this.taints = [...(args.taints ?? [])];

    this.agentPool = new agentPoolSdk.AgentPool(
      this.childName("pool"),
      {
        resourceGroupName: network.resourceGroupName,
        resourceName: cluster.clusterName,
        agentPoolName: args.poolName ?? defaultPoolName(name),
        mode: "User",
        type: "VirtualMachineScaleSets",
        vmSize: this.machineType,
        orchestratorVersion: cluster.version,
        count: args.minNodes,
        enableAutoScaling: true,
        minCount: args.minNodes,
        maxCount: args.maxNodes,
        nodeLabels: this.labels,
        nodeTaints: this.taints.map(aksTaint),
        vnetSubnetID: network.nodeSubnetId,
        ...AKS_NODE_HARDENING,
      },
      this.childOptions(),
    );

    this.finish({ machineType: this.machineType, labels: this.labels, taints: this.taints });
  }
}
