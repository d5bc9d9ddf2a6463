import * as pulumi from "@pulumi/pulumi";
import {
  type ChildFactory,
  HTTPS_PORT,
  ServiceWorkload,
  TRINO_CA_DIRECTORY,
  TRINO_TOKEN_DIRECTORY,
  clusterClientObjects,
  egressPolicy,
  strataLabels,
  tolerationsFor,
  trinoPodLabels,
} from "@strata/core-kernel";
import { type ServiceArgs, type ServiceNative, serviceUser } from "./index.js";

/**
 * Kubernetes targets: a Deployment (restricted pod security, placed on its
 * Compute's nodes, secrets as environment references), a ClusterIP
 * Service, a HorizontalPodAutoscaler and, when asked for, a TLS Ingress, in
 * its Workspace's namespace (with its service account) or the platform's.
 * With a `cluster`, it runs as a service account of its own whose projected
 * token, bound to the Cluster, is its login, and its Workspace lets its pods
 * reach the Cluster's Trino.
 */
export function deployServiceOnKubernetes(
  children: ChildFactory,
  name: string,
  args: ServiceArgs,
): { url: pulumi.Output<string>; native: ServiceNative } {
  const platform = children.platform;
  const cluster = platform.kubernetes!;
  const settings = platform.context.kubernetes;
  const replicas = args.replicas ?? { min: 2, max: 5 };
  const workspace = args.workspace?.native.kind === "kubernetes" ? args.workspace.native : undefined;
  const namespace = args.workspace?.location ?? cluster.namespace;
  const labels = strataLabels("Service", name);
  // The pods' labels the workload's objects select on.
  const podLabels = { "strata.dev/kind": labels["strata.dev/kind"]!, "strata.dev/name": name };
  const trino = args.cluster;
  const login = trino?.workloadLogin;
  const loginObjects: pulumi.Resource[] = [];
  let account: pulumi.Input<string> | undefined = workspace?.account.metadata.name;
  let trinoEnv: Record<string, pulumi.Input<string>> = {};
  let trinoLogin: { tokenAudience: pulumi.Input<string>; caConfigMap: string } | undefined;
  if (trino && login) {
    const user = serviceUser(name);
    const own = clusterClientObjects(children, trino, { user, primitive: "Service", name, namespace, labels, podLabels });
    account = own.account.metadata.name;
    loginObjects.push(own.account, own.ca);
    trinoLogin = { tokenAudience: own.tokenAudience, caConfigMap: own.caConfigMap };
    trinoEnv = {
      STRATA_TRINO_SERVER: trino.endpoint,
      STRATA_TRINO_USER: user,
      STRATA_TRINO_TOKEN_FILE: `${TRINO_TOKEN_DIRECTORY}/token`,
      STRATA_TRINO_CA_FILE: `${TRINO_CA_DIRECTORY}/ca.crt`,
    };
    // A Workspace lets only DNS out: its pods may also reach the Cluster's Trino.
    if (workspace)
      loginObjects.push(
        egressPolicy(children, "egress", {
          meta: { name: `service-${name}`, namespace, labels },
          podLabels,
          toPods: [{ namespace: cluster.namespace, labels: trinoPodLabels(trino.resourceName), port: HTTPS_PORT }],
        }),
      );
  }
  const workload = new ServiceWorkload(
    children.name("workload"),
    {
      platform,
      primitive: "Service",
      objectName: name,
      namespace,
      // Validated: Kubernetes targets require an image.
      image: args.image!,
      port: args.port ?? 8080,
      ...(args.command === undefined ? {} : { command: args.command }),
      env: { ...(args.env ?? {}), ...trinoEnv },
      secretEnv: Object.fromEntries(
        Object.entries(args.secrets ?? {}).map(([key, secret]) => {
          if (secret.native.kind !== "kubernetes") throw new Error(`Secret "${secret.resourceName}" is not a Kubernetes Secret`);
          return [key, { secretName: secret.native.secret.metadata.name, key: "value" }];
        }),
      ),
      cpus: args.cpus ?? 0.5,
      memoryMb: args.memoryMb ?? 512,
      minReplicas: replicas.min,
      maxReplicas: replicas.max,
      targetCpuPercent: args.targetCpuPercent ?? 70,
      placement: args.compute?.placement ?? { nodeSelector: settings.nodeSelector, tolerations: tolerationsFor(settings.tolerations) },
      healthPath: args.healthPath ?? "/healthz",
      ...(args.ingress === undefined
        ? {}
        : { ingressHost: args.ingress.host, ...(args.ingress.tlsSecretName ? { ingressTlsSecret: args.ingress.tlsSecretName } : {}) }),
      ...(account === undefined ? {} : { serviceAccountName: account }),
      ...(trinoLogin ? { trinoLogin } : {}),
    },
    children.options({ dependsOn: [...Object.values(args.secrets ?? {}), ...loginObjects] }),
  );
  return { url: workload.url, native: { kind: "kubernetes", workload } };
}
