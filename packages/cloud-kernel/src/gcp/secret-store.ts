import type * as projects from "@pulumi/gcp/projects/index.js";
import type * as secretmanager from "@pulumi/gcp/secretmanager/index.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, isDevEnvironment, type ValidationIssue } from "../base/index.js";
import type { SecretStore, SecretStoreArgs } from "../capabilities.js";
import { GcpNetwork } from "./network.js";
import { customerManagedKey, type CustomerManagedKey } from "./shared.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const projectsSdk = lazyPeer<typeof projects>("@pulumi/gcp", "@pulumi/gcp/projects/index.js");
const secretmanagerSdk = lazyPeer<typeof secretmanager>("@pulumi/gcp", "@pulumi/gcp/secretmanager/index.js");

/** Checks the arguments of a {@link GcpSecretStore}. Pure. */
export function validateGcpSecretStoreArgs(name: string, args: SecretStoreArgs): ValidationIssue[] {
  const checks = new IssueCollector("GcpSecretStore", name);
  if (!(args.network instanceof GcpNetwork)) {
    checks.add(
      "network",
      args.network?.constructor?.name,
      "is not a GcpNetwork",
      "pass the GcpNetwork of the stack; the secret is kept in its region",
    );
  }
  if (typeof args.value === "string" && args.value.length === 0) {
    checks.add("value", args.value, "is empty, which Secret Manager refuses", "give the secret's value", true);
  }
  return checks.issues;
}

/**
 * The SecretStore capability on GCP: a Secret Manager secret replicated only
 * to the network's region and encrypted there with a Cloud KMS key of the
 * platform, holding one version with the value. Outside dev stacks the
 * secret is protected, retained and deletion protected.
 */
export class GcpSecretStore extends StrataComponent implements SecretStore {
  readonly reference: pulumi.Output<string>;

  /** The Secret Manager service agent, created so it can be granted the key before the secret exists. */
  readonly serviceAgent: projects.ServiceIdentity;
  readonly key: CustomerManagedKey;
  readonly secret: secretmanager.Secret;
  readonly version: secretmanager.SecretVersion;

  constructor(name: string, args: SecretStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "GcpSecretStore" }, name, args, opts, validateGcpSecretStoreArgs(name, args));
    // The validator has established the network is a GcpNetwork.
    const network = args.network as GcpNetwork;
    const dev = isDevEnvironment(this.context.environment);
    const children = this.childFactory();

    this.serviceAgent = new projectsSdk.ServiceIdentity(
      this.childName("secrets-agent"),
      { service: "secretmanager.googleapis.com" },
      this.childOptions(),
    );
    this.key = customerManagedKey(children, network.region, this.serviceAgent.member);
    this.secret = new secretmanagerSdk.Secret(
      this.childName("secret"),
      {
        // User-managed replication keeps the value in one region, encrypted with a key of that region.
        replication: {
          userManaged: { replicas: [{ location: network.region, customerManagedEncryption: { kmsKeyName: this.key.cryptoKey.id } }] },
        },
        deletionProtection: !dev,
      },
      this.statefulChildOptions({ dependsOn: [this.key.grant] }),
    );
    // Versions are immutable: a new value replaces the version, which protection would refuse.
    // It is retained instead, so the replaced value stays in the secret's history.
    this.version = new secretmanagerSdk.SecretVersion(
      this.childName("value"),
      { secret: this.secret.id, secretData: pulumi.secret(args.value) },
      this.childOptions({ protect: false, retainOnDelete: !dev }),
    );
    this.reference = this.secret.id;
    this.finish({ reference: this.reference });
  }
}
