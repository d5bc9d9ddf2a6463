import type * as pulumi from "@pulumi/pulumi";
import { type ChildFactory, ServiceWorkload, tolerationsFor } from "@strata/core-kernel";
import type { ServiceArgs, ServiceNative } from "./index.js";

/**
 * Kubernetes targets: a Deployment (restricted pod security, placed on its
 * Compute's nodes, secrets as environment references), a ClusterIP
 * Service, a HorizontalPodAutoscaler and, when asked for, a TLS Ingress, in
 * its Workspace's namespace (with its service account) or the platform's.
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
  const workload = new ServiceWorkload(
    children.name("workload"),
    {
      platform,
      primitive: "Service",
      objectName: name,
      namespace: args.workspace?.location ?? cluster.namespace,
      // Validated: Kubernetes targets require an image.
      image: args.image!,
      port: args.port ?? 8080,
      ...(args.command === undefined ? {} : { command: args.command }),
      env: args.env ?? {},
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
      ...(workspace ? { serviceAccountName: workspace.account.metadata.name } : {}),
    },
    children.options({ dependsOn: Object.values(args.secrets ?? {}) }),
  );
  return { url: workload.url, native: { kind: "kubernetes", workload } };
}
