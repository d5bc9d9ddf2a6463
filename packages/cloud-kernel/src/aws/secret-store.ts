import type * as kms from "@pulumi/aws/kms/index.js";
import type * as secretsmanager from "@pulumi/aws/secretsmanager/index.js";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, isDevEnvironment, type ValidationIssue } from "../base/index.js";
import type { SecretStore, SecretStoreArgs } from "../capabilities.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const kmsSdk = lazyPeer<typeof kms>("@pulumi/aws", "@pulumi/aws/kms/index.js");
const secretsmanagerSdk = lazyPeer<typeof secretsmanager>("@pulumi/aws", "@pulumi/aws/secretsmanager/index.js");

// Secrets Manager's limit on a secret value.
const MAX_BYTES = 65536;

/** Checks the arguments of an {@link AwsSecretStore}; a value known now is checked, never shown. Pure. */
export function validateAwsSecretStoreArgs(name: string, args: SecretStoreArgs): ValidationIssue[] {
  const checks = new IssueCollector("AwsSecretStore", name);
  if (typeof args.value === "string") {
    if (args.value === "") checks.add("value", args.value, "is empty", "give the secret's value", true);
    if (Buffer.byteLength(args.value) > MAX_BYTES)
      checks.add(
        "value",
        args.value,
        `is longer than Secrets Manager's ${MAX_BYTES} bytes`,
        "store large material in the object store and keep only its key here",
        true,
      );
  }
  return checks.issues;
}

/**
 * The SecretStore capability on AWS: a Secrets Manager secret encrypted with
 * its own KMS key (rotated). Outside dev stacks the secret and key are
 * protected and a deleted secret stays recoverable for 30 days; in dev stacks
 * it is deleted at once so its name can be reused.
 */
export class AwsSecretStore extends StrataComponent implements SecretStore {
  readonly reference: pulumi.Output<string>;
  readonly secret: secretsmanager.Secret;
  /** Key encrypting the secret. */
  readonly key: kms.Key;

  constructor(name: string, args: SecretStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "AwsSecretStore" }, name, args, opts, validateAwsSecretStoreArgs(name, args));
    const dev = isDevEnvironment(this.context.environment);

    this.key = new kmsSdk.Key(
      this.childName("key"),
      {
        description: `Encrypts the secret ${name}`,
        enableKeyRotation: true,
        deletionWindowInDays: dev ? 7 : 30,
      },
      this.statefulChildOptions(),
    );
    this.secret = new secretsmanagerSdk.Secret(
      this.childName("secret"),
      {
        description: `Secret ${name}`,
        kmsKeyId: this.key.arn,
        recoveryWindowInDays: dev ? 0 : 30,
      },
      this.statefulChildOptions(),
    );
    // Not protected: a new value replaces the version, which protection would refuse. Said explicitly,
    // since a child inherits `protect` from this component, which a Secret protects outside dev stacks.
    new secretsmanagerSdk.SecretVersion(
      this.childName("value"),
      {
        secretId: this.secret.id,
        secretString: pulumi.secret(args.value),
      },
      this.childOptions({ protect: false }),
    );

    this.reference = this.secret.arn;
    this.finish({ reference: this.reference });
  }
}
