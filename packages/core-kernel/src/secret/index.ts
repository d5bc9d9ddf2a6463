import type { Secret as KubernetesSecret } from "@pulumi/kubernetes/core/v1/index.js";
import * as pulumi from "@pulumi/pulumi";
import {
  IssueCollector,
  type LocalSecretStore,
  type PrimitiveArgs,
  type SecretStore,
  StrataComponent,
  type ValidationIssue,
  onKubernetes,
  platformIssues,
  validatedInput,
} from "@strata/cloud-kernel";
import type { Workspace } from "../workspace/index.js";
import { deploySecretOnKubernetes } from "./kubernetes.js";
import { deploySecretLocally } from "./local.js";

/** Arguments of a {@link Secret}. */
export interface SecretArgs extends PrimitiveArgs {
  /**
   * The sensitive value: a password, token or key. Take it from
   * `config.requireSecret(...)` or another resource's secret output; a plain
   * string is accepted and wrapped with `pulumi.secret`. Must not be empty.
   * Changing it rewrites the stored value in place.
   */
  value: pulumi.Input<string>;
  /**
   * Kubernetes targets: the Workspace whose namespace holds the Kubernetes
   * Secret (workloads read Secrets of their own namespace only).
   * @default the platform namespace
   */
  workspace?: Workspace;
}

/** What a Secret is made of on its target (the escape hatch). */
export type SecretNative =
  /** Local: the 0600 file store. */
  | { kind: "local"; store: LocalSecretStore }
  /** Kubernetes targets: the Kubernetes Secret workloads read (key `value`), and on clouds the secret manager's copy. */
  | { kind: "kubernetes"; secret: KubernetesSecret; store?: SecretStore };

function checkValue(name: string, value: unknown): ValidationIssue[] {
  const checks = new IssueCollector("Secret", name);
  if (value === undefined || value === null) {
    checks.add("value", value, "is missing", 'pass value: config.requireSecret("...") or another secret output');
  } else if (typeof value === "string" && value.length === 0) {
    checks.add("value", value, "is empty", 'give a non-empty value, e.g. from config.requireSecret("...")');
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
 * written to `<strata:dataDir>/secrets/<name>` with mode 0600 (local.ts). On
 * aws, gcp and azure it is kept in the cloud's secret manager and mirrored
 * into a Kubernetes Secret `<name>` (key `value`) for workloads; on
 * `kubernetes`, the Kubernetes Secret alone (kubernetes.ts).
 *
 * @example
 * const config = new pulumi.Config();
 * const token = new Secret("api-token", { value: config.requireSecret("apiToken"), owner: "data-platform" });
 */
export class Secret extends StrataComponent {
  /**
   * Where the value is kept: an absolute file path (local), the cloud secret
   * manager's reference (aws, gcp, azure), `<namespace>/<name>` (kubernetes).
   */
  readonly reference: pulumi.Output<string>;
  /** The value, as a Pulumi secret, for primitives that hand it to a process. */
  readonly value: pulumi.Output<string>;
  /** The Workspace holding it, if any. */
  readonly workspace?: Workspace;
  /** What it is made of on its target (escape hatch). */
  readonly native: SecretNative;

  constructor(name: string, args: SecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Secret" }, name, args, opts, (platform) => [
      ...validateSecretArgs(name, args),
      ...platformIssues("Secret", name, platform),
    ]);
    this.value = pulumi.secret(validatedInput(args.value, (v) => checkValue(name, v)));
    this.workspace = args.workspace;
    const deployed = onKubernetes(this.context.target)
      ? deploySecretOnKubernetes(this.childFactory(), name, this.value, args.workspace)
      : deploySecretLocally(this.childFactory(), name, this.value);
    this.native = deployed.native;
    this.reference = deployed.reference;
    this.finish({ reference: this.reference }, {});
  }
}
