import type * as ec2 from "@pulumi/aws/ec2/index.js";
import type * as eks from "@pulumi/aws/eks/index.js";
import type * as iam from "@pulumi/aws/iam/index.js";
import type * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type ValidationIssue } from "../base/index.js";
import { nodePoolIssues, smallestMachine, type NodePool, type NodePoolArgs, type Taint } from "../capabilities.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const ec2Sdk = lazyPeer<typeof ec2>("@pulumi/aws", "@pulumi/aws/ec2/index.js");
const eksSdk = lazyPeer<typeof eks>("@pulumi/aws", "@pulumi/aws/eks/index.js");
const iamSdk = lazyPeer<typeof iam>("@pulumi/aws", "@pulumi/aws/iam/index.js");

/** General-purpose EC2 instance types (m7i) the machine type is chosen from. */
export const AWS_MACHINE_TYPES = [
  { name: "m7i.large", cpus: 2, memoryMb: 8192 },
  { name: "m7i.xlarge", cpus: 4, memoryMb: 16384 },
  { name: "m7i.2xlarge", cpus: 8, memoryMb: 32768 },
  { name: "m7i.4xlarge", cpus: 16, memoryMb: 65536 },
  { name: "m7i.8xlarge", cpus: 32, memoryMb: 131072 },
  { name: "m7i.12xlarge", cpus: 48, memoryMb: 196608 },
  { name: "m7i.16xlarge", cpus: 64, memoryMb: 262144 },
  { name: "m7i.24xlarge", cpus: 96, memoryMb: 393216 },
  { name: "m7i.48xlarge", cpus: 192, memoryMb: 786432 },
] as const;

/** The only managed policies nodes get: join the cluster, pull images. Pod networking runs under the CNI's own role. */
export const AWS_NODE_POLICIES = {
  "worker-policy": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  "registry-policy": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
} as const;

const EFFECTS: Record<Taint["effect"], string> = {
  NoSchedule: "NO_SCHEDULE",
  PreferNoSchedule: "PREFER_NO_SCHEDULE",
  NoExecute: "NO_EXECUTE",
};
// EKS caps a managed node group at 450 nodes.
const MAX_NODES = 450;

/** Checks the arguments of an {@link AwsNodePool}, including that some machine type fits. Pure. */
export function validateAwsNodePoolArgs(name: string, args: NodePoolArgs): ValidationIssue[] {
  const checks = new IssueCollector("AwsNodePool", name);
  nodePoolIssues(checks, args, AWS_MACHINE_TYPES);
  if (args.maxNodes > MAX_NODES)
    checks.add(
      "maxNodes",
      args.maxNodes,
      `is more than the ${MAX_NODES} nodes of an EKS node group`,
      `give at most ${MAX_NODES}, or split the pool`,
    );
  return checks.issues;
}

/**
 * The NodePool capability on AWS: an EKS managed node group of the smallest
 * m7i type that fits, in the network's private subnets, with a node role
 * holding only {@link AWS_NODE_POLICIES}. Instance metadata requires tokens
 * and is out of reach of pods (hop limit 1), so pods cannot borrow the
 * node's credentials; root volumes are encrypted.
 */
export class AwsNodePool extends StrataComponent implements NodePool {
  readonly machineType: string;
  readonly labels: Record<string, string>;
  readonly taints: Taint[];
  readonly nodeGroup: eks.NodeGroup;
  /** Role of the nodes' instances. */
  readonly role: iam.Role;
  readonly launchTemplate: ec2.LaunchTemplate;

  constructor(name: string, args: NodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AwsNodePool" }, name, args, opts, validateAwsNodePoolArgs(name, args));
    this.machineType = smallestMachine(AWS_MACHINE_TYPES, args.cpus, args.memoryMb)!.name;
    this.labels = { ...args.labels };
    this.taints = args.taints.map((t) => ({ ...t }));

    this.role = new iamSdk.Role(
      this.childName("role"),
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      this.childOptions(),
    );
    const attachments = Object.entries(AWS_NODE_POLICIES).map(
      ([role, policyArn]) =>
        new iamSdk.RolePolicyAttachment(this.childName(`role-${role}`), { role: this.role.name, policyArn }, this.childOptions()),
    );

    this.launchTemplate = new ec2Sdk.LaunchTemplate(
      this.childName("template"),
      {
        description: `Nodes of ${name}`,
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: { encrypted: "true", volumeSize: 50, volumeType: "gp3", deleteOnTermination: "true" },
          },
        ],
      },
      this.childOptions(),
    );

    this.nodeGroup = new eksSdk.NodeGroup(
      this.childName("nodes"),
      {
        clusterName: args.cluster!.clusterName,
        nodeRoleArn: this.role.arn,
        subnetIds: args.network!.privateSubnetIds,
        instanceTypes: [this.machineType],
        amiType: "AL2023_x86_64_STANDARD",
        capacityType: "ON_DEMAND",
        launchTemplate: { id: this.launchTemplate.id, version: this.launchTemplate.latestVersion.apply((v) => `${v}`) },
        scalingConfig: { minSize: args.minNodes, maxSize: args.maxNodes, desiredSize: args.minNodes },
        updateConfig: { maxUnavailable: 1 },
        labels: this.labels,
        taints: this.taints.map((t) => ({ key: t.key, value: t.value, effect: EFFECTS[t.effect] })),
      },
      this.childOptions({
        // The cluster's CNI role and add-on must be in place before the first node starts.
        dependsOn: [args.cluster!, ...attachments],
        // The autoscaler owns the current size.
        ignoreChanges: ["scalingConfig.desiredSize"],
      }),
    );

    this.finish({ machineType: this.machineType, labels: this.labels, taints: this.taints });
  }
}
