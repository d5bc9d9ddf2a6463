import type * as pulumi from "@pulumi/pulumi";
import type { LocalProcess } from "@strata/core-kernel";
import {
  Cluster,
  type Compute,
  IssueCollector,
  type PrimitiveArgs,
  Secret,
  type ServiceWorkload,
  StrataComponent,
  type StrataContext,
  type ValidationIssue,
  type Workspace,
  onKubernetes,
  platformIssues,
  primitiveAddress,
} from "@strata/core-kernel";
import { deployServiceOnKubernetes } from "./kubernetes.js";
import { deployServiceLocally } from "./local.js";

/** Arguments of a {@link Service}. */
export interface ServiceArgs extends PrimitiveArgs {
  /** Kubernetes targets: the container image, pinned by tag or digest (e.g. "ghcr.io/acme/orders-api:1.4.2"). */
  image?: string;
  /**
   * Port the process listens on. @default 8080 (Kubernetes); a free port (local, given to the
   * program as `PORT`; it must listen on 127.0.0.1)
   */
  port?: number;
  /**
   * Kubernetes targets: the command, replacing the image's entrypoint. Local target (required): the
   * program and its arguments, e.g. `["/usr/bin/python3", "api.py"]` (an absolute program path).
   * @default the image's (Kubernetes)
   */
  command?: string[];
  /** Local target: the directory the program runs in. @default its folder in the stack's data directory */
  workingDir?: string;
  /** Local target: seconds to wait for the health check before failing. @default 120 */
  startTimeoutSeconds?: number;
  /** Local target: any change of this value restarts the program (e.g. a hash of its configuration). @default "" */
  restartTrigger?: pulumi.Input<string>;
  /** Local target: resources the program needs running first (e.g. the Cluster it queries). @default [] */
  dependsOn?: pulumi.Resource[];
  /** Path answering 200 when the process is ready (readiness and liveness probes). @default "/healthz" */
  healthPath?: string;
  /** Plain environment variables. Never put credentials here: use `secrets`. @default {} */
  env?: Record<string, string>;
  /** Environment variables read from Secrets (which must be in the same Workspace). @default {} */
  secrets?: Record<string, Secret>;
  /** Replicas: the autoscaler keeps between min and max. @default { min: 2, max: 5 } */
  replicas?: { min: number; max: number };
  /** Average CPU use (percent of the request) the autoscaler aims for. @default 70 */
  targetCpuPercent?: number;
  /** CPU cores each replica requests (fractions allowed). @default 0.5 */
  cpus?: number;
  /** Memory of each replica, in MiB (request and limit). @default 512 */
  memoryMb?: number;
  /** The Compute whose nodes it runs on. @default nodes of `strata:nodeSelector` / `strata:tolerations`, else any node */
  compute?: Compute;
  /** The Workspace whose namespace it runs in (and whose service account it uses). @default the platform namespace */
  workspace?: Workspace;
  /** Reachable from outside the cluster at this host name, over TLS only. @default cluster-internal only */
  ingress?: { host: string; tlsSecretName?: string };
  /**
   * The Cluster it queries. It logs in as its own service account,
   * `service-<name>` (a Policy of the Cluster must name it), never as a
   * person; its program finds the way in in its environment:
   * `STRATA_TRINO_SERVER`, `STRATA_TRINO_USER` and `STRATA_TRINO_CA_FILE`
   * (the authority the server's certificate is checked against), and
   * `STRATA_TRINO_PASSWORD_FILE` (local target: its generated password's
   * 0600 file) or `STRATA_TRINO_TOKEN_FILE` (Kubernetes targets: a projected
   * service-account token bound to the Cluster, renewed by the kubelet; send
   * it as `Authorization: Bearer`). @default none
   */
  cluster?: Cluster;
}

/** The Trino user a Service logs in as. */
export function serviceUser(name: string): string {
  return `service-${name}`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOST = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/;

export function validateServiceArgs(name: string, args: ServiceArgs, context: Pick<StrataContext, "target">): ValidationIssue[] {
  const checks = new IssueCollector("Service", name);
  if (args.cluster !== undefined && !(args.cluster instanceof Cluster))
    checks.add("cluster", typeof args.cluster, "is not a Cluster", "pass a Cluster created in this program");
  for (const key of [...Object.keys(args.env ?? {}), ...Object.keys(args.secrets ?? {})])
    if (args.cluster !== undefined && key.startsWith("STRATA_TRINO_"))
      checks.add(`env.${key}`, key, "is set by the Service for its Cluster login", "give the variable another name");
  if (!onKubernetes(context.target)) {
    if (!Array.isArray(args.command) || args.command.length === 0 || args.command.some((c) => typeof c !== "string" || c === ""))
      checks.add("command", args.command, "is not a command", 'give the program and its arguments, e.g. ["/usr/bin/python3", "api.py"]');
    else if (!args.command[0]!.startsWith("/"))
      checks.add(
        "command[0]",
        args.command[0],
        "is not an absolute path",
        "give the program's absolute path (the service starts without a shell)",
      );
    if (args.workingDir !== undefined && !args.workingDir.startsWith("/"))
      checks.add("workingDir", args.workingDir, "is not an absolute directory", "give an absolute path");
    if (args.port !== undefined && (!Number.isInteger(args.port) || args.port < 1024 || args.port > 65535))
      checks.add(
        "port",
        args.port,
        "is not a port a service may take here",
        "give an integer from 1024 to 65535, or leave it out for a free one",
      );
    if (args.image !== undefined || args.ingress !== undefined || args.replicas !== undefined)
      checks.add(
        args.image !== undefined ? "image" : args.ingress !== undefined ? "ingress" : "replicas",
        args.image ?? args.ingress ?? args.replicas,
        "has no meaning on the local target (one process on 127.0.0.1)",
        "leave it out for the local target, or deploy to a Kubernetes target",
      );
    for (const [key, secret] of Object.entries(args.secrets ?? {}))
      if (!(secret instanceof Secret))
        checks.add(`secrets.${key}`, typeof secret, "is not a Secret", "pass a Secret created in this program");
    for (const key of [...Object.keys(args.env ?? {}), ...Object.keys(args.secrets ?? {})])
      if (!ENV_NAME.test(key))
        checks.add(`env.${key}`, key, "is not a valid environment variable name", "use letters, digits and _, not starting with a digit");
    return checks.issues;
  }
  if (typeof args.image !== "string" || !/^[^\s:]+(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/.test(args.image)) {
    checks.add("image", args.image, "is not an image pinned by tag or digest", 'give e.g. "ghcr.io/acme/orders-api:1.4.2"');
  } else if (args.image.endsWith(":latest")) {
    checks.add("image", args.image, "uses the moving tag latest", "pin a version tag or a digest, so a deployment is repeatable");
  }
  if (args.port !== undefined && (!Number.isInteger(args.port) || args.port < 1 || args.port > 65535))
    checks.add("port", args.port, "is not a port", "give an integer from 1 to 65535");
  const { min, max } = args.replicas ?? { min: 2, max: 5 };
  if (!Number.isInteger(min) || min < 1) checks.add("replicas.min", min, "is not a whole number >= 1", "give at least 1");
  if (!Number.isInteger(max) || max < min) checks.add("replicas.max", max, "is less than replicas.min", `give at least ${min}`);
  if (args.cpus !== undefined && !(args.cpus > 0)) checks.add("cpus", args.cpus, "is not a positive number", "give e.g. 0.5");
  if (args.memoryMb !== undefined && (!Number.isInteger(args.memoryMb) || args.memoryMb < 64))
    checks.add("memoryMb", args.memoryMb, "is not a whole number >= 64", "give e.g. 512");
  if (
    args.targetCpuPercent !== undefined &&
    (!Number.isInteger(args.targetCpuPercent) || args.targetCpuPercent < 10 || args.targetCpuPercent > 100)
  ) {
    checks.add("targetCpuPercent", args.targetCpuPercent, "is not a whole percentage from 10 to 100", "give e.g. 70");
  }
  const names = new Set<string>();
  for (const key of [...Object.keys(args.env ?? {}), ...Object.keys(args.secrets ?? {})]) {
    if (!ENV_NAME.test(key))
      checks.add(`env.${key}`, key, "is not a valid environment variable name", "use letters, digits and _, not starting with a digit");
    if (names.has(key)) checks.add(`secrets.${key}`, key, "is also set in env", "set each variable once");
    names.add(key);
  }
  for (const [key, secret] of Object.entries(args.secrets ?? {})) {
    if (!(secret instanceof Secret))
      checks.add(`secrets.${key}`, typeof secret, "is not a Secret", "pass a Secret created in this program");
    else if (secret.workspace !== args.workspace) {
      checks.add(
        `secrets.${key}`,
        secret.resourceName,
        "is in another namespace than the Service",
        "create the Secret with the same workspace as the Service",
      );
    }
  }
  if (args.ingress !== undefined && !HOST.test(args.ingress.host ?? ""))
    checks.add("ingress.host", args.ingress.host, "is not a DNS host name", 'give e.g. "orders.example.com"');
  return checks.issues;
}

/** What a Service is made of on its target (the escape hatch). */
export type ServiceNative =
  | { kind: "kubernetes"; workload: ServiceWorkload }
  /** Local: the supervisor process running the program, and its folder (logs: `service.log`). */
  | { kind: "local"; process: LocalProcess; folder: string };

/**
 * A long-running process serving an API. On Kubernetes targets: a Deployment
 * (restricted pod security, placed on its Compute's nodes, secrets as
 * environment references), a ClusterIP Service, a HorizontalPodAutoscaler
 * and, when asked for, a TLS Ingress. On the local target: the program on
 * 127.0.0.1 under a supervisor that starts it again with backoff when it
 * exits, checked over HTTP, logs in the stack's data folder, and drift on
 * refresh when the supervisor is gone.
 */

export class Service extends StrataComponent {
  /** Address inside the cluster (`http://<name>.<namespace>.svc.cluster.local:<port>`), or on this machine (`http://127.0.0.1:<port>`). */
  readonly url: pulumi.Output<string>;
  /** What it is made of on its target (escape hatch). */
  readonly native: ServiceNative;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "user", kind: "Service" }, name, args, opts, (platform) => [
      ...validateServiceArgs(name, args, platform.context),
      ...platformIssues("Service", name, platform),
    ]);
    const deployed = onKubernetes(this.context.target)
      ? deployServiceOnKubernetes(this.childFactory(), name, args)
      : deployServiceLocally(this.childFactory(), name, args);
    this.url = deployed.url;
    this.native = deployed.native;
    this.finish(
      { url: this.url, ...(args.cluster ? { user: serviceUser(name) } : {}) },
      {
        inputs: [
          ...(args.cluster ? [primitiveAddress("Cluster", args.cluster.resourceName)] : []),
          ...Object.values(args.secrets ?? {}).map((s) => primitiveAddress("Secret", s.resourceName)),
        ],
      },
    );
  }
}
