// Pieces several GCP capabilities build the same way: a customer-managed
// Cloud KMS key a Google service agent may use, and a least-privilege
// service account for GKE nodes.
import { createHash } from "node:crypto";
import type * as kms from "@pulumi/gcp/kms/index.js";
import type * as projects from "@pulumi/gcp/projects/index.js";
import type * as serviceaccount from "@pulumi/gcp/serviceaccount/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { ChildFactory } from "../base/index.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const kmsSdk = lazyPeer<typeof kms>("@pulumi/gcp", "@pulumi/gcp/kms/index.js");
const projectsSdk = lazyPeer<typeof projects>("@pulumi/gcp", "@pulumi/gcp/projects/index.js");
const serviceaccountSdk = lazyPeer<typeof serviceaccount>("@pulumi/gcp", "@pulumi/gcp/serviceaccount/index.js");

/** Keys rotate every 90 days, the longest period CIS GCP 1.10 accepts. */
export const KEY_ROTATION_PERIOD = "7776000s";

export const ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter";

/** A Cloud KMS key in its own key ring and the grant letting a service agent use it. */
export interface CustomerManagedKey {
  readonly keyRing: kms.KeyRing;
  readonly cryptoKey: kms.CryptoKey;
  /** Resources encrypted with the key depend on this, or their creation fails for lack of access. */
  readonly grant: kms.CryptoKeyIAMMember;
}

/**
 * Creates a rotated symmetric key in `location` (a key must sit in the
 * location of what it encrypts) usable by `serviceAgent` (an IAM member).
 */
export function customerManagedKey(
  children: ChildFactory,
  location: pulumi.Input<string>,
  serviceAgent: pulumi.Input<string>,
): CustomerManagedKey {
  // Key rings can never be deleted in GCP: auto-naming keeps a re-created stack from colliding with the old ring.
  const keyRing = new kmsSdk.KeyRing(children.name("keyring"), { location }, children.statefulOptions());
  const cryptoKey = new kmsSdk.CryptoKey(
    children.name("key"),
    { keyRing: keyRing.id, purpose: "ENCRYPT_DECRYPT", rotationPeriod: KEY_ROTATION_PERIOD },
    children.statefulOptions(),
  );
  const grant = new kmsSdk.CryptoKeyIAMMember(
    children.name("key-grant"),
    { cryptoKeyId: cryptoKey.id, role: ENCRYPTER_DECRYPTER, member: serviceAgent },
    children.options(),
  );
  return { keyRing, cryptoKey, grant };
}

/**
 * The only project role GKE nodes get: Google's minimal node role (logs,
 * metrics, metadata). Workloads use Workload Identity, never the node's.
 */
export const NODE_ROLES = ["roles/container.defaultNodeServiceAccount"] as const;

/** Scope of node VMs: IAM, not scopes, limits what the node identity may do. */
export const NODE_OAUTH_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"];

/**
 * A service account id (6-30 characters, RFC 1035) for `childName`, unique per
 * Pulumi project and stack: ids are project-wide in GCP, and two stacks often
 * share a project.
 */
export function serviceAccountId(childName: string, project = pulumi.getProject(), stack = pulumi.getStack()): string {
  const hash = createHash("sha256").update(`${project}/${stack}/${childName}`).digest("hex").slice(0, 6);
  const prefix = childName.slice(0, 23).replace(/-+$/, "");
  return `${prefix}-${hash}`;
}

/** A node service account and its project roles. */
export interface NodeIdentity {
  readonly account: serviceaccount.Account;
  /** The account's email, what node pools name as their service account. */
  readonly email: pulumi.Output<string>;
  readonly roles: projects.IAMMember[];
}

/** Creates the service account GKE nodes run as, with {@link NODE_ROLES} only. */
export function nodeIdentity(children: ChildFactory, project: pulumi.Input<string>, purpose: string): NodeIdentity {
  const name = children.name("nodes");
  const account = new serviceaccountSdk.Account(
    name,
    { accountId: serviceAccountId(name), displayName: `GKE nodes: ${purpose}`.slice(0, 100) },
    children.options(),
  );
  // Built from the id (an input) rather than read back, so a preview already shows which account nodes run as.
  const email = pulumi.interpolate`${account.accountId}@${project}.iam.gserviceaccount.com`;
  const roles = NODE_ROLES.map(
    (role) =>
      new projectsSdk.IAMMember(
        children.name(
          `nodes-${role
            .replace(/^roles\//, "")
            .replace(/[^a-zA-Z0-9]+/g, "-")
            .toLowerCase()}`,
        ),
        { project, role, member: pulumi.interpolate`serviceAccount:${email}` },
        children.options(),
      ),
  );
  return { account, email, roles };
}
