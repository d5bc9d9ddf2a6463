import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type ValidationIssue } from "../base/index.js";
import type { Network, NetworkArgs } from "../capabilities.js";

/** The only range the local target uses. */
const LOOPBACK = "127.0.0.0/8";

export function validateLoopbackNetworkArgs(name: string, args: NetworkArgs): ValidationIssue[] {
  const checks = new IssueCollector("LoopbackNetwork", name);
  if (args.cidr !== undefined && args.cidr !== LOOPBACK) {
    checks.add(
      "cidr",
      args.cidr,
      "is not the loopback range: local engines listen on 127.0.0.1 only",
      `leave cidr out, or give "${LOOPBACK}"`,
    );
  }
  return checks.issues;
}

/**
 * The Network capability on the local target: loopback. Every local engine
 * listens on 127.0.0.1 only, so nothing is reachable from another machine;
 * there are no subnets and nothing is created.
 */
export class LoopbackNetwork extends StrataComponent implements Network {
  readonly networkId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly cidr: string;

  constructor(name: string, args: NetworkArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "LoopbackNetwork" }, name, args, opts, validateLoopbackNetworkArgs(name, args));
    this.networkId = pulumi.output("loopback");
    this.privateSubnetIds = pulumi.output([]);
    this.cidr = LOOPBACK;
    this.finish({ networkId: this.networkId, cidr: this.cidr });
  }
}
