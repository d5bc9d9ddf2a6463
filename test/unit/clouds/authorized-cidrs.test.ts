// Every rule about who may reach a cloud cluster's public Kubernetes API
// (`authorizedCidrs`), on each cloud's KubernetesCluster validator and on the
// stack config that feeds it (`strata:authorizedCidrs`): exact messages.
import { describe, expect, test } from "vitest";

const kernel = await import("@strata/cloud-kernel");

const validators = {
  AwsKubernetesCluster: kernel.aws.validateAwsKubernetesClusterArgs,
  GcpKubernetesCluster: kernel.gcp.validateGcpKubernetesClusterArgs,
  AzureKubernetesCluster: kernel.azure.validateAzureKubernetesClusterArgs,
} as const;

type Case = [description: string, args: { privateEndpoint?: boolean; authorizedCidrs?: string[] }, messages: string[]];

const EMPTY =
  "authorizedCidrs=[] is empty for a public endpoint, which would open it to the whole internet. " +
  'Fix: list the CIDRs allowed to reach the API, e.g. ["203.0.113.0/24"], or keep privateEndpoint: true';
const notACidr = (field: string, value: string) =>
  `${field}=${JSON.stringify(value)} is not an IPv4 CIDR with its host bits zero. Fix: give a range such as "203.0.113.0/24"`;

const cases: Case[] = [
  ["a public endpoint with an empty list", { privateEndpoint: false, authorizedCidrs: [] }, [EMPTY]],
  ["a public endpoint without a list", { privateEndpoint: false }, [EMPTY]],
  [
    "a /0 range",
    { privateEndpoint: false, authorizedCidrs: ["0.0.0.0/0"] },
    [
      'authorizedCidrs[0]="0.0.0.0/0" opens the Kubernetes API to the whole internet. ' +
        "Fix: list only the ranges of your offices, VPNs or CI runners",
    ],
  ],
  [
    "a range with host bits set",
    { privateEndpoint: false, authorizedCidrs: ["203.0.113.0/24", "10.1.2.3/16"] },
    [notACidr("authorizedCidrs[1]", "10.1.2.3/16")],
  ],
  ["not a CIDR", { privateEndpoint: false, authorizedCidrs: ["office"] }, [notACidr("authorizedCidrs[0]", "office")]],
  ["an IPv6 range", { privateEndpoint: false, authorizedCidrs: ["::/0"] }, [notACidr("authorizedCidrs[0]", "::/0")]],
  [
    "a list with a private endpoint (the default)",
    { authorizedCidrs: ["203.0.113.0/24"] },
    [
      'authorizedCidrs=["203.0.113.0/24"] only applies to a public endpoint. ' +
        "Fix: set privateEndpoint: false, or leave authorizedCidrs out",
    ],
  ],
  [
    "valid ranges with a public endpoint",
    { privateEndpoint: false, authorizedCidrs: ["203.0.113.0/24", "198.51.100.128/25", "192.0.2.10/32"] },
    [],
  ],
  ["a private endpoint without a list", { privateEndpoint: true }, []],
];

describe.each(Object.entries(validators))("%s: authorizedCidrs", (primitive, validate) => {
  test.each(cases)("%s", (_description, args, messages) => {
    // Only the endpoint rules: the fake network draws an issue of its own on GCP and Azure.
    const issues = validate("k8s", { network: {} as never, ...args }).filter((issue) => issue.field.startsWith("authorizedCidrs"));
    expect(issues.map(kernel.formatIssue)).toEqual(messages.map((m) => `${primitive} "k8s": ${m}`));
  });
});

describe("strata:authorizedCidrs (stack config of a cloud target)", () => {
  const context = kernel.contextFromConfig({ get: (key) => ({ target: "aws", environment: "dev" })[key] }, "strata-test", "dev");
  const fromConfig = (value: string) =>
    kernel.foundationArgsFromConfig("platform", context, {
      get: (key) => ({ authorizedCidrs: value, privateEndpoint: "false" })[key],
      getSecret: () => undefined,
    });

  test("a JSON list of strings reaches the cluster's arguments as it is", () => {
    expect(fromConfig('["203.0.113.0/24"]')).toEqual({ args: { privateEndpoint: false, authorizedCidrs: ["203.0.113.0/24"] }, issues: [] });
  });

  test.each(["203.0.113.0/24", '"203.0.113.0/24"', "[1, 2]", "{}"])("%s is refused", (value) => {
    const { issues } = fromConfig(value);
    expect(issues.map(kernel.formatIssue)).toEqual([
      `PlatformFoundation "platform": strata:authorizedCidrs=${JSON.stringify(value)} is not a JSON list of CIDRs. ` +
        'Fix: give e.g. ["203.0.113.0/24"]',
    ]);
  });
});
