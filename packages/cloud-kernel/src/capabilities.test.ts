import { describe, expect, test } from "vitest";
import { IssueCollector } from "./base/index.js";
import { type NodePoolArgs, nodePoolIssues, smallestMachine } from "./capabilities.js";
import { formatCidr, hasHostBits, overlaps, parseCidr, subnetCidr, within } from "./cidr.js";

const MACHINES = [
  { name: "small", cpus: 2, memoryMb: 8192 },
  { name: "large", cpus: 8, memoryMb: 32768 },
];
const good = {
  cluster: {},
  network: {},
  cpus: 4,
  memoryMb: 16384,
  minNodes: 1,
  maxNodes: 3,
  labels: { "strata.dev/compute": "a" },
  taints: [{ key: "strata.dev/compute", value: "a", effect: "NoSchedule" }],
} as unknown as NodePoolArgs;

function issues(args: Partial<NodePoolArgs>) {
  const checks = new IssueCollector("XNodePool", "pool");
  nodePoolIssues(checks, { ...good, ...args } as NodePoolArgs, MACHINES);
  return checks.issues.map((i) => `${i.field}: ${i.problem}`);
}

describe("nodePoolIssues", () => {
  test("accepts sizes a machine fits, valid labels and taints", () => {
    expect(issues({})).toEqual([]);
    expect(smallestMachine(MACHINES, 4, 16384)?.name).toBe("large");
  });

  test("names every bad field", () => {
    expect(issues({ cpus: 0, memoryMb: 1.5 })).toEqual(["cpus: is not a whole number >= 1", "memoryMb: is not a whole number >= 1"]);
    expect(issues({ minNodes: 4, maxNodes: 3 })).toEqual(["minNodes: is more than maxNodes (3)"]);
    expect(issues({ cpus: 16 })).toEqual(["cpus: fits no machine type"]);
    expect(issues({ cluster: undefined, network: undefined })).toEqual(["cluster: is missing", "network: is missing"]);
    expect(issues({ labels: { "bad key!": "x" } })).toEqual(["labels.bad key!: is not a valid Kubernetes label key"]);
    expect(issues({ taints: [{ key: "k", value: "not valid!", effect: "Sometimes" as "NoSchedule" }] })).toEqual([
      "taints[0]: is not a valid Kubernetes taint value",
      "taints[0].effect: is not a taint effect",
    ]);
  });
});

describe("CIDR arithmetic", () => {
  test("parses, formats and carves blocks", () => {
    const block = parseCidr("10.40.0.0/16")!;
    expect(block).toEqual({ base: 10 * 2 ** 24 + 40 * 2 ** 16, prefix: 16 });
    expect(parseCidr("10.40.0.0/33")).toBeUndefined();
    expect(parseCidr("256.0.0.0/8")).toBeUndefined();
    expect(formatCidr(block.base, 16)).toBe("10.40.0.0/16");
    expect(subnetCidr(block, 18, 3)).toBe("10.40.192.0/18");
    expect(subnetCidr(parseCidr("10.40.1.0/16")!, 16, 0)).toBe("10.40.0.0/16");
  });

  test("host bits, overlap and containment", () => {
    expect(hasHostBits(parseCidr("10.40.1.0/16")!)).toBe(true);
    expect(hasHostBits(parseCidr("10.40.0.0/16")!)).toBe(false);
    expect(overlaps(parseCidr("10.40.0.0/16")!, parseCidr("10.40.128.0/17")!)).toBe(true);
    expect(overlaps(parseCidr("10.40.0.0/16")!, parseCidr("10.41.0.0/16")!)).toBe(false);
    expect(within(parseCidr("10.40.0.0/16")!, parseCidr("10.0.0.0/8")!)).toBe(true);
    expect(within(parseCidr("10.0.0.0/8")!, parseCidr("10.40.0.0/16")!)).toBe(false);
    expect(within(parseCidr("192.168.0.0/24")!, parseCidr("10.0.0.0/8")!)).toBe(false);
  });
});
