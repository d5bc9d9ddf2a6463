import { PolicyPack } from "@pulumi/policy";
import { RULES } from "./rules.js";

/**
 * Strata's security rules as a CrossGuard policy pack, mandatory: run
 * `pulumi preview --policy-pack <this package's folder>` on any stack (ours or a
 * team's own Pulumi program) to block insecure cloud and Kubernetes resources.
 */
export const strataSecurity = new PolicyPack("strata-security", {
  enforcementLevel: "mandatory",
  policies: RULES.map((rule) => ({
    name: rule.name,
    description: rule.description,
    validateResource: (args, reportViolation) => {
      if (!rule.types.includes(args.type)) return;
      for (const problem of rule.check(args.props as Record<string, unknown>)) reportViolation(problem, args.urn);
    },
  })),
});
