// Builders of the Kubernetes objects primitives place on the platform's
// cluster. Each creates its objects as children of the primitive (through
// its child factory, with the cluster's provider), so child names and URNs
// are the primitive's own.
import type { ConfigMap, Secret as KubernetesSecret } from "@pulumi/kubernetes/core/v1/index.js";
import type { NetworkPolicy } from "@pulumi/kubernetes/networking/v1/index.js";
import type { CustomResource, CustomResourceArgs } from "@pulumi/kubernetes/apiextensions/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { ChildFactory } from "../base/index.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const coreV1Sdk = lazyPeer<typeof import("@pulumi/kubernetes/core/v1/index.js")>(
  "@pulumi/kubernetes",
  "@pulumi/kubernetes/core/v1/index.js",
);
const networkingV1Sdk = lazyPeer<typeof import("@pulumi/kubernetes/networking/v1/index.js")>(
  "@pulumi/kubernetes",
  "@pulumi/kubernetes/networking/v1/index.js",
);
const rbacV1Sdk = lazyPeer<typeof import("@pulumi/kubernetes/rbac/v1/index.js")>(
  "@pulumi/kubernetes",
  "@pulumi/kubernetes/rbac/v1/index.js",
);
const apiextensionsSdk = lazyPeer<typeof import("@pulumi/kubernetes/apiextensions/index.js")>(
  "@pulumi/kubernetes",
  "@pulumi/kubernetes/apiextensions/index.js",
);

/** An object's name, namespace and labels. */
export interface ObjectMeta {
  name: pulumi.Input<string>;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
}

function withProvider(children: ChildFactory, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
  return children.options({ provider: children.platform.kubernetes!.provider, ...extra });
}

/** An Opaque Secret (child role `role`); the data stays a Pulumi secret. */
export function secretObject(
  children: ChildFactory,
  role: string,
  meta: ObjectMeta,
  stringData: pulumi.Input<Record<string, pulumi.Input<string>>>,
): KubernetesSecret {
  return new coreV1Sdk.Secret(
    children.name(role),
    { metadata: meta, type: "Opaque", stringData: pulumi.secret(stringData) },
    withProvider(children),
  );
}

/** A ConfigMap (child role `role`), updated in place by the platform's provider. */
export function configMapObject(
  children: ChildFactory,
  role: string,
  meta: ObjectMeta,
  data: pulumi.Input<Record<string, pulumi.Input<string>>>,
): ConfigMap {
  return new coreV1Sdk.ConfigMap(children.name(role), { metadata: meta, data }, withProvider(children));
}

/** What the team's service account may do inside its namespace, and nothing outside it. */
export const WORKSPACE_ROLE_RULES = [
  {
    apiGroups: [""],
    resources: ["pods", "pods/log", "services", "configmaps", "persistentvolumeclaims"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] },
  {
    apiGroups: ["apps"],
    resources: ["deployments", "statefulsets"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  // What Argo's executor does as the pod's service account when a Workflow runs in the namespace, and
  // what an exit handler does to start the workflows that run after it.
  { apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"] },
  { apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["create"] },
  {
    apiGroups: ["argoproj.io"],
    resources: ["workflows", "cronworkflows", "workflowtemplates"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
];

/** A team's namespace and what comes with it. */
export interface WorkspaceNamespaceArgs {
  /** Namespace and service-account name. */
  namespace: string;
  /** The service account's name. */
  serviceAccount: string;
  labels: Record<string, string>;
  quota: { cpus: number; memoryMb: number; pods: number };
}

/**
 * A team's namespace (data-bearing: protected and retained outside dev
 * stacks) with a ResourceQuota, a service account allowed to manage
 * workloads in that namespace only (Role + RoleBinding), and a NetworkPolicy
 * denying all traffic the team does not allow itself (DNS excepted).
 * Child roles: namespace, quota, service-account, role, role-binding, default-deny.
 */
export function workspaceNamespace(children: ChildFactory, args: WorkspaceNamespaceArgs) {
  const provider = children.platform.kubernetes!.provider;
  const labels = args.labels;
  const namespaceObject = new coreV1Sdk.Namespace(
    children.name("namespace"),
    { metadata: { name: args.namespace, labels } },
    children.statefulOptions({ provider }),
  );
  const namespace = namespaceObject.metadata.name;
  const quota = new coreV1Sdk.ResourceQuota(
    children.name("quota"),
    {
      metadata: { name: "workspace", namespace, labels },
      spec: {
        hard: {
          "requests.cpu": String(args.quota.cpus),
          "limits.cpu": String(args.quota.cpus),
          "requests.memory": `${args.quota.memoryMb}Mi`,
          "limits.memory": `${args.quota.memoryMb}Mi`,
          pods: String(args.quota.pods),
        },
      },
    },
    withProvider(children),
  );
  const account = new coreV1Sdk.ServiceAccount(
    children.name("service-account"),
    { metadata: { name: args.serviceAccount, namespace, labels }, automountServiceAccountToken: false },
    withProvider(children),
  );
  const role = new rbacV1Sdk.Role(
    children.name("role"),
    { metadata: { name: "workspace-member", namespace, labels }, rules: WORKSPACE_ROLE_RULES },
    withProvider(children),
  );
  const binding = new rbacV1Sdk.RoleBinding(
    children.name("role-binding"),
    {
      metadata: { name: "workspace-member", namespace, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
    },
    withProvider(children),
  );
  const defaultDeny = new networkingV1Sdk.NetworkPolicy(
    children.name("default-deny"),
    {
      metadata: { name: "default-deny", namespace, labels },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        // Only name resolution leaves the namespace unless the team allows more.
        egress: [
          {
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      },
    },
    withProvider(children),
  );
  return { namespace: namespaceObject, quota, account, role, binding, defaultDeny };
}

/** Where a workload's pods may connect beyond DNS: pods of another namespace, and addresses (the API server's). */
export interface EgressPolicyArgs {
  meta: ObjectMeta;
  /** Labels of the pods it applies to. */
  podLabels: Record<string, string>;
  /** Pods by namespace and labels, on one TCP port. */
  toPods?: { namespace: pulumi.Input<string>; labels: Record<string, string>; port: number }[];
  /** Addresses (each a /32 or /128) on TCP ports. */
  toAddresses?: pulumi.Input<{ cidrs: string[]; ports: number[] }>;
}

/**
 * A NetworkPolicy adding egress for some pods of a namespace whose
 * default-deny policy lets only DNS out (NetworkPolicies add up): exactly
 * the given pods and addresses, on the given ports.
 */
export function egressPolicy(children: ChildFactory, role: string, args: EgressPolicyArgs): NetworkPolicy {
  const namespaces = pulumi.all((args.toPods ?? []).map((p) => pulumi.output(p.namespace)));
  const addresses = pulumi.output(args.toAddresses ?? { cidrs: [], ports: [] });
  const egress = pulumi.all([addresses, namespaces]).apply(([addresses, namespaces]) => [
    ...(args.toPods ?? []).map((p, i) => ({
      to: [
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespaces[i]! } }, podSelector: { matchLabels: p.labels } },
      ],
      ports: [{ protocol: "TCP", port: p.port }],
    })),
    ...(addresses.cidrs.length > 0
      ? [{ to: addresses.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: addresses.ports.map((port) => ({ protocol: "TCP", port })) }]
      : []),
  ]);
  return new networkingV1Sdk.NetworkPolicy(
    children.name(role),
    { metadata: args.meta, spec: { podSelector: { matchLabels: args.podLabels }, policyTypes: ["Egress"], egress } },
    withProvider(children),
  );
}

/** Pods allowed in: by namespace and labels, on one TCP port. */
export interface IngressSource {
  namespace: string;
  labels: Record<string, string>;
}

/**
 * A NetworkPolicy admitting into some pods only the given pods (each by its
 * namespace's name and its own labels), on the given TCP ports: everything
 * else is denied, whatever other namespace it comes from.
 */
export function ingressPolicy(
  children: ChildFactory,
  role: string,
  args: { meta: ObjectMeta; podLabels: Record<string, string>; from: pulumi.Input<IngressSource[]>; ports: number[] },
): NetworkPolicy {
  const ingress = pulumi.output(args.from).apply((from) =>
    from.length === 0
      ? []
      : [
          {
            from: from.map((source) => ({
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": source.namespace } },
              podSelector: { matchLabels: source.labels },
            })),
            ports: args.ports.map((port) => ({ protocol: "TCP", port })),
          },
        ],
  );
  return new networkingV1Sdk.NetworkPolicy(
    children.name(role),
    { metadata: args.meta, spec: { podSelector: { matchLabels: args.podLabels }, policyTypes: ["Ingress"], ingress } },
    withProvider(children),
  );
}

/**
 * Lets anyone read the API server's service-account issuer discovery (its
 * OpenID configuration and public keys, `/openid/v1/jwks`): what a server
 * that checks workloads' tokens fetches without credentials of its own.
 * Only public keys are served there.
 */
export function issuerDiscoveryBinding(children: ChildFactory, role: string, name: pulumi.Input<string>, labels: Record<string, string>) {
  return new rbacV1Sdk.ClusterRoleBinding(
    children.name(role),
    {
      metadata: { name, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:service-account-issuer-discovery" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:unauthenticated" }],
    },
    withProvider(children),
  );
}

/** Grants a Role of the namespace to a service account of the same namespace. */
export function roleBinding(
  children: ChildFactory,
  role: string,
  meta: ObjectMeta,
  roleName: pulumi.Input<string>,
  account: pulumi.Input<string>,
) {
  return new rbacV1Sdk.RoleBinding(
    children.name(role),
    {
      metadata: meta,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
      subjects: [{ kind: "ServiceAccount", name: account, namespace: meta.namespace }],
    },
    withProvider(children),
  );
}

/** Where a workload's pods find their token for a Cluster and the Cluster's certificate authority. */
export const TRINO_TOKEN_DIRECTORY = "/var/run/secrets/strata/trino";
export const TRINO_CA_DIRECTORY = "/etc/strata/trino-ca";
/** A token lives an hour; the kubelet renews it before that. */
const TOKEN_SECONDS = 3600;

/** Where a workload's containers mount the volumes of {@link trinoLoginVolumes}. */
export const TRINO_LOGIN_MOUNTS = [
  { name: "strata-trino-token", mountPath: TRINO_TOKEN_DIRECTORY, readOnly: true },
  { name: "strata-trino-ca", mountPath: TRINO_CA_DIRECTORY, readOnly: true },
];

/**
 * The volumes of a workload that logs in to a Cluster: a projected token of
 * the pod's service account bound to the Cluster's audience
 * (`<TRINO_TOKEN_DIRECTORY>/token`), and the Cluster's authority from a
 * ConfigMap of the workload's namespace (`<TRINO_CA_DIRECTORY>/ca.crt`).
 */
export function trinoLoginVolumes(tokenAudience: string, caConfigMap: string) {
  return [
    {
      name: "strata-trino-token",
      projected: { sources: [{ serviceAccountToken: { audience: tokenAudience, expirationSeconds: TOKEN_SECONDS, path: "token" } }] },
    },
    { name: "strata-trino-ca", configMap: { name: caConfigMap } },
  ];
}

/** A service account whose token is never mounted on its own: its pods get a projected, audience-bound one. */
export function workloadServiceAccount(children: ChildFactory, role: string, meta: ObjectMeta) {
  return new coreV1Sdk.ServiceAccount(children.name(role), { metadata: meta, automountServiceAccountToken: false }, withProvider(children));
}

/** An object of a custom resource type (e.g. Argo's WorkflowTemplate), child role `role`, whose CRD the cluster already has. */
export function customObject(
  children: ChildFactory,
  role: string,
  object: { apiVersion: string; kind: string; metadata: ObjectMeta; spec: pulumi.Input<unknown> },
  extra: pulumi.CustomResourceOptions = {},
): CustomResource {
  const args: CustomResourceArgs & { spec: pulumi.Input<unknown> } = { ...object };
  return new apiextensionsSdk.CustomResource(children.name(role), args, withProvider(children, extra));
}
