// The capabilities a target offers, one interface each, implemented with
// identical inputs and outputs by every target that has it (docs/architecture.md,
// "Cloud kernel"): local (loopback, a budget, a folder, a PostgreSQL instance, a
// 0600 file), kubernetes (an existing PostgreSQL server) and the clouds (aws,
// gcp, azure: all of them). Each implementation also exposes its native
// resources as readonly fields: the escape hatch.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { IssueCollector, type NodeTaint, TAINT_EFFECTS, type ValidationIssue, labelIssues } from "./base/index.js";
import type { Platform } from "./platform.js";
import { hasHostBits, parseCidr } from "./cidr.js";

/** Arguments shared by every capability. */
export interface CloudArgs {
  /** Target, environment (protection of data outside dev stacks) and the program run. @default the program run's platform */
  platform?: Platform;
}

/** Arguments of a Network. */
export interface NetworkArgs extends CloudArgs {
  /** IPv4 range of the whole network; private subnets are carved from it. @default "10.40.0.0/16" */
  cidr?: string;
}

/** A private network with outbound access through NAT and no inbound access from the internet (local: loopback). */
export interface Network extends pulumi.ComponentResource {
  /** The cloud's network id (VPC id, network self link, VNet id). */
  readonly networkId: pulumi.Output<string>;
  /** Ids of the private subnets workloads and databases are placed in. */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** IPv4 range of the network. */
  readonly cidr: string;
}

/** Arguments of a KubernetesCluster. */
export interface KubernetesClusterArgs extends CloudArgs {
  /** The network the cluster's nodes and (private) endpoint live in. */
  network: Network;
  /** Kubernetes minor version, e.g. "1.33". @default "1.33" */
  version?: string;
  /**
   * The API server is reachable only from inside the network. When false it
   * is public but restricted to `authorizedCidrs`.
   * @default true
   */
  privateEndpoint?: boolean;
  /**
   * CIDRs allowed to reach a public API endpoint: required with
   * `privateEndpoint: false` (EKS and AKS read an empty list as the whole
   * internet), refused otherwise.
   * @default []
   */
  authorizedCidrs?: string[];
}

/** A managed Kubernetes control plane with workload identity, secrets encrypted at rest and private networking. */
export interface KubernetesCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  /** API server URL. */
  readonly endpoint: pulumi.Output<string>;
  /** A kubeconfig for the cluster (secret). */
  readonly kubeconfig: pulumi.Output<string>;
  /** A Kubernetes provider for the cluster: pass it to every Kubernetes resource. */
  readonly provider: k8s.Provider;
  /** OIDC issuer of the cluster's service account tokens, for workload identity federation. */
  readonly oidcIssuer: pulumi.Output<string>;
}

/** A Kubernetes taint, kept off by pods without the matching toleration. */
export type Taint = NodeTaint;

/** Arguments of a NodePool. */
export interface NodePoolArgs extends CloudArgs {
  /** The cluster the pool belongs to (none on the local target, required on clouds). */
  cluster?: KubernetesCluster;
  /** The private network (clouds: required; local: loopback, may be left out; `kubernetes`: none). */
  network?: Network;
  /** Cores of each node (the machine type is the smallest with at least this many cores and `memoryMb`). */
  cpus: number;
  /** Memory of each node, in MiB. */
  memoryMb: number;
  /** Nodes kept at all times. */
  minNodes: number;
  /** Nodes the autoscaler may add up to. */
  maxNodes: number;
  /** Labels on every node; workloads select the pool by them. */
  labels: Record<string, string>;
  /** Taints on every node; only workloads tolerating them are placed there. */
  taints: Taint[];
}

/**
 * Autoscaled nodes of one machine type in the cluster's private subnets, with
 * least-privilege node identities (local: a memory and thread budget for the
 * processes placed on it, machine type "local").
 */
export interface NodePool extends pulumi.ComponentResource {
  /** The machine type chosen for `cpus` and `memoryMb`. */
  readonly machineType: string;
  readonly labels: Record<string, string>;
  readonly taints: Taint[];
}

/** Arguments of an ObjectStore. */
export interface ObjectStoreArgs extends CloudArgs {
  /** The private network (clouds: required; local: loopback, may be left out; `kubernetes`: none). */
  network?: Network;
  /** Keep earlier versions of overwritten or deleted objects. @default true */
  versioned?: boolean;
}

/** A private, encrypted bucket (the lake); local: a private folder. Protected from deletion outside dev stacks. */
export interface ObjectStore extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  /** URL in the form engines read it: `s3://bucket`, `gs://bucket`, `abfss://container@account.dfs.core.windows.net`, `file:///folder`. */
  readonly url: pulumi.Output<string>;
  /** Where the store lives, where engines must be told (S3). */
  readonly region?: pulumi.Output<string>;
}

/** Arguments of a StoreAccess. */
export interface StoreAccessArgs extends CloudArgs {
  /** The private network of the cluster and stores. */
  network: Network;
  /** The stores the service account may read and write (list, get, put, delete objects). */
  stores: ObjectStore[];
  /** The cluster whose workload identity the service account uses. */
  cluster: KubernetesCluster;
  namespace: pulumi.Input<string>;
  serviceAccount: string;
}

/**
 * Read and write access to ObjectStores for one Kubernetes service account,
 * through the cloud's workload identity (IAM roles for service accounts,
 * GKE Workload Identity, Entra workload identity): no key or secret exists.
 */
export interface StoreAccess extends pulumi.ComponentResource {
  /** Annotations the service account needs for the cloud to map it to its identity. */
  readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
  /** Labels the service account's pods need (Azure's webhook acts on labelled pods only). */
  readonly podLabels: Record<string, string>;
}

/** Checks that a StoreAccess got this target's stores and cluster (it grants on their native resources). Pure. */
export function storeAccessIssues(
  primitive: string,
  name: string,
  args: StoreAccessArgs,
  store: abstract new (...args: never[]) => ObjectStore,
  cluster: abstract new (...args: never[]) => KubernetesCluster,
): ValidationIssue[] {
  const checks = new IssueCollector(primitive, name);
  if (!Array.isArray(args.stores) || args.stores.length === 0)
    checks.add("stores", args.stores, "is empty", "give the object stores the service account reads and writes");
  (args.stores ?? []).forEach((s, i) => {
    if (!(s instanceof store))
      checks.add(
        `stores[${i}]`,
        (s as object | undefined)?.constructor?.name,
        `is not a ${store.name}`,
        "pass stores created by this target's ObjectStore",
      );
  });
  if (!(args.cluster instanceof cluster))
    checks.add(
      "cluster",
      (args.cluster as object | undefined)?.constructor?.name,
      `is not a ${cluster.name}`,
      "pass the platform's cluster",
    );
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(args.serviceAccount ?? ""))
    checks.add(
      "serviceAccount",
      args.serviceAccount,
      "is not a Kubernetes service account name",
      "use lower-case letters, digits, - and .",
    );
  return checks.issues;
}

/** Arguments of a PostgresServer. */
export interface PostgresServerArgs extends CloudArgs {
  /** The private network (clouds: required; local: loopback, may be left out; `kubernetes`: none). */
  network?: Network;
  /** Password of the administrator role (secret). Required on clouds; the local server administers itself over its socket. */
  adminPassword?: pulumi.Input<string>;
  /** Administrator role name. @default "strata_admin" */
  adminUser?: string;
  /** PostgreSQL major version. @default "15" */
  version?: string;
  /** Cores of the server. @default 2 */
  cpus?: number;
  /** Memory of the server, in MiB. @default 8192 */
  memoryMb?: number;
  /** Storage, in GiB. @default 50 */
  storageGb?: number;
  /** A standby in another zone. @default false in dev stacks, true elsewhere */
  highAvailability?: boolean;
}

/**
 * A managed PostgreSQL server reachable only from the private network, TLS
 * only, storage encrypted, backups kept; deletion-protected outside dev stacks
 * (local: a PostgreSQL instance of its own on 127.0.0.1; kubernetes: the
 * existing server of the stack's config).
 */
export interface PostgresServer extends pulumi.ComponentResource {
  /** Private host name or address. */
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly adminUser: pulumi.Output<string>;
}

/** Arguments of a SecretStore. */
export interface SecretStoreArgs extends CloudArgs {
  /** The private network (clouds: required; local: loopback, may be left out; `kubernetes`: none). */
  network?: Network;
  /** The secret value (kept secret in state). */
  value: pulumi.Input<string>;
}

/** One secret in the cloud's secret manager, encrypted with a key of the platform (local: a 0600 file). */
export interface SecretStore extends pulumi.ComponentResource {
  /** The cloud's reference to the secret (ARN, resource name, vault URI). */
  readonly reference: pulumi.Output<string>;
}

type Constructor<A, T> = new (name: string, args: A, opts?: pulumi.ComponentResourceOptions) => T;

/** The capabilities one target offers; a missing one is a semantic difference, never hidden behind a stand-in. */
export interface TargetCapabilities {
  readonly Network?: Constructor<NetworkArgs, Network>;
  readonly KubernetesCluster?: Constructor<KubernetesClusterArgs, KubernetesCluster>;
  readonly NodePool?: Constructor<NodePoolArgs, NodePool>;
  readonly ObjectStore?: Constructor<ObjectStoreArgs, ObjectStore>;
  readonly PostgresServer?: Constructor<PostgresServerArgs, PostgresServer>;
  readonly SecretStore?: Constructor<SecretStoreArgs, SecretStore>;
  readonly StoreAccess?: Constructor<StoreAccessArgs, StoreAccess>;
}

/** One cloud's implementations of every capability. */
export type CloudCapabilities = Required<TargetCapabilities>;

/** The smallest machine of a size table with at least `cpus` cores and `memoryMb` MiB. Pure. */
export function smallestMachine<T extends { name: string; cpus: number; memoryMb: number }>(
  table: readonly T[],
  cpus: number,
  memoryMb: number,
): T | undefined {
  return [...table].filter((m) => m.cpus >= cpus && m.memoryMb >= memoryMb).sort((a, b) => a.cpus - b.cpus || a.memoryMb - b.memoryMb)[0];
}

/**
 * Checks what every cloud's NodePool needs of its arguments: whole sizes and
 * counts, minNodes <= maxNodes, a machine of `machines` that fits, valid
 * labels and taints. Clouds add their own limits. Pure.
 */
export function nodePoolIssues(
  checks: IssueCollector,
  args: NodePoolArgs,
  machines: readonly { name: string; cpus: number; memoryMb: number }[],
): void {
  if (args.cluster === undefined) checks.add("cluster", undefined, "is missing", "pass the KubernetesCluster the pool belongs to");
  networkIssues(checks, args);
  const whole = (field: string, value: unknown, min: number): boolean => {
    const ok = typeof value === "number" && Number.isInteger(value) && value >= min;
    if (!ok) checks.add(field, value, `is not a whole number >= ${min}`, `give a whole number of at least ${min}`);
    return ok;
  };
  const sized = [whole("cpus", args.cpus, 1), whole("memoryMb", args.memoryMb, 1)].every(Boolean);
  const counted = [whole("minNodes", args.minNodes, 0), whole("maxNodes", args.maxNodes, 1)].every(Boolean);
  if (counted && args.minNodes > args.maxNodes)
    checks.add("minNodes", args.minNodes, `is more than maxNodes (${args.maxNodes})`, "give minNodes <= maxNodes");
  if (sized && !smallestMachine(machines, args.cpus, args.memoryMb)) {
    const largest = [...machines].sort((a, b) => b.memoryMb - a.memoryMb || b.cpus - a.cpus)[0]!;
    const cores = Math.max(...machines.map((m) => m.cpus));
    checks.add(
      "cpus",
      { cpus: args.cpus, memoryMb: args.memoryMb },
      "fits no machine type",
      `ask for at most ${cores} cores and ${largest.memoryMb} MiB (${largest.name}), or spread the work over more nodes`,
    );
  }
  for (const issue of labelIssues(args.labels ?? {})) {
    checks.add(`labels.${issue.key}`, issue.value, issue.problem, 'use a Kubernetes label, e.g. "strata.dev/compute": "analytics"');
  }
  (args.taints ?? []).forEach((taint, i) => {
    for (const issue of labelIssues({ [taint.key]: taint.value })) {
      checks.add(
        `taints[${i}]`,
        issue.value,
        issue.problem.replace("label", "taint"),
        "taint keys and values follow the rules of label keys and values",
      );
    }
    if (!TAINT_EFFECTS.includes(taint.effect))
      checks.add(`taints[${i}].effect`, taint.effect, "is not a taint effect", `use one of ${TAINT_EFFECTS.join(", ")}`);
  });
}

/** The issue of a cloud capability given no network (clouds place everything in their private network). */
export function networkIssues(checks: IssueCollector, args: { network?: Network }): void {
  if (args.network === undefined)
    checks.add("network", undefined, "is missing", "pass the platform's Network (strataProgram creates one on cloud targets)");
}

/** Kubernetes minor versions, e.g. "1.33". */
const KUBERNETES_VERSION = /^1\.\d{2}$/;

/**
 * Checks what every cloud's KubernetesCluster needs of its arguments: the
 * version's form, and that a public endpoint admits listed networks only
 * (never none, never /0) while a private one lists none. Clouds add their own
 * checks. Pure.
 */
export function kubernetesClusterIssues(checks: IssueCollector, args: KubernetesClusterArgs): void {
  if (args.version !== undefined && !KUBERNETES_VERSION.test(args.version)) {
    checks.add("version", args.version, "is not a Kubernetes minor version", 'give major.minor, e.g. "1.33"');
  }
  const cidrs = args.authorizedCidrs ?? [];
  if (args.privateEndpoint !== false && cidrs.length > 0) {
    checks.add("authorizedCidrs", cidrs, "only applies to a public endpoint", "set privateEndpoint: false, or leave authorizedCidrs out");
  }
  if (args.privateEndpoint === false && cidrs.length === 0) {
    checks.add(
      "authorizedCidrs",
      cidrs,
      "is empty for a public endpoint, which would open it to the whole internet",
      'list the CIDRs allowed to reach the API, e.g. ["203.0.113.0/24"], or keep privateEndpoint: true',
    );
  }
  cidrs.forEach((cidr, i) => {
    const block = typeof cidr === "string" ? parseCidr(cidr) : undefined;
    if (!block || hasHostBits(block))
      checks.add(`authorizedCidrs[${i}]`, cidr, "is not an IPv4 CIDR with its host bits zero", 'give a range such as "203.0.113.0/24"');
    else if (block.prefix === 0)
      checks.add(
        `authorizedCidrs[${i}]`,
        cidr,
        "opens the Kubernetes API to the whole internet",
        "list only the ranges of your offices, VPNs or CI runners",
      );
  });
}
