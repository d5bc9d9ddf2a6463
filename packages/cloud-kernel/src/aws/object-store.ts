import type * as kms from "@pulumi/aws/kms/index.js";
import type * as s3 from "@pulumi/aws/s3/index.js";
import * as pulumi from "@pulumi/pulumi";
import { StrataComponent, isDevEnvironment } from "../base/index.js";
import type { ObjectStore, ObjectStoreArgs } from "../capabilities.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const kmsSdk = lazyPeer<typeof kms>("@pulumi/aws", "@pulumi/aws/kms/index.js");
const s3Sdk = lazyPeer<typeof s3>("@pulumi/aws", "@pulumi/aws/s3/index.js");

/** Bucket policy refusing any request without TLS 1.2 or later. Pure. */
export function tlsOnlyBucketPolicy(bucketArn: string): string {
  const resources = [bucketArn, `${bucketArn}/*`];
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: resources,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "DenyOutdatedTls",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: resources,
        Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
      },
    ],
  });
}

/**
 * The ObjectStore capability on AWS: an S3 bucket encrypted with its own
 * KMS key (rotated; S3 bucket keys keep KMS requests cheap), every public
 * access path blocked, ACLs disabled, requests without TLS 1.2 denied.
 * Outside dev stacks the bucket and key are protected and a non-empty bucket
 * is never force-destroyed. Reads from the network go through its S3
 * gateway endpoint, which the network creates.
 */
export class AwsObjectStore extends StrataComponent implements ObjectStore {
  readonly bucketName: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly region: pulumi.Output<string>;
  readonly bucket: s3.Bucket;
  /** Key encrypting the objects. */
  readonly key: kms.Key;

  constructor(name: string, args: ObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AwsObjectStore" }, name, args, opts, []);
    const dev = isDevEnvironment(this.context.environment);

    this.key = new kmsSdk.Key(
      this.childName("key"),
      {
        description: `Encrypts the objects of ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: dev ? 7 : 30,
      },
      this.statefulChildOptions(),
    );
    this.bucket = new s3Sdk.Bucket(this.childName("bucket"), { forceDestroy: dev }, this.statefulChildOptions());

    const publicAccess = new s3Sdk.BucketPublicAccessBlock(
      this.childName("public-access"),
      {
        bucket: this.bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      this.childOptions(),
    );
    new s3Sdk.BucketOwnershipControls(
      this.childName("ownership"),
      {
        bucket: this.bucket.id,
        rule: { objectOwnership: "BucketOwnerEnforced" },
      },
      this.childOptions(),
    );
    new s3Sdk.BucketServerSideEncryptionConfiguration(
      this.childName("encryption"),
      {
        bucket: this.bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn },
            bucketKeyEnabled: true,
            blockedEncryptionTypes: ["SSE-C"],
          },
        ],
      },
      this.childOptions(),
    );
    new s3Sdk.BucketVersioning(
      this.childName("versioning"),
      {
        bucket: this.bucket.id,
        // "Suspended" rather than "Disabled": S3 accepts it on any bucket, so versioned can be turned off again later.
        versioningConfiguration: { status: (args.versioned ?? true) ? "Enabled" : "Suspended" },
      },
      this.childOptions(),
    );
    new s3Sdk.BucketPolicy(
      this.childName("policy"),
      {
        bucket: this.bucket.id,
        policy: this.bucket.arn.apply(tlsOnlyBucketPolicy),
        // S3 rejects concurrent changes to one bucket's access settings.
      },
      this.childOptions({ dependsOn: [publicAccess] }),
    );

    this.bucketName = this.bucket.bucket;
    this.url = pulumi.interpolate`s3://${this.bucket.bucket}`;
    this.region = this.bucket.region;
    this.finish({ bucketName: this.bucketName, url: this.url });
  }
}
