import type * as pulumi from "@pulumi/pulumi";
import {
  IssueCollector,
  type LocalDirectory,
  StrataComponent,
  type PrimitiveArgs,
  type StrataContext,
  type ValidationIssue,
  type workspaceNamespace,
  onKubernetes,
  platformIssues,
  toIdentifier,
} from "@strata/cloud-kernel";
import { deployWorkspaceOnKubernetes } from "./kubernetes.js";
import { deployWorkspaceLocally } from "./local.js";

/** Arguments of a {@link Workspace}. */
export interface WorkspaceArgs extends PrimitiveArgs {
  /**
   * Kubernetes targets: what the team's namespace may use in all (ResourceQuota).
   * @default { cpus: 8, memoryMb: 32768, pods: 50 }
   */
  quota?: { cpus?: number; memoryMb?: number; pods?: number };
}

export function validateWorkspaceArgs(
  name: string,
  args: WorkspaceArgs,
  context: Pick<StrataContext, "target" | "kubernetes">,
): ValidationIssue[] {
  const checks = new IssueCollector("Workspace", name);
  for (const [field, min] of [
    ["cpus", 1],
    ["memoryMb", 256],
    ["pods", 1],
  ] as const) {
    const value = args.quota?.[field];
    if (value !== undefined && (!Number.isInteger(value) || value < min))
      checks.add(`quota.${field}`, value, `is not a whole number >= ${min}`, `give at least ${min}`);
  }
  const namespace = `${context.kubernetes.namespacePrefix}${name}`;
  if (onKubernetes(context.target) && namespace.length > 63) {
    checks.add("name", name, `makes the namespace "${namespace}" longer than 63 characters`, "choose a shorter name or namespace prefix");
  }
  return checks.issues;
}

/** What a Workspace is made of on its target (the escape hatch). */
export type WorkspaceNative =
  /** Local: the team's private folder. */
  | { kind: "local"; directory: LocalDirectory }
  /** Kubernetes targets: the namespace and its quota, service account, RBAC and default-deny NetworkPolicy. */
  | ({ kind: "kubernetes" } & ReturnType<typeof workspaceNamespace>);

/**
 * A team's space. On the local target: a private directory
 * `<dataDir>/workspaces/<name>` (local.ts). On Kubernetes targets: a
 * namespace `<prefix><name>` with a ResourceQuota, a service account allowed
 * to manage workloads in that namespace only (Role + RoleBinding), and a
 * NetworkPolicy denying all traffic the team does not allow itself, DNS
 * excepted (kubernetes.ts). Either way a schema prefix `<name>_` for the
 * schemas the team creates; the folder or namespace is kept outside dev stacks.
 */
export class Workspace extends StrataComponent {
  /** Where the team's things live: its folder (local) or its namespace (Kubernetes targets). */
  readonly location: pulumi.Output<string>;
  /** Prefix of the team's schemas, e.g. `marketing_`. */
  readonly schemaPrefix: string;
  /** What it is made of on its target (escape hatch). */
  readonly native: WorkspaceNative;

  constructor(name: string, args: WorkspaceArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Workspace" }, name, args, opts, (platform) => [
      ...validateWorkspaceArgs(name, args, platform.context),
      ...platformIssues("Workspace", name, platform),
    ]);
    this.schemaPrefix = `${toIdentifier(name)}_`;
    const deployed = onKubernetes(this.context.target)
      ? deployWorkspaceOnKubernetes(this.childFactory(), name, args)
      : deployWorkspaceLocally(this.childFactory(), name);
    this.location = deployed.location;
    this.native = deployed.native;
    this.finish({ location: this.location, schemaPrefix: this.schemaPrefix }, {});
  }
}
