import * as pulumi from "@pulumi/pulumi";
import {
  IssueCollector,
  LocalSecretStore,
  StrataComponent,
  type PrimitiveArgs,
  type ValidationIssue,
  validatedInput,
} from "@strata/cloud-kernel";

/** Arguments of a {@link Secret}. */
export interface SecretArgs extends PrimitiveArgs {
  /**
   * The sensitive value: a password, token or key. Take it from
   * `config.requireSecret(...)` or another resource's secret output; a plain
   * string is accepted and wrapped with `pulumi.secret`. Must not be empty.
   * Changing it rewrites the stored value in place.
   */
  value: pulumi.Input<string>;
}

function checkValue(name: string, value: unknown): ValidationIssue[] {
  const checks = new IssueCollector("Secret", name);
  if (value === undefined || value === null) {
    checks.add("value", value, "is missing", "pass value: config.requireSecret(\"...\") or another secret output");
  } else if (typeof value === "string" && value.length === 0) {
    checks.add("value", value, "is empty", "give a non-empty value, e.g. from config.requireSecret(\"...\")");
  } else if (typeof value !== "string" && !pulumi.Output.isInstance(value) && !(value instanceof Promise)) {
    checks.add("value", typeof value, "is not a string", "give the secret as a string or a string Output");
  }
  return checks.issues;
}

/** Checks a Secret's arguments before anything is created. Pure. */
export function validateSecretArgs(name: string, args: SecretArgs): ValidationIssue[] {
  return checkValue(name, args.value);
}

/**
 * Sensitive information (passwords, tokens, keys) that other primitives use
 * by reference, never as plaintext in config, files other than its own, or logs.
 *
 * On the `local` target the value stays encrypted in Pulumi state and is
 * written to `<strata:dataDir>/secrets/<name>` with mode 0600.
 *
 * @example
 * const config = new pulumi.Config();
 * const token = new Secret("api-token", { value: config.requireSecret("apiToken"), owner: "data-platform" });
 */
export class Secret extends StrataComponent {
  /** Where the value is kept: an absolute file path on the local target. */
  readonly reference: pulumi.Output<string>;
  /** The value, as a Pulumi secret, for primitives that hand it to a process. */
  readonly value: pulumi.Output<string>;
  /** The target-specific store (escape hatch). */
  readonly store: LocalSecretStore;

  constructor(name: string, args: SecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Secret" }, name, args, opts, validateSecretArgs(name, args));
    this.value = pulumi.secret(validatedInput(args.value, (v) => checkValue(name, v)));
    // Only the local target exists today; contextFromConfig rejects the others.
    this.store = new LocalSecretStore(this.childName("store"), { value: this.value, fileName: name, context: this.context }, this.childOptions());
    this.reference = this.store.reference;
    this.finish({ reference: this.reference }, {});
  }
}
