import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type PrimitiveArgs, type ValidationIssue } from "@strata/cloud-kernel";
import { type AccessRule, type ColumnMask, type PolicySpec, type RowFilter, compilePolicies } from "./compile.js";

/** Arguments of a {@link Policy}. Depot names are catalog names, as in SQL. */
export interface PolicyArgs extends PrimitiveArgs {
  /** Access policies: users and groups -> allow or deny on a depot, schema or table. @default [] */
  access?: AccessRule[];
  /** Data policies: column masks. @default [] */
  masks?: ColumnMask[];
  /** Data policies: row filters. @default [] */
  filters?: RowFilter[];
}

/**
 * Checks what can be checked without the Cluster's depots (subjects,
 * identifiers, access levels); the Cluster checks depot names and that masked
 * tables are granted. Pure.
 */
export function validatePolicyArgs(name: string, args: PolicyArgs): ValidationIssue[] {
  const checks = new IssueCollector("Policy", name);
  const rules = (args.access?.length ?? 0) + (args.masks?.length ?? 0) + (args.filters?.length ?? 0);
  if (rules === 0)
    checks.add("access", args.access, "is empty, and so are masks and filters", "give at least one rule, or drop the Policy");
  // Compile against a stand-in for every named depot: only problems that do not depend on depots remain.
  const named = [...(args.access ?? []), ...(args.masks ?? []), ...(args.filters ?? [])].map((r) => r.depot);
  const depots = [...new Set(named.filter((d) => typeof d === "string"))].map((d) => ({ name: d, catalog: d }));
  const { problems } = compilePolicies([{ name, ...args }], depots);
  for (const p of problems.filter((p) => p.scope === "rule")) checks.add(p.field, p.value, p.problem, p.fix);
  return checks.issues;
}

/**
 * Rules for who may see what: access policies (allow/deny on depots, schemas,
 * tables) and data policies (column masks, row filters). A Cluster given the
 * policy compiles all of its policies into Trino's file-based access control
 * (first match wins; anything not allowed is denied) and reloads them
 * without a restart.
 *
 * @example
 * new Policy("analysts", {
 *   access: [{ groups: ["analysts"], depot: "warehouse", access: "read" }],
 *   masks: [{ groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", column: "email", mask: "email" }],
 * });
 */
export class Policy extends StrataComponent {
  /** The rules, as the Cluster compiles them. */
  readonly spec: PolicySpec;

  constructor(name: string, args: PolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Policy" }, name, args, opts, validatePolicyArgs(name, args));
    this.spec = { name, access: args.access ?? [], masks: args.masks ?? [], filters: args.filters ?? [] };
    const depots = [...this.spec.access!, ...this.spec.masks!, ...this.spec.filters!].map((r) => `strata://${r.depot}`);
    this.finish({}, { inputs: [...new Set(depots)] });
  }
}
