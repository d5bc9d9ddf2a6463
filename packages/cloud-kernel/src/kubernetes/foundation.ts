import * as fs from "node:fs";
import * as path from "node:path";
import type { Namespace } from "@pulumi/kubernetes/core/v1/index.js";
import type { Provider } from "@pulumi/kubernetes/provider.js";
import * as pulumi from "@pulumi/pulumi";
import {
  type CloudTargetName,
  IssueCollector,
  StrataComponent,
  type PrimitiveArgs,
  type StrataContext,
  type ValidationIssue,
  parseJson,
} from "../base/index.js";
import type { KubernetesCluster, Network } from "../capabilities.js";
import { cloudCapabilities } from "../targets.js";
import { type KubernetesPlatform, type PostgresEndpoint, platformProviderArgs } from "./platform.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const coreV1Sdk = lazyPeer<typeof import("@pulumi/kubernetes/core/v1/index.js")>(
  "@pulumi/kubernetes",
  "@pulumi/kubernetes/core/v1/index.js",
);
const providerSdk = lazyPeer<typeof import("@pulumi/kubernetes/provider.js")>("@pulumi/kubernetes", "@pulumi/kubernetes/provider.js");

/** Arguments of a {@link PlatformFoundation}. Every field defaults to stack config (namespace `strata`). */
export interface PlatformFoundationArgs extends PrimitiveArgs {
  /**
   * `kubernetes` target: kubeconfig of the existing cluster, as a secret.
   * @default config `strata:kubeconfig` (secret), else the file at `strata:kubeconfigPath`
   */
  kubeconfig?: pulumi.Input<string>;
  /**
   * `kubernetes` target: the existing PostgreSQL server Databases are created on.
   * @default config `strata:postgresHost`, `strata:postgresPort` (5432), `strata:postgresAdminUser` ("postgres"), `strata:postgresAdminPassword` (secret); none when `strata:postgresHost` is unset
   */
  postgres?: PostgresEndpoint;
  /**
   * Cloud targets: password of the administrator of the PostgreSQL servers Databases get.
   * @default config `strata:postgresAdminPassword` (secret)
   */
  postgresAdminPassword?: pulumi.Input<string>;
  /** Cloud targets: Kubernetes minor version of the cluster. @default config `strata:kubernetesVersion`, else "1.33" */
  kubernetesVersion?: string;
  /** Cloud targets: keep the API server private. @default config `strata:privateEndpoint`, else true */
  privateEndpoint?: boolean;
  /** Cloud targets: CIDRs that may reach a public API server. @default config `strata:authorizedCidrs` (JSON list), else [] */
  authorizedCidrs?: string[];
}

/** Stack config the foundation reads. */
export interface FoundationConfig {
  get(key: string): string | undefined;
  getSecret(key: string): pulumi.Output<string> | undefined;
}

/** The Kubernetes settings of a stack, read from config and checked. Pure but for reading a kubeconfig file. */
export function foundationArgsFromConfig(
  name: string,
  context: StrataContext,
  config: FoundationConfig,
): { args: PlatformFoundationArgs; issues: ValidationIssue[] } {
  const checks = new IssueCollector("PlatformFoundation", name);
  const args: PlatformFoundationArgs = {};
  if (context.target === "kubernetes") {
    const inline = config.getSecret("kubeconfig");
    const file = config.get("kubeconfigPath");
    if (inline) args.kubeconfig = inline;
    else if (file === undefined) {
      checks.add(
        "strata:kubeconfig",
        undefined,
        "is not set (nor strata:kubeconfigPath)",
        'pulumi config set --secret strata:kubeconfig "$(cat ~/.kube/config)", or set strata:kubeconfigPath to the file',
      );
    } else if (!path.isAbsolute(file) || !fs.existsSync(file)) {
      checks.add("strata:kubeconfigPath", file, "is not an existing absolute path", "give the absolute path of a kubeconfig file");
    } else {
      args.kubeconfig = pulumi.secret(fs.readFileSync(file, "utf8"));
    }
    const host = config.get("postgresHost");
    if (host !== undefined) {
      const port = Number(config.get("postgresPort") ?? "5432");
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        checks.add("strata:postgresPort", config.get("postgresPort"), "is not a port", "give an integer from 1 to 65535");
      const adminPassword = config.getSecret("postgresAdminPassword");
      if (!adminPassword)
        checks.add(
          "strata:postgresAdminPassword",
          undefined,
          "is not set although strata:postgresHost is",
          "pulumi config set --secret strata:postgresAdminPassword <password>",
        );
      else {
        args.postgres = { host, port, adminUser: config.get("postgresAdminUser") ?? "postgres", adminPassword };
        args.postgresAdminPassword = adminPassword;
      }
    }
  } else {
    const password = config.getSecret("postgresAdminPassword");
    if (password) args.postgresAdminPassword = password;
    const version = config.get("kubernetesVersion");
    if (version !== undefined) args.kubernetesVersion = version;
    const privateEndpoint = config.get("privateEndpoint");
    if (privateEndpoint !== undefined) {
      if (privateEndpoint !== "true" && privateEndpoint !== "false")
        checks.add("strata:privateEndpoint", privateEndpoint, "is not a boolean", 'set "true" or "false"');
      args.privateEndpoint = privateEndpoint !== "false";
    }
    const cidrs = config.get("authorizedCidrs");
    if (cidrs !== undefined) {
      const parsed = parseJson(cidrs);
      if (!Array.isArray(parsed) || !parsed.every((c) => typeof c === "string")) {
        checks.add("strata:authorizedCidrs", cidrs, "is not a JSON list of CIDRs", 'give e.g. ["203.0.113.0/24"]');
      } else {
        args.authorizedCidrs = parsed;
      }
    }
  }
  return { args, issues: checks.issues };
}

/**
 * What every program on a Kubernetes target stands on: on aws, gcp and azure
 * a private Network and a KubernetesCluster; on `kubernetes` a provider for
 * the existing cluster. Then the platform namespace (`<prefix>strata`).
 * `strataProgram` creates it first and places the run's primitives on its
 * `platform`; nothing is created on the local target.
 */
export class PlatformFoundation extends StrataComponent {
  /** The cluster, provider and namespace the program's primitives are placed on. */
  readonly cluster: KubernetesPlatform;
  /** The platform namespace (escape hatch). */
  readonly namespace: Namespace;
  /** Cloud targets: the network and cluster created (escape hatch). */
  readonly network?: Network;
  readonly kubernetesCluster?: KubernetesCluster;

  constructor(name: string, args: PlatformFoundationArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "PlatformFoundation" }, name, args, opts, ({ context }) =>
      context.target === "local"
        ? [
            {
              primitive: "PlatformFoundation",
              name,
              field: "strata:target",
              value: "local",
              problem: "has no Kubernetes cluster",
              fix: "use a Kubernetes target, or no foundation on local",
            },
          ]
        : context.target === "kubernetes" && args.kubeconfig === undefined
          ? [
              {
                primitive: "PlatformFoundation",
                name,
                field: "kubeconfig",
                value: undefined,
                problem: "is missing",
                fix: "set strata:kubeconfig (secret) or strata:kubeconfigPath",
              },
            ]
          : [],
    );
    const settings = this.context.kubernetes;
    let provider: Provider;
    let cloud: KubernetesPlatform["cloud"];
    if (this.context.target === "kubernetes") {
      provider = new providerSdk.Provider(
        this.childName("provider"),
        platformProviderArgs(pulumi.secret(args.kubeconfig!)),
        this.childOptions(),
      );
    } else {
      const capabilities = cloudCapabilities(this.context.target as CloudTargetName);
      this.network = new capabilities.Network(this.childName("network"), { platform: this.platform }, this.childOptions());
      this.kubernetesCluster = new capabilities.KubernetesCluster(
        this.childName("cluster"),
        {
          platform: this.platform,
          network: this.network,
          ...(args.kubernetesVersion === undefined ? {} : { version: args.kubernetesVersion }),
          ...(args.privateEndpoint === undefined ? {} : { privateEndpoint: args.privateEndpoint }),
          ...(args.authorizedCidrs === undefined ? {} : { authorizedCidrs: args.authorizedCidrs }),
        },
        this.childOptions(),
      );
      provider = this.kubernetesCluster.provider;
      cloud = { network: this.network, cluster: this.kubernetesCluster };
    }
    this.namespace = new coreV1Sdk.Namespace(
      this.childName("namespace"),
      {
        metadata: {
          name: `${settings.namespacePrefix}strata`,
          labels: { "app.kubernetes.io/managed-by": "strata", "strata.dev/role": "platform" },
        },
      },
      this.childOptions({ provider }),
    );
    this.cluster = {
      target: this.context.target,
      provider,
      namespace: this.namespace.metadata.name,
      settings,
      ...(cloud ? { cloud } : {}),
      ...(args.postgres ? { postgres: args.postgres } : {}),
      ...(args.postgresAdminPassword === undefined ? {} : { postgresAdminPassword: pulumi.secret(args.postgresAdminPassword) }),
    };
    this.finish({ namespace: this.cluster.namespace });
  }
}
