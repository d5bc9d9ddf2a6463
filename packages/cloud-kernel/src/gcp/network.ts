import type * as compute from "@pulumi/gcp/compute/index.js";
import type * as organizations from "@pulumi/gcp/organizations/index.js";
import type * as servicenetworking from "@pulumi/gcp/servicenetworking/index.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type ValidationIssue } from "../base/index.js";
import type { Network, NetworkArgs } from "../capabilities.js";
import { formatCidr, hasHostBits, parseCidr, subnetCidr, within } from "../cidr.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const computeSdk = lazyPeer<typeof compute>("@pulumi/gcp", "@pulumi/gcp/compute/index.js");
const organizationsSdk = lazyPeer<typeof organizations>("@pulumi/gcp", "@pulumi/gcp/organizations/index.js");
const servicenetworkingSdk = lazyPeer<typeof servicenetworking>("@pulumi/gcp", "@pulumi/gcp/servicenetworking/index.js");

const DEFAULT_CIDR = "10.40.0.0/16";
/** Below /20 the node subnet would be a /24 and the pod range too small for a useful pool. */
const SMALLEST_PREFIX = 20;
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/** Where every range of the network sits inside its CIDR. */
export interface GcpAddressPlan {
  /** Primary range of the private subnet (nodes): the first sixteenth. */
  readonly nodes: string;
  /** Secondary range for Kubernetes services: the second sixteenth. */
  readonly services: string;
  /** Range reserved for private services access (Cloud SQL): the third sixteenth. */
  readonly privateServices: { address: string; prefixLength: number };
  /** The /28 of the GKE control plane: the start of the fourth sixteenth. */
  readonly controlPlane: string;
  /** Secondary range for pods: the upper half. */
  readonly pods: string;
}

/** Carves the network's ranges from `cidr` (already validated). Pure. */
export function gcpAddressPlan(cidr: string): GcpAddressPlan {
  const parsed = parseCidr(cidr);
  if (!parsed) throw new Error(`"${cidr}" is not an IPv4 CIDR`);
  const { base, prefix } = parsed;
  const sixteenth = (index: number) => base + index * 2 ** (32 - prefix - 4);
  return {
    nodes: formatCidr(sixteenth(0), prefix + 4),
    services: formatCidr(sixteenth(1), prefix + 4),
    privateServices: { address: formatCidr(sixteenth(2), prefix + 4).split("/")[0] ?? "", prefixLength: prefix + 4 },
    controlPlane: formatCidr(sixteenth(3), 28),
    pods: formatCidr(base + 2 ** (32 - prefix - 1), prefix + 1),
  };
}

/** Checks the arguments of a {@link GcpNetwork}. Pure. */
export function validateGcpNetworkArgs(name: string, args: NetworkArgs): ValidationIssue[] {
  const checks = new IssueCollector("GcpNetwork", name);
  const cidr = args.cidr ?? DEFAULT_CIDR;
  const parsed = parseCidr(cidr);
  if (!parsed) {
    checks.add("cidr", cidr, "is not an IPv4 CIDR", `give a range such as "${DEFAULT_CIDR}"`);
    return checks.issues;
  }
  if (hasHostBits(parsed)) {
    checks.add("cidr", cidr, "has host bits set", `give the first address of the range, e.g. "${subnetCidr(parsed, parsed.prefix, 0)}"`);
  }
  if (parsed.prefix > SMALLEST_PREFIX) {
    checks.add(
      "cidr",
      cidr,
      `is smaller than a /${SMALLEST_PREFIX}, too small for nodes, pods, services and databases`,
      `give a /${SMALLEST_PREFIX} or larger, e.g. "${DEFAULT_CIDR}"`,
    );
  }
  if (!PRIVATE_RANGES.some((range) => within(parsed, parseCidr(range)!))) {
    checks.add(
      "cidr",
      cidr,
      "is not a private (RFC 1918) range",
      `give a range inside ${PRIVATE_RANGES.join(", ")}, e.g. "${DEFAULT_CIDR}"`,
    );
  }
  return checks.issues;
}

/**
 * The Network capability on GCP: a custom-mode VPC with one private
 * subnetwork (secondary ranges for GKE pods and services, Private Google
 * Access, flow logs), outbound access through Cloud Router and Cloud NAT, and
 * private services access for Cloud SQL. No firewall rule admits traffic from
 * the internet: the VPC's implied rule denies all ingress.
 *
 * The region and project are those of the caller's `gcp` provider.
 */
export class GcpNetwork extends StrataComponent implements Network {
  readonly networkId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly cidr: string;
  /** Region of the subnetwork; the other GCP capabilities place their resources there. */
  readonly region: pulumi.Output<string>;
  /** Project of the caller's provider. */
  readonly project: pulumi.Output<string>;
  /** How {@link cidr} is divided. */
  readonly addressPlan: GcpAddressPlan;
  /** Names of the subnetwork's secondary ranges GKE places pods and services in. */
  readonly podRangeName = "pods";
  readonly serviceRangeName = "services";

  readonly network: compute.Network;
  readonly subnetwork: compute.Subnetwork;
  readonly router: compute.Router;
  readonly nat: compute.RouterNat;
  /** The range Google's service producers (Cloud SQL) take private addresses from. */
  readonly privateServicesRange: compute.GlobalAddress;
  /** The peering to Google's service producers; databases depend on it. */
  readonly privateServices: servicenetworking.Connection;

  constructor(name: string, args: NetworkArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "GcpNetwork" }, name, args, opts, validateGcpNetworkArgs(name, args));
    this.cidr = args.cidr ?? DEFAULT_CIDR;
    this.addressPlan = gcpAddressPlan(this.cidr);
    // The caller's provider decides region and project; reading them back keeps every child in step with it.
    const client = organizationsSdk.getClientConfigOutput({ parent: this });
    this.region = client.region;
    this.project = client.project;

    this.network = new computeSdk.Network(
      this.childName("network"),
      { autoCreateSubnetworks: false, routingMode: "REGIONAL", description: `Strata network ${name}` },
      this.childOptions(),
    );
    this.subnetwork = new computeSdk.Subnetwork(
      this.childName("subnet"),
      {
        network: this.network.id,
        region: this.region,
        ipCidrRange: this.addressPlan.nodes,
        secondaryIpRanges: [
          { rangeName: this.podRangeName, ipCidrRange: this.addressPlan.pods },
          { rangeName: this.serviceRangeName, ipCidrRange: this.addressPlan.services },
        ],
        // Nodes without external addresses still reach Google APIs (GCS, Secret Manager) privately.
        privateIpGoogleAccess: true,
        // Sampled and aggregated: enough for incident review at a fraction of full-rate cost.
        logConfig: { aggregationInterval: "INTERVAL_5_MIN", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
      },
      this.childOptions(),
    );
    this.router = new computeSdk.Router(this.childName("router"), { network: this.network.id, region: this.region }, this.childOptions());
    this.nat = new computeSdk.RouterNat(
      this.childName("nat"),
      {
        router: this.router.name,
        region: this.region,
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
        subnetworks: [{ name: this.subnetwork.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
        logConfig: { enable: true, filter: "ERRORS_ONLY" },
      },
      this.childOptions(),
    );
    this.privateServicesRange = new computeSdk.GlobalAddress(
      this.childName("private-services-range"),
      {
        network: this.network.id,
        purpose: "VPC_PEERING",
        addressType: "INTERNAL",
        address: this.addressPlan.privateServices.address,
        prefixLength: this.addressPlan.privateServices.prefixLength,
      },
      this.childOptions(),
    );
    this.privateServices = new servicenetworkingSdk.Connection(
      this.childName("private-services"),
      {
        network: this.network.id,
        service: "servicenetworking.googleapis.com",
        reservedPeeringRanges: [this.privateServicesRange.name],
        // Cloud SQL keeps its side of the peering for days after an instance is deleted,
        // which makes deleting the connection fail; abandoning it lets dev stacks be destroyed.
        deletionPolicy: "ABANDON",
      },
      this.childOptions(),
    );

    this.networkId = this.network.id;
    this.privateSubnetIds = pulumi.output([this.subnetwork.id]);
    this.finish({ networkId: this.networkId, privateSubnetIds: this.privateSubnetIds, cidr: this.cidr, region: this.region });
  }
}
