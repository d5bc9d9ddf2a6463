import type * as ec2 from "@pulumi/aws/ec2/index.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, isDevEnvironment, type ValidationIssue } from "../base/index.js";
import type { Network, NetworkArgs } from "../capabilities.js";
import { hasHostBits, parseCidr, subnetCidr } from "../cidr.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const ec2Sdk = lazyPeer<typeof ec2>("@pulumi/aws", "@pulumi/aws/ec2/index.js");
const getAvailabilityZonesSdk = lazyPeer<typeof import("@pulumi/aws/getAvailabilityZones.js")>(
  "@pulumi/aws",
  "@pulumi/aws/getAvailabilityZones.js",
);

/** Arguments of an {@link AwsNetwork}. */
export interface AwsNetworkArgs extends NetworkArgs {
  /**
   * Availability zones the subnets span (the first ones of the region).
   * EKS and Multi-AZ RDS need two; three keep a majority through a zone outage.
   * Changing it replaces subnets, and with them the cluster and databases.
   * @default 3
   */
  numberOfAvailabilityZones?: number;
}

/**
 * Subnet layout: the first three quarters of the range are the private
 * subnets, one per zone (pods take VPC addresses with the VPC CNI, so they
 * get the space); the last quarter holds small public subnets that only
 * carry the NAT gateways. Pure.
 */
export function awsSubnetLayout(cidr: string, zones: number): { private: string[]; public: string[] } {
  const block = parseCidr(cidr);
  if (!block) throw new Error(`not a CIDR block: ${cidr}`);
  const indexes = [...Array(zones).keys()];
  return {
    private: indexes.map((i) => subnetCidr(block, block.prefix + 2, i)),
    public: indexes.map((i) => subnetCidr(block, block.prefix + 4, 12 + i)),
  };
}

/** Checks a CIDR block: form, no host bits, prefix within `[min, max]`. */
export function cidrIssues(checks: IssueCollector, field: string, cidr: unknown, min: number, max: number): void {
  const block = typeof cidr === "string" ? parseCidr(cidr) : undefined;
  if (!block) {
    checks.add(field, cidr, "is not an IPv4 CIDR block", 'write it as "a.b.c.d/n", e.g. "10.40.0.0/16"');
  } else if (hasHostBits(block)) {
    checks.add(field, cidr, "has bits set after the prefix", `use the network address, ${subnetCidr(block, block.prefix, 0)}`);
  } else if (block.prefix < min || block.prefix > max) {
    checks.add(field, cidr, `has a /${block.prefix} prefix`, `use a prefix from /${min} to /${max}`);
  }
}

/** Checks the arguments of an {@link AwsNetwork}. Pure. */
export function validateAwsNetworkArgs(name: string, args: AwsNetworkArgs): ValidationIssue[] {
  const checks = new IssueCollector("AwsNetwork", name);
  // AWS allows /16 to /28; /24 is the smallest range leaving a /28 public subnet per zone.
  if (args.cidr !== undefined) cidrIssues(checks, "cidr", args.cidr, 16, 24);
  const zones = args.numberOfAvailabilityZones;
  if (zones !== undefined && !(Number.isInteger(zones) && zones >= 2 && zones <= 3)) {
    checks.add("numberOfAvailabilityZones", zones, "is not 2 or 3", "give 2 (the least EKS and RDS accept) or 3");
  }
  return checks.issues;
}

/**
 * The Network capability on AWS: a VPC with one private subnet per zone,
 * egress through NAT gateways (one per zone outside dev stacks, so a zone
 * outage does not cut the others off; a single one in dev stacks), no
 * internet-facing subnets but those holding the NAT gateways, an S3 gateway
 * endpoint so lake traffic bypasses NAT, and the VPC's default security group
 * stripped of all rules.
 */
export class AwsNetwork extends StrataComponent implements Network {
  readonly networkId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly cidr: string;
  /** Names of the zones the subnets are in. */
  readonly availabilityZones: pulumi.Output<string>[];
  readonly vpc: ec2.Vpc;
  readonly privateSubnets: ec2.Subnet[];
  readonly publicSubnets: ec2.Subnet[];
  readonly internetGateway: ec2.InternetGateway;
  readonly natGateways: ec2.NatGateway[];
  readonly privateRouteTables: ec2.RouteTable[];
  readonly s3Endpoint: ec2.VpcEndpoint;

  constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AwsNetwork" }, name, args, opts, validateAwsNetworkArgs(name, args));
    this.cidr = args.cidr ?? "10.40.0.0/16";
    const zoneCount = args.numberOfAvailabilityZones ?? 3;
    const layout = awsSubnetLayout(this.cidr, zoneCount);
    const dev = isDevEnvironment(this.context.environment);
    const tags = (role: string) => ({ Name: this.childName(role) });

    // Local Zones are left out: they have no NAT gateways and cost extra.
    const zones = getAvailabilityZonesSdk.getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
      { parent: this },
    );
    this.availabilityZones = layout.private.map((_, i) =>
      zones.names.apply((names) => {
        const zone = names[i];
        if (zone === undefined) {
          throw new Error(`AwsNetwork "${name}": the region has ${names.length} zones; set numberOfAvailabilityZones to ${names.length}`);
        }
        return zone;
      }),
    );

    this.vpc = new ec2Sdk.Vpc(
      this.childName("vpc"),
      {
        cidrBlock: this.cidr,
        enableDnsSupport: true,
        enableDnsHostnames: true,
        tags: tags("vpc"),
      },
      this.childOptions(),
    );
    new ec2Sdk.DefaultSecurityGroup(this.childName("default-sg"), { vpcId: this.vpc.id, tags: tags("default-sg") }, this.childOptions());

    this.internetGateway = new ec2Sdk.InternetGateway(
      this.childName("igw"),
      { vpcId: this.vpc.id, tags: tags("igw") },
      this.childOptions(),
    );
    const publicRoutes = new ec2Sdk.RouteTable(
      this.childName("public-rt"),
      {
        vpcId: this.vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: this.internetGateway.id }],
        tags: tags("public-rt"),
      },
      this.childOptions(),
    );

    this.publicSubnets = layout.public.map((cidrBlock, i) => {
      const subnet = new ec2Sdk.Subnet(
        this.childName(`public-${i + 1}`),
        {
          vpcId: this.vpc.id,
          cidrBlock,
          availabilityZone: this.availabilityZones[i],
          mapPublicIpOnLaunch: false,
          tags: tags(`public-${i + 1}`),
        },
        this.childOptions(),
      );
      new ec2Sdk.RouteTableAssociation(
        this.childName(`public-${i + 1}-rt-link`),
        { subnetId: subnet.id, routeTableId: publicRoutes.id },
        this.childOptions(),
      );
      return subnet;
    });

    this.natGateways = this.publicSubnets.slice(0, dev ? 1 : zoneCount).map((subnet, i) => {
      const eip = new ec2Sdk.Eip(this.childName(`nat-${i + 1}-ip`), { domain: "vpc", tags: tags(`nat-${i + 1}-ip`) }, this.childOptions());
      return new ec2Sdk.NatGateway(
        this.childName(`nat-${i + 1}`),
        {
          allocationId: eip.id,
          subnetId: subnet.id,
          tags: tags(`nat-${i + 1}`),
        },
        this.childOptions({ dependsOn: [this.internetGateway] }),
      );
    });

    this.privateRouteTables = [];
    this.privateSubnets = layout.private.map((cidrBlock, i) => {
      const subnet = new ec2Sdk.Subnet(
        this.childName(`private-${i + 1}`),
        {
          vpcId: this.vpc.id,
          cidrBlock,
          availabilityZone: this.availabilityZones[i],
          mapPublicIpOnLaunch: false,
          // Internal load balancers of the AWS Load Balancer Controller go here; no subnet is tagged for internet-facing ones.
          tags: { ...tags(`private-${i + 1}`), "kubernetes.io/role/internal-elb": "1" },
        },
        this.childOptions(),
      );
      const nat = this.natGateways[Math.min(i, this.natGateways.length - 1)]!;
      const routes = new ec2Sdk.RouteTable(
        this.childName(`private-${i + 1}-rt`),
        {
          vpcId: this.vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
          tags: tags(`private-${i + 1}-rt`),
        },
        this.childOptions(),
      );
      new ec2Sdk.RouteTableAssociation(
        this.childName(`private-${i + 1}-rt-link`),
        { subnetId: subnet.id, routeTableId: routes.id },
        this.childOptions(),
      );
      this.privateRouteTables.push(routes);
      return subnet;
    });

    this.s3Endpoint = new ec2Sdk.VpcEndpoint(
      this.childName("s3-endpoint"),
      {
        vpcId: this.vpc.id,
        vpcEndpointType: "Gateway",
        serviceName: pulumi.interpolate`com.amazonaws.${zones.region}.s3`,
        routeTableIds: this.privateRouteTables.map((t) => t.id),
        tags: tags("s3-endpoint"),
      },
      this.childOptions(),
    );

    this.networkId = this.vpc.id;
    this.privateSubnetIds = pulumi.all(this.privateSubnets.map((s) => s.id));
    this.finish({ networkId: this.networkId, privateSubnetIds: this.privateSubnetIds, cidr: this.cidr });
  }
}
