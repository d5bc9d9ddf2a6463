import type * as serviceaccount from "@pulumi/gcp/serviceaccount/index.js";
import type * as storage from "@pulumi/gcp/storage/index.js";
import * as pulumi from "@pulumi/pulumi";
import { StrataComponent } from "../base/index.js";
import { type StoreAccess, type StoreAccessArgs, storeAccessIssues } from "../capabilities.js";
import { GcpKubernetesCluster } from "./kubernetes-cluster.js";
import { GcpObjectStore } from "./object-store.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const serviceaccountSdk = lazyPeer<typeof serviceaccount>("@pulumi/gcp", "@pulumi/gcp/serviceaccount/index.js");
const storageSdk = lazyPeer<typeof storage>("@pulumi/gcp", "@pulumi/gcp/storage/index.js");

/** Read, write and delete objects (and list them), nothing about the bucket itself. */
export const OBJECT_USER = "roles/storage.objectUser";
export const WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser";

/** The IAM member GKE Workload Identity gives a Kubernetes service account. Pure. */
export function workloadIdentityMember(workloadPool: string, namespace: string, serviceAccount: string): string {
  return `serviceAccount:${workloadPool}[${namespace}/${serviceAccount}]`;
}

/**
 * StoreAccess on GCP: a Google service account of its own, granted
 * {@link OBJECT_USER} on each bucket, which only the given Kubernetes service
 * account may impersonate (GKE Workload Identity); the service account is
 * annotated with its email. No key is created.
 */
export class GcpStoreAccess extends StrataComponent implements StoreAccess {
  readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
  readonly podLabels: Record<string, string> = {};
  readonly account: serviceaccount.Account;
  readonly bucketGrants: storage.BucketIAMMember[];
  readonly impersonation: serviceaccount.IAMMember;

  constructor(name: string, args: StoreAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      { layer: "cloud", kind: "GcpStoreAccess" },
      name,
      args,
      opts,
      storeAccessIssues("GcpStoreAccess", name, args, GcpObjectStore, GcpKubernetesCluster),
    );
    const cluster = args.cluster as GcpKubernetesCluster;
    // Account ids are 6 to 30 characters: a prefix and the name, cut.
    const accountId = `sa-${name}`
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, "-")
      .slice(0, 30)
      .replace(/-+$/, "");
    this.account = new serviceaccountSdk.Account(
      this.childName("account"),
      { accountId, displayName: `Workload identity of ${args.serviceAccount}`, description: "Reads and writes its object stores only" },
      this.childOptions(),
    );
    const member = pulumi.interpolate`serviceAccount:${this.account.email}`;
    this.bucketGrants = (args.stores as GcpObjectStore[]).map(
      (store, i) =>
        new storageSdk.BucketIAMMember(
          this.childName(`bucket-${i}`),
          { bucket: store.bucket.name, role: OBJECT_USER, member },
          this.childOptions(),
        ),
    );
    this.impersonation = new serviceaccountSdk.IAMMember(
      this.childName("workload-identity"),
      {
        serviceAccountId: this.account.name,
        role: WORKLOAD_IDENTITY_USER,
        member: pulumi
          .all([cluster.workloadPool, args.namespace])
          .apply(([pool, namespace]) => workloadIdentityMember(pool, namespace, args.serviceAccount)),
      },
      this.childOptions(),
    );
    this.serviceAccountAnnotations = this.account.email.apply((email): Record<string, string> => ({
      "iam.gke.io/gcp-service-account": email,
    }));
    this.finish({ email: this.account.email });
  }
}
