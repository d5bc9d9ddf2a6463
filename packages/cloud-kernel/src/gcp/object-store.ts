import type * as storage from "@pulumi/gcp/storage/index.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, isDevEnvironment, type ValidationIssue } from "../base/index.js";
import type { ObjectStore, ObjectStoreArgs } from "../capabilities.js";
import { GcpNetwork } from "./network.js";
import { customerManagedKey, type CustomerManagedKey } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const storageSdk = lazyPeer<typeof storage>("@pulumi/gcp", "@pulumi/gcp/storage/index.js");

/** Arguments of a {@link GcpObjectStore}: the common ones and one GCP setting. */
export interface GcpObjectStoreArgs extends ObjectStoreArgs {
  /**
   * Encrypt objects with a Cloud KMS key of the platform (rotated every 90
   * days) instead of a Google-managed key. Turning it off saves the key's
   * cost and KMS calls on every read and write; objects stay encrypted.
   * Changing it applies to objects written afterwards.
   * @default true
   */
  customerManagedKey?: boolean;
}

/** Bucket names are at most 63 characters; auto-naming appends 8 to `<name>-bucket`. */
const MAX_NAME_LENGTH = 63 - 8 - "-bucket".length;

/** Checks the arguments of a {@link GcpObjectStore}. Pure. */
export function validateGcpObjectStoreArgs(name: string, args: GcpObjectStoreArgs): ValidationIssue[] {
  const checks = new IssueCollector("GcpObjectStore", name);
  if (name.length > MAX_NAME_LENGTH) {
    checks.add(
      "name",
      name,
      `is longer than ${MAX_NAME_LENGTH} characters, leaving no room in the 63-character bucket name`,
      `give a name of at most ${MAX_NAME_LENGTH} characters`,
    );
  }
  if (!(args.network instanceof GcpNetwork)) {
    checks.add(
      "network",
      args.network?.constructor?.name,
      "is not a GcpNetwork",
      "pass the GcpNetwork of the stack; the bucket is created in its region",
    );
  }
  if (args.versioned !== undefined && typeof args.versioned !== "boolean") {
    checks.add("versioned", args.versioned, "is not a boolean", "give true or false");
  }
  if (args.customerManagedKey !== undefined && typeof args.customerManagedKey !== "boolean") {
    checks.add("customerManagedKey", args.customerManagedKey, "is not a boolean", "give true or false");
  }
  return checks.issues;
}

/**
 * The ObjectStore capability on GCP: a regional Cloud Storage bucket in the
 * network's region with uniform bucket-level access (no object ACLs), public
 * access prevention enforced, versioning, and a Cloud KMS key by default.
 * Cloud Storage serves its APIs over HTTPS only. Outside dev stacks the
 * bucket is protected, retained and never force-destroyed.
 */
export class GcpObjectStore extends StrataComponent implements ObjectStore {
  readonly bucketName: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;

  readonly bucket: storage.Bucket;
  /** Absent when `customerManagedKey` is false. */
  readonly key?: CustomerManagedKey;

  constructor(name: string, args: GcpObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "GcpObjectStore" }, name, args, opts, validateGcpObjectStoreArgs(name, args));
    // The validator has established the network is a GcpNetwork.
    const network = args.network as GcpNetwork;
    const dev = isDevEnvironment(this.context.environment);
    const children = this.childFactory();

    if (args.customerManagedKey ?? true) {
      // Looking the agent up also creates it: it does not exist until a project first needs it.
      const agent = storageSdk.getProjectServiceAccountOutput({}, { parent: this });
      this.key = customerManagedKey(children, network.region, agent.member);
    }
    this.bucket = new storageSdk.Bucket(
      this.childName("bucket"),
      {
        location: network.region,
        storageClass: "STANDARD",
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        versioning: { enabled: args.versioned ?? true },
        ...(this.key ? { encryption: { defaultKmsKeyName: this.key.cryptoKey.id } } : {}),
        forceDestroy: dev,
      },
      this.statefulChildOptions(this.key ? { dependsOn: [this.key.grant] } : {}),
    );
    this.bucketName = this.bucket.name;
    this.url = pulumi.interpolate`gs://${this.bucket.name}`;
    this.finish({ bucketName: this.bucketName, url: this.url });
  }
}
