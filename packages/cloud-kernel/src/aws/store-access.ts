import type * as iam from "@pulumi/aws/iam/index.js";
import * as pulumi from "@pulumi/pulumi";
import { StrataComponent } from "../base/index.js";
import { type StoreAccess, type StoreAccessArgs, storeAccessIssues } from "../capabilities.js";
import { AwsKubernetesCluster, irsaTrustPolicy } from "./kubernetes-cluster.js";
import { AwsObjectStore } from "./object-store.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const iamSdk = lazyPeer<typeof iam>("@pulumi/aws", "@pulumi/aws/iam/index.js");

/**
 * What the role may do: list its buckets, read, write and delete their
 * objects (multipart uploads included), and use their KMS keys for that.
 * Nothing else: no bucket configuration, no other bucket. Pure.
 */
export function storeAccessPolicy(stores: { bucketArn: string; keyArn: string }[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "ListBuckets", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: stores.map((s) => s.bucketArn) },
      {
        Sid: "ReadWriteObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: stores.map((s) => `${s.bucketArn}/*`),
      },
      { Sid: "UseBucketKeys", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: stores.map((s) => s.keyArn) },
    ],
  });
}

/**
 * StoreAccess on AWS: an IAM role that only the given service account of the
 * cluster may assume, through the cluster's OIDC provider (IRSA), with
 * {@link storeAccessPolicy} inline; the service account is annotated with
 * the role's ARN.
 */
export class AwsStoreAccess extends StrataComponent implements StoreAccess {
  readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
  readonly podLabels: Record<string, string> = {};
  readonly role: iam.Role;
  readonly policy: iam.RolePolicy;

  constructor(name: string, args: StoreAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      { layer: "cloud", kind: "AwsStoreAccess" },
      name,
      args,
      opts,
      storeAccessIssues("AwsStoreAccess", name, args, AwsObjectStore, AwsKubernetesCluster),
    );
    const cluster = args.cluster as AwsKubernetesCluster;
    const stores = args.stores as AwsObjectStore[];
    this.role = new iamSdk.Role(
      this.childName("role"),
      {
        description: `Workload identity of ${args.serviceAccount}: read and write of its object stores`,
        assumeRolePolicy: pulumi
          .all([cluster.oidcProvider.arn, cluster.oidcIssuer, args.namespace])
          .apply(([arn, issuer, namespace]) => irsaTrustPolicy(arn, issuer, namespace, args.serviceAccount)),
      },
      this.childOptions(),
    );
    this.policy = new iamSdk.RolePolicy(
      this.childName("policy"),
      {
        role: this.role.name,
        policy: pulumi
          .all(stores.map((s) => pulumi.all([s.bucket.arn, s.key.arn])))
          .apply((pairs) => storeAccessPolicy(pairs.map(([bucketArn, keyArn]) => ({ bucketArn, keyArn })))),
      },
      this.childOptions(),
    );
    this.serviceAccountAnnotations = this.role.arn.apply((arn): Record<string, string> => ({ "eks.amazonaws.com/role-arn": arn }));
    this.finish({ roleArn: this.role.arn });
  }
}
