import type { Deployment } from "@pulumi/kubernetes/apps/v1/index.js";
import type { HorizontalPodAutoscaler } from "@pulumi/kubernetes/autoscaling/v2/index.js";
import type { Service } from "@pulumi/kubernetes/core/v1/index.js";
import type { Ingress } from "@pulumi/kubernetes/networking/v1/index.js";
import * as pulumi from "@pulumi/pulumi";
import { StrataComponent, type PrimitiveArgs } from "../base/index.js";
import { type Placement, restrictedContainerSecurity, restrictedPodSecurity, awaitAnnotations, strataLabels } from "./placement.js";
import { platformIssues } from "../platform.js";
import { lazyPeer } from "../base/peer.js";
import { TRINO_LOGIN_MOUNTS, trinoLoginVolumes } from "./objects.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const appsV1Sdk = lazyPeer<typeof import("@pulumi/kubernetes/apps/v1/index.js")>(
  "@pulumi/kubernetes",
  "@pulumi/kubernetes/apps/v1/index.js",
);
const autoscalingV2Sdk = lazyPeer<typeof import("@pulumi/kubernetes/autoscaling/v2/index.js")>(
  "@pulumi/kubernetes",
  "@pulumi/kubernetes/autoscaling/v2/index.js",
);
const coreV1Sdk = lazyPeer<typeof import("@pulumi/kubernetes/core/v1/index.js")>(
  "@pulumi/kubernetes",
  "@pulumi/kubernetes/core/v1/index.js",
);
const networkingV1Sdk = lazyPeer<typeof import("@pulumi/kubernetes/networking/v1/index.js")>(
  "@pulumi/kubernetes",
  "@pulumi/kubernetes/networking/v1/index.js",
);

/** An environment variable read from a key of a Kubernetes Secret. */
export interface SecretKeyReference {
  secretName: pulumi.Input<string>;
  key: string;
}

/** Arguments of a {@link ServiceWorkload}. */
export interface ServiceWorkloadArgs extends PrimitiveArgs {
  /** Name of the Kubernetes objects (the primitive's name). */
  objectName: string;
  namespace: pulumi.Input<string>;
  /** Kind of the primitive it serves, for labels (e.g. "Service"). */
  primitive: string;
  image: string;
  port: number;
  command?: string[];
  env: Record<string, pulumi.Input<string>>;
  secretEnv: Record<string, SecretKeyReference>;
  cpus: number;
  memoryMb: number;
  minReplicas: number;
  maxReplicas: number;
  targetCpuPercent: number;
  placement: Placement;
  /** Path answering 200 when the process is ready. */
  healthPath: string;
  /** Host name of an Ingress, if the API is to be reachable from outside the cluster. */
  ingressHost?: string;
  /** Secret holding the Ingress host's TLS certificate. */
  ingressTlsSecret?: string;
  serviceAccountName?: pulumi.Input<string>;
  /** A Cluster login: the service account's projected token bound to the Cluster's audience, and its authority's ConfigMap. */
  trinoLogin?: { tokenAudience: pulumi.Input<string>; caConfigMap: string };
}

/**
 * A long-running API on Kubernetes: Deployment (restricted pod security,
 * placed on its Compute), ClusterIP Service, HorizontalPodAutoscaler, and an
 * Ingress with TLS only when asked for.
 */
export class ServiceWorkload extends StrataComponent {
  readonly deployment: Deployment;
  readonly service: Service;
  readonly autoscaler: HorizontalPodAutoscaler;
  readonly ingress?: Ingress;
  /** `http://<name>.<namespace>.svc.cluster.local:<port>`. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: ServiceWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "ServiceWorkload" }, name, args, opts, (platform) => platformIssues("ServiceWorkload", name, platform));
    const cluster = this.platform.kubernetes!;
    const provider = cluster.provider;
    // Kubernetes objects carry the primitive's name; Pulumi children keep `<resource name>-<role>`.
    const objectName = args.objectName;
    const labels = strataLabels(args.primitive, objectName);
    const selector = { "strata.dev/kind": labels["strata.dev/kind"]!, "strata.dev/name": objectName };
    const resources = { cpu: `${Math.round(args.cpus * 1000)}m`, memory: `${args.memoryMb}Mi` };
    const env = [
      ...Object.entries(args.env).map(([envName, value]) => ({ name: envName, value })),
      ...Object.entries(args.secretEnv).map(([envName, ref]) => ({
        name: envName,
        valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } },
      })),
    ];
    const trinoLogin = args.trinoLogin;
    const login = trinoLogin && {
      volumes: pulumi.output(trinoLogin.tokenAudience).apply((audience) => trinoLoginVolumes(audience, trinoLogin.caConfigMap)),
      volumeMounts: TRINO_LOGIN_MOUNTS,
    };
    this.deployment = new appsV1Sdk.Deployment(
      this.childName("deployment"),
      {
        metadata: { name: objectName, namespace: args.namespace, labels, annotations: awaitAnnotations(cluster.settings.awaitWorkloads) },
        spec: {
          replicas: args.minReplicas,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels },
            spec: {
              ...(args.serviceAccountName === undefined ? {} : { serviceAccountName: args.serviceAccountName }),
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurity(),
              nodeSelector: args.placement.nodeSelector,
              tolerations: args.placement.tolerations,
              containers: [
                {
                  name: "api",
                  image: args.image,
                  ...(args.command === undefined ? {} : { command: args.command }),
                  ports: [{ name: "http", containerPort: args.port }],
                  env,
                  resources: { requests: resources, limits: { memory: resources.memory } },
                  securityContext: restrictedContainerSecurity(),
                  readinessProbe: { httpGet: { path: args.healthPath, port: "http" }, periodSeconds: 5 },
                  livenessProbe: { httpGet: { path: args.healthPath, port: "http" }, periodSeconds: 10, failureThreshold: 6 },
                  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...(login?.volumeMounts ?? [])],
                },
              ],
              volumes: login
                ? login.volumes.apply((volumes) => [{ name: "tmp", emptyDir: {} }, ...volumes])
                : [{ name: "tmp", emptyDir: {} }],
            },
          },
        },
      },
      // The autoscaler owns the replica count once running.
      this.childOptions({ provider, ignoreChanges: ["spec.replicas"] }),
    );
    this.service = new coreV1Sdk.Service(
      this.childName("service"),
      {
        metadata: { name: objectName, namespace: args.namespace, labels },
        spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: args.port, targetPort: "http" }] },
      },
      this.childOptions({ provider }),
    );
    this.autoscaler = new autoscalingV2Sdk.HorizontalPodAutoscaler(
      this.childName("autoscaler"),
      {
        metadata: { name: objectName, namespace: args.namespace, labels },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: objectName },
          minReplicas: args.minReplicas,
          maxReplicas: args.maxReplicas,
          metrics: [
            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.targetCpuPercent } } },
          ],
        },
      },
      this.childOptions({ provider, dependsOn: [this.deployment] }),
    );
    if (args.ingressHost !== undefined) {
      this.ingress = new networkingV1Sdk.Ingress(
        this.childName("ingress"),
        {
          metadata: {
            name: objectName,
            namespace: args.namespace,
            labels,
            annotations: { "nginx.ingress.kubernetes.io/ssl-redirect": "true" },
          },
          spec: {
            tls: [{ hosts: [args.ingressHost], secretName: args.ingressTlsSecret ?? `${objectName}-tls` }],
            rules: [
              {
                host: args.ingressHost,
                http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: objectName, port: { name: "http" } } } }] },
              },
            ],
          },
        },
        this.childOptions({ provider, dependsOn: [this.service] }),
      );
    }
    this.url = pulumi.interpolate`http://${objectName}.${args.namespace}.svc.cluster.local:${args.port}`;
    this.finish({ url: this.url });
  }
}
