import { platformProviderArgs } from "../kubernetes/platform.js";
import type * as ec2 from "@pulumi/aws/ec2/index.js";
import type * as eks from "@pulumi/aws/eks/index.js";
import type * as iam from "@pulumi/aws/iam/index.js";
import type * as kms from "@pulumi/aws/kms/index.js";
import type { Provider } from "@pulumi/kubernetes/provider.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, isDevEnvironment, type ValidationIssue } from "../base/index.js";
import { type KubernetesCluster, type KubernetesClusterArgs, kubernetesClusterIssues } from "../capabilities.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const ec2Sdk = lazyPeer<typeof ec2>("@pulumi/aws", "@pulumi/aws/ec2/index.js");
const eksSdk = lazyPeer<typeof eks>("@pulumi/aws", "@pulumi/aws/eks/index.js");
const iamSdk = lazyPeer<typeof iam>("@pulumi/aws", "@pulumi/aws/iam/index.js");
const kmsSdk = lazyPeer<typeof kms>("@pulumi/aws", "@pulumi/aws/kms/index.js");
const providerSdk = lazyPeer<typeof import("@pulumi/kubernetes/provider.js")>("@pulumi/kubernetes", "@pulumi/kubernetes/provider.js");

/** Checks the arguments of an {@link AwsKubernetesCluster}. Pure. */
export function validateAwsKubernetesClusterArgs(name: string, args: KubernetesClusterArgs): ValidationIssue[] {
  const checks = new IssueCollector("AwsKubernetesCluster", name);
  kubernetesClusterIssues(checks, args);
  return checks.issues;
}

/** A kubeconfig (JSON) that authenticates with `aws eks get-token`, so no credential is stored in it. Pure. */
export function eksKubeconfig(cluster: { name: string; endpoint: string; certificateAuthority: string; region?: string }): string {
  const region = cluster.region ? ["--region", cluster.region] : [];
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster.name, cluster: { server: cluster.endpoint, "certificate-authority-data": cluster.certificateAuthority } }],
    contexts: [{ name: cluster.name, context: { cluster: cluster.name, user: cluster.name } }],
    "current-context": cluster.name,
    users: [
      {
        name: cluster.name,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", cluster.name, ...region, "--output", "json"],
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}

/**
 * Trust policy letting one Kubernetes service account of the cluster assume
 * a role through the cluster's OIDC provider (IAM roles for service accounts). Pure.
 */
export function irsaTrustPolicy(oidcProviderArn: string, oidcIssuer: string, namespace: string, serviceAccount: string): string {
  const host = oidcIssuer.replace(/^https:\/\//, "");
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [`${host}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${host}:aud`]: "sts.amazonaws.com" },
        },
      },
    ],
  });
}

/**
 * The KubernetesCluster capability on AWS: an EKS control plane in the
 * network's private subnets, Kubernetes secrets envelope-encrypted with a
 * customer-managed key, access entries instead of the aws-auth ConfigMap,
 * audit and authenticator logs, an IAM OIDC provider for workload identity
 * (IRSA), and the VPC CNI running under its own role so that nodes need not
 * hold network permissions. Deletion-protected outside dev stacks.
 */
export class AwsKubernetesCluster extends StrataComponent implements KubernetesCluster {
  readonly clusterName: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: Provider;
  readonly oidcIssuer: pulumi.Output<string>;
  readonly cluster: eks.Cluster;
  /** Role of the control plane. */
  readonly role: iam.Role;
  /** Key encrypting Kubernetes secrets. */
  readonly secretsKey: kms.Key;
  /** Extra security group of the control plane: HTTPS from the network. */
  readonly apiSecurityGroup: ec2.SecurityGroup;
  /** The IAM identity provider roles for service accounts trust (see {@link irsaTrustPolicy}). */
  readonly oidcProvider: iam.OpenIdConnectProvider;
  /** Role of the VPC CNI's `kube-system/aws-node` service account. */
  readonly cniRole: iam.Role;

  constructor(name: string, args: KubernetesClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AwsKubernetesCluster" }, name, args, opts, validateAwsKubernetesClusterArgs(name, args));
    const privateEndpoint = args.privateEndpoint ?? true;
    const dev = isDevEnvironment(this.context.environment);

    this.role = new iamSdk.Role(
      this.childName("role"),
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
        }),
      },
      this.childOptions(),
    );
    const clusterPolicy = new iamSdk.RolePolicyAttachment(
      this.childName("role-cluster-policy"),
      {
        role: this.role.name,
        policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
      },
      this.childOptions(),
    );

    this.secretsKey = new kmsSdk.Key(
      this.childName("secrets-key"),
      {
        description: `Encrypts the Kubernetes secrets of ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: dev ? 7 : 30,
      },
      this.statefulChildOptions(),
    );
    const keyUse = new iamSdk.RolePolicy(
      this.childName("role-secrets-key"),
      {
        role: this.role.id,
        policy: this.secretsKey.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], Resource: arn }],
          }),
        ),
      },
      this.childOptions(),
    );

    this.apiSecurityGroup = new ec2Sdk.SecurityGroup(
      this.childName("api-sg"),
      {
        description: `Kubernetes API of ${name}, from inside the network`,
        vpcId: args.network.networkId,
        ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [args.network.cidr], description: "Kubernetes API" }],
      },
      this.childOptions(),
    );

    this.cluster = new eksSdk.Cluster(
      this.childName("cluster"),
      {
        roleArn: this.role.arn,
        version: args.version ?? "1.33",
        vpcConfig: {
          subnetIds: args.network.privateSubnetIds,
          securityGroupIds: [this.apiSecurityGroup.id],
          // Nodes reach the API privately whichever way it is exposed.
          endpointPrivateAccess: true,
          endpointPublicAccess: !privateEndpoint,
          ...(privateEndpoint ? {} : { publicAccessCidrs: args.authorizedCidrs ?? [] }),
        },
        encryptionConfig: { provider: { keyArn: this.secretsKey.arn }, resources: ["secrets"] },
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        enabledClusterLogTypes: ["audit", "authenticator"],
        deletionProtection: !dev,
      },
      this.childOptions({ dependsOn: [clusterPolicy, keyUse] }),
    );

    this.clusterName = this.cluster.name;
    this.endpoint = this.cluster.endpoint;
    this.oidcIssuer = this.cluster.identities.apply((ids) => ids?.[0]?.oidcs?.[0]?.issuer ?? "");
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([this.cluster.name, this.cluster.endpoint, this.cluster.certificateAuthority, this.cluster.region])
        .apply(([clusterName, endpoint, ca, region]) =>
          eksKubeconfig({ name: clusterName, endpoint, certificateAuthority: ca?.data ?? "", region }),
        ),
    );

    this.oidcProvider = new iamSdk.OpenIdConnectProvider(
      this.childName("oidc"),
      {
        url: this.oidcIssuer,
        clientIdLists: ["sts.amazonaws.com"],
      },
      this.childOptions(),
    );
    this.cniRole = new iamSdk.Role(
      this.childName("cni-role"),
      {
        assumeRolePolicy: pulumi
          .all([this.oidcProvider.arn, this.oidcIssuer])
          .apply(([arn, issuer]) => irsaTrustPolicy(arn, issuer, "kube-system", "aws-node")),
      },
      this.childOptions(),
    );
    const cniPolicy = new iamSdk.RolePolicyAttachment(
      this.childName("cni-role-policy"),
      {
        role: this.cniRole.name,
        policyArn: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
      },
      this.childOptions(),
    );
    new eksSdk.Addon(
      this.childName("vpc-cni"),
      {
        clusterName: this.cluster.name,
        addonName: "vpc-cni",
        serviceAccountRoleArn: this.cniRole.arn,
        // EKS installed a self-managed copy with the cluster; this takes it over.
        resolveConflictsOnCreate: "OVERWRITE",
      },
      this.childOptions({ dependsOn: [cniPolicy] }),
    );

    this.provider = new providerSdk.Provider(this.childName("provider"), platformProviderArgs(this.kubeconfig), this.childOptions());
    this.finish({ clusterName: this.clusterName, endpoint: this.endpoint, kubeconfig: this.kubeconfig, oidcIssuer: this.oidcIssuer });
  }
}
