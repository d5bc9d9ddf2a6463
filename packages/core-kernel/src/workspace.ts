import * as path from "node:path";
import { Namespace, ResourceQuota, ServiceAccount } from "@pulumi/kubernetes/core/v1/index.js";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1/index.js";
import { Role, RoleBinding } from "@pulumi/kubernetes/rbac/v1/index.js";
import * as pulumi from "@pulumi/pulumi";
import {
  IssueCollector,
  LocalDirectory,
  StrataComponent,
  type PrimitiveArgs,
  type StrataContext,
  type ValidationIssue,
  kubernetesPlatform,
  onKubernetes,
  platformIssues,
  strataLabels,
  toIdentifier,
} from "@strata/cloud-kernel";

/** Arguments of a {@link Workspace}. */
export interface WorkspaceArgs extends PrimitiveArgs {
  /**
   * Kubernetes targets: what the team's namespace may use in all (ResourceQuota).
   * @default { cpus: 8, memoryMb: 32768, pods: 50 }
   */
  quota?: { cpus?: number; memoryMb?: number; pods?: number };
}

/** What the team's service account may do inside its namespace, and nothing outside it. */
export const WORKSPACE_ROLE_RULES = [
  { apiGroups: [""], resources: ["pods", "pods/log", "services", "configmaps", "persistentvolumeclaims"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["argoproj.io"], resources: ["workflows", "cronworkflows", "workflowtemplates"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
];

export function validateWorkspaceArgs(name: string, args: WorkspaceArgs, context: Pick<StrataContext, "target" | "kubernetes">): ValidationIssue[] {
  const checks = new IssueCollector("Workspace", name);
  for (const [field, min] of [["cpus", 1], ["memoryMb", 256], ["pods", 1]] as const) {
    const value = args.quota?.[field];
    if (value !== undefined && (!Number.isInteger(value) || value < min)) checks.add(`quota.${field}`, value, `is not a whole number >= ${min}`, `give at least ${min}`);
  }
  const namespace = `${context.kubernetes.namespacePrefix}${name}`;
  if (onKubernetes(context.target) && namespace.length > 63) {
    checks.add("name", name, `makes the namespace "${namespace}" longer than 63 characters`, "choose a shorter name or namespace prefix");
  }
  return checks.issues;
}

/**
 * A team's space. On the local target: a private directory
 * `<dataDir>/workspaces/<name>` and a schema prefix `<name>_` for the schemas
 * the team creates. On Kubernetes targets: a namespace `<prefix><name>` with a
 * ResourceQuota, a service account allowed to manage workloads in that
 * namespace only (Role + RoleBinding), and a NetworkPolicy denying all
 * traffic the team does not allow itself (DNS excepted). Its directory or
 * namespace is kept outside dev stacks.
 */
export class Workspace extends StrataComponent {
  /** Local target: absolute path of the team's directory. */
  readonly directory?: pulumi.Output<string>;
  /** Kubernetes targets: the team's namespace. */
  readonly namespace?: pulumi.Output<string>;
  /** Kubernetes targets: the team's service account (in its namespace). */
  readonly serviceAccountName?: pulumi.Output<string>;
  /** Prefix of the team's schemas, e.g. `marketing_`. */
  readonly schemaPrefix: string;

  constructor(name: string, args: WorkspaceArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Workspace" }, name, args, opts, (context) => [
      ...validateWorkspaceArgs(name, args, context),
      ...platformIssues("Workspace", name, context.target),
    ]);
    this.schemaPrefix = `${toIdentifier(name)}_`;
    if (!onKubernetes(this.context.target)) {
      const dir = new LocalDirectory(
        this.childName("directory"),
        { directory: path.join(this.context.dataDir, "workspaces", name) },
        this.statefulChildOptions(),
      );
      this.directory = dir.directory;
      this.finish({ directory: this.directory, schemaPrefix: this.schemaPrefix }, {});
      return;
    }
    const { provider } = kubernetesPlatform()!;
    const labels = strataLabels("Workspace", name);
    const k8s = (extra: pulumi.CustomResourceOptions = {}) => this.childOptions({ provider, ...extra });
    const ns = new Namespace(
      this.childName("namespace"),
      { metadata: { name: `${this.context.kubernetes.namespacePrefix}${name}`, labels } },
      this.statefulChildOptions({ provider }),
    );
    const namespace = ns.metadata.name;
    new ResourceQuota(
      this.childName("quota"),
      {
        metadata: { name: "workspace", namespace, labels },
        spec: {
          hard: {
            "requests.cpu": String(args.quota?.cpus ?? 8),
            "limits.cpu": String(args.quota?.cpus ?? 8),
            "requests.memory": `${args.quota?.memoryMb ?? 32768}Mi`,
            "limits.memory": `${args.quota?.memoryMb ?? 32768}Mi`,
            pods: String(args.quota?.pods ?? 50),
          },
        },
      },
      k8s(),
    );
    const account = new ServiceAccount(
      this.childName("service-account"),
      { metadata: { name, namespace, labels }, automountServiceAccountToken: false },
      k8s(),
    );
    const role = new Role(this.childName("role"), { metadata: { name: "workspace-member", namespace, labels }, rules: WORKSPACE_ROLE_RULES }, k8s());
    new RoleBinding(
      this.childName("role-binding"),
      {
        metadata: { name: "workspace-member", namespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
      },
      k8s(),
    );
    new NetworkPolicy(
      this.childName("default-deny"),
      {
        metadata: { name: "default-deny", namespace, labels },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress", "Egress"],
          // Only name resolution leaves the namespace unless the team allows more.
          egress: [{ ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
        },
      },
      k8s(),
    );
    this.namespace = namespace;
    this.serviceAccountName = account.metadata.name;
    this.finish({ namespace: this.namespace, serviceAccountName: this.serviceAccountName, schemaPrefix: this.schemaPrefix }, {});
  }
}
