import type { NatGateway } from "@pulumi/azure-native/network/natGateway.js";
import type { NetworkSecurityGroup } from "@pulumi/azure-native/network/networkSecurityGroup.js";
import type { PublicIPAddress } from "@pulumi/azure-native/network/publicIPAddress.js";
import type { Subnet } from "@pulumi/azure-native/network/subnet.js";
import type { VirtualNetwork } from "@pulumi/azure-native/network/virtualNetwork.js";
import type { ResourceGroup } from "@pulumi/azure-native/resources/resourceGroup.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type ValidationIssue } from "../base/index.js";
import type { Network, NetworkArgs } from "../capabilities.js";
import { hasHostBits, overlaps, parseCidr, subnetCidr, within } from "../cidr.js";
import { kindOf } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const getClientConfigSdk = lazyPeer<typeof import("@pulumi/azure-native/authorization/getClientConfig.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/authorization/getClientConfig.js",
);
const natGatewaySdk = lazyPeer<typeof import("@pulumi/azure-native/network/natGateway.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/network/natGateway.js",
);
const networkSecurityGroupSdk = lazyPeer<typeof import("@pulumi/azure-native/network/networkSecurityGroup.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/network/networkSecurityGroup.js",
);
const publicIPAddressSdk = lazyPeer<typeof import("@pulumi/azure-native/network/publicIPAddress.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/network/publicIPAddress.js",
);
const subnetSdk = lazyPeer<typeof import("@pulumi/azure-native/network/subnet.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/network/subnet.js",
);
const virtualNetworkSdk = lazyPeer<typeof import("@pulumi/azure-native/network/virtualNetwork.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/network/virtualNetwork.js",
);
const resourceGroupSdk = lazyPeer<typeof import("@pulumi/azure-native/resources/resourceGroup.js")>(
  "@pulumi/azure-native",
  "@pulumi/azure-native/resources/resourceGroup.js",
);

/** Arguments of an {@link AzureNetwork}. */
export interface AzureNetworkArgs extends NetworkArgs {
  /**
   * Azure region of the resource group and everything in it, e.g. "westeurope".
   * Changing it replaces every resource.
   * @default the provider's location (config `azure-native:location`)
   */
  location?: string;
}

const DEFAULT_CIDR = "10.40.0.0/16";

/**
 * Address ranges of pods and services in every AKS cluster (Azure CNI
 * overlay): they are not VNet addresses, but must not overlap the VNet or
 * traffic to those VNet addresses would be routed into the cluster.
 */
export const AKS_POD_CIDR = "10.244.0.0/15";
export const AKS_SERVICE_CIDR = "10.246.0.0/16";
export const AKS_DNS_SERVICE_IP = "10.246.0.10";

// A /24 network still leaves a /26 database subnet (flexible servers need a /28).
const MIN_PREFIX = 8;
const MAX_PREFIX = 24;
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/**
 * Subnet layout: the first half of the range for nodes (pods use overlay
 * addresses, so nodes need one address each), the third quarter for
 * databases, the last quarter left free for later subnets. Pure.
 */
export function azureSubnetLayout(cidr: string): { nodes: string; database: string } {
  const block = parseCidr(cidr);
  if (!block) throw new Error(`not a CIDR block: ${cidr}`);
  return { nodes: subnetCidr(block, block.prefix + 1, 0), database: subnetCidr(block, block.prefix + 2, 2) };
}

/** Checks the arguments of an {@link AzureNetwork}. Pure. */
export function validateAzureNetworkArgs(name: string, args: AzureNetworkArgs): ValidationIssue[] {
  const checks = new IssueCollector("AzureNetwork", name);
  const cidr = args.cidr ?? DEFAULT_CIDR;
  const block = typeof cidr === "string" ? parseCidr(cidr) : undefined;
  if (!block) {
    checks.add("cidr", cidr, "is not an IPv4 CIDR block", `write it as "a.b.c.d/n", e.g. "${DEFAULT_CIDR}"`);
  } else if (hasHostBits(block)) {
    checks.add("cidr", cidr, "has bits set after the prefix", `use the network address, ${subnetCidr(block, block.prefix, 0)}`);
  } else if (block.prefix < MIN_PREFIX || block.prefix > MAX_PREFIX) {
    checks.add("cidr", cidr, `has a /${block.prefix} prefix`, `use a prefix from /${MIN_PREFIX} to /${MAX_PREFIX}`);
  } else if (!PRIVATE_RANGES.some((range) => within(block, parseCidr(range)!))) {
    checks.add("cidr", cidr, "is not a private (RFC 1918) range", `use a range inside ${PRIVATE_RANGES.join(", ")}`);
  } else {
    for (const [what, range] of [
      ["pod", AKS_POD_CIDR],
      ["service", AKS_SERVICE_CIDR],
    ] as const) {
      if (overlaps(block, parseCidr(range)!)) {
        checks.add(
          "cidr",
          cidr,
          `overlaps the Kubernetes ${what} range ${range}`,
          `choose a range outside ${AKS_POD_CIDR} and ${AKS_SERVICE_CIDR}, e.g. "${DEFAULT_CIDR}"`,
        );
      }
    }
  }
  if (args.location !== undefined && !/^[a-z][a-z0-9]*$/.test(args.location)) {
    checks.add(
      "location",
      args.location,
      "is not an Azure region name",
      'give the short name, e.g. "westeurope" (az account list-locations -o table)',
    );
  }
  return checks.issues;
}

/**
 * The Network capability on Azure: a resource group holding a VNet with a
 * node subnet (outbound through a NAT gateway) and a subnet delegated to
 * PostgreSQL flexible servers. No subnet has default outbound access or
 * accepts inbound traffic from the internet. The other Azure capabilities
 * take their resource group, location, tenant and subscription from it.
 */
export class AzureNetwork extends StrataComponent implements Network {
  readonly cidr: string;
  readonly networkId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** Name of the resource group every Azure building block of this network is placed in. */
  readonly resourceGroupName: pulumi.Output<string>;
  /** Id of that resource group. */
  readonly resourceGroupId: pulumi.Output<string>;
  /** Azure region of the resource group. */
  readonly location: pulumi.Output<string>;
  /** Entra tenant of the deploying identity: key vaults and AKS trust it. */
  readonly tenantId: pulumi.Output<string>;
  /** Subscription the resources are deployed in. */
  readonly subscriptionId: pulumi.Output<string>;
  /** Subnet of the Kubernetes nodes; storage and key vaults admit it through service endpoints. */
  readonly nodeSubnetId: pulumi.Output<string>;
  /** Subnet delegated to PostgreSQL flexible servers. */
  readonly databaseSubnetId: pulumi.Output<string>;
  readonly resourceGroup: ResourceGroup;
  readonly virtualNetwork: VirtualNetwork;
  readonly securityGroup: NetworkSecurityGroup;
  readonly natPublicIp: PublicIPAddress;
  readonly natGateway: NatGateway;
  readonly nodeSubnet: Subnet;
  readonly databaseSubnet: Subnet;

  constructor(name: string, args: AzureNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AzureNetwork" }, name, args, opts, validateAzureNetworkArgs(name, args));
    this.cidr = args.cidr ?? DEFAULT_CIDR;
    const layout = azureSubnetLayout(this.cidr);

    const client = getClientConfigSdk.getClientConfigOutput({ parent: this });
    this.tenantId = client.tenantId;
    this.subscriptionId = client.subscriptionId;

    this.resourceGroup = new resourceGroupSdk.ResourceGroup(this.childName("rg"), { location: args.location }, this.childOptions());
    this.resourceGroupName = this.resourceGroup.name;
    this.resourceGroupId = this.resourceGroup.id;
    this.location = this.resourceGroup.location;
    const placement = { resourceGroupName: this.resourceGroupName, location: this.location };

    this.securityGroup = new networkSecurityGroupSdk.NetworkSecurityGroup(
      this.childName("nsg"),
      {
        ...placement,
        // Azure's default rules already drop internet traffic; stating it keeps a later rule from opening it by accident.
        securityRules: [
          {
            name: "deny-internet-inbound",
            priority: 4096,
            direction: "Inbound",
            access: "Deny",
            protocol: "*",
            sourceAddressPrefix: "Internet",
            sourcePortRange: "*",
            destinationAddressPrefix: "*",
            destinationPortRange: "*",
          },
        ],
      },
      this.childOptions(),
    );

    this.natPublicIp = new publicIPAddressSdk.PublicIPAddress(
      this.childName("nat-ip"),
      {
        ...placement,
        sku: { name: "Standard", tier: "Regional" },
        publicIPAllocationMethod: "Static",
        publicIPAddressVersion: "IPv4",
      },
      this.childOptions(),
    );
    this.natGateway = new natGatewaySdk.NatGateway(
      this.childName("nat"),
      {
        ...placement,
        sku: { name: "Standard" },
        publicIpAddresses: [{ id: this.natPublicIp.id }],
        idleTimeoutInMinutes: 4,
      },
      this.childOptions(),
    );

    // Subnets are separate resources (none inline), so a change to one never rewrites the others.
    this.virtualNetwork = new virtualNetworkSdk.VirtualNetwork(
      this.childName("vnet"),
      {
        ...placement,
        addressSpace: { addressPrefixes: [this.cidr] },
      },
      this.childOptions(),
    );
    const inVnet = { resourceGroupName: this.resourceGroupName, virtualNetworkName: this.virtualNetwork.name };

    this.nodeSubnet = new subnetSdk.Subnet(
      this.childName("nodes"),
      {
        ...inVnet,
        addressPrefix: layout.nodes,
        natGateway: { id: this.natGateway.id },
        networkSecurityGroup: { id: this.securityGroup.id },
        defaultOutboundAccess: false,
        serviceEndpoints: [{ service: "Microsoft.Storage" }, { service: "Microsoft.KeyVault" }],
        // The subnet's security group also filters traffic to private endpoints placed here.
        privateEndpointNetworkPolicies: "Enabled",
      },
      this.childOptions(),
    );
    // Azure serialises changes to the subnets of one VNet; concurrent ones fail.
    this.databaseSubnet = new subnetSdk.Subnet(
      this.childName("database"),
      {
        ...inVnet,
        addressPrefix: layout.database,
        networkSecurityGroup: { id: this.securityGroup.id },
        defaultOutboundAccess: false,
        delegations: [{ name: "postgres-flexible-servers", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }],
      },
      this.childOptions({ dependsOn: [this.nodeSubnet] }),
    );

    this.networkId = this.virtualNetwork.id;
    this.nodeSubnetId = this.nodeSubnet.id;
    this.databaseSubnetId = this.databaseSubnet.id;
    this.privateSubnetIds = pulumi.all([this.nodeSubnet.id, this.databaseSubnet.id]);

    this.finish({
      networkId: this.networkId,
      privateSubnetIds: this.privateSubnetIds,
      cidr: this.cidr,
      resourceGroupName: this.resourceGroupName,
      location: this.location,
      nodeSubnetId: this.nodeSubnetId,
      databaseSubnetId: this.databaseSubnetId,
    });
  }
}

/** Records an issue on `field` unless `network` is an {@link AzureNetwork} (not another cloud's). */
export function azureNetworkIssue(checks: IssueCollector, network: unknown, field = "network"): void {
  if (!(network instanceof AzureNetwork)) {
    checks.add(
      field,
      kindOf(network),
      "is not an AzureNetwork",
      'create the network with the azure capabilities (cloudCapabilities("azure").Network)',
    );
  }
}
