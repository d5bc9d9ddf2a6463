import { Secret as KubernetesSecret } from "@pulumi/kubernetes/core/v1/index.js";
import * as pulumi from "@pulumi/pulumi";
import {
  IssueCollector,
  LocalSecretStore,
  type SecretStore,
  StrataComponent,
  kubernetesPlatform,
  onKubernetes,
  platformIssues,
  strataLabels,
  type PrimitiveArgs,
  type ValidationIssue,
  validatedInput,
} from "@strata/cloud-kernel";
import type { Workspace } from "./workspace.js";

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
 * written to `<strata:dataDir>/secrets/<name>` with mode 0600. On aws, gcp
 * and azure it is kept in the cloud's secret manager and mirrored into a
 * Kubernetes Secret `<name>` (key `value`) for workloads; on `kubernetes`,
 * the Kubernetes Secret alone.
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
  /** The target-specific store (escape hatch): the local file store or the cloud's secret manager. */
  readonly store?: LocalSecretStore | SecretStore;
  /** Kubernetes targets: the Secret workloads read (key `value`). */
  readonly kubernetesSecret?: KubernetesSecret;
  /** Kubernetes targets: the Workspace holding it, if any. */
  readonly workspace?: Workspace;

  constructor(name: string, args: SecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Secret" }, name, args, opts, (context) => [
      ...validateSecretArgs(name, args),
      ...platformIssues("Secret", name, context.target),
    ]);
    this.value = pulumi.secret(validatedInput(args.value, (v) => checkValue(name, v)));
    if (!onKubernetes(this.context.target)) {
      const store = new LocalSecretStore(this.childName("store"), { value: this.value, fileName: name, context: this.context }, this.childOptions());
      this.store = store;
      this.reference = store.reference;
    } else {
      const platform = kubernetesPlatform()!;
      const namespace = args.workspace?.namespace ?? platform.namespace;
      this.workspace = args.workspace;
      let cloudReference: pulumi.Output<string> | undefined;
      if (platform.cloud) {
        const store = new platform.cloud.capabilities.SecretStore(
          this.childName("store"),
          { context: this.context, network: platform.cloud.network, value: this.value },
          this.statefulChildOptions(),
        );
        this.store = store;
        cloudReference = store.reference;
      }
      this.kubernetesSecret = new KubernetesSecret(
        this.childName("kubernetes"),
        { metadata: { name, namespace, labels: strataLabels("Secret", name) }, type: "Opaque", stringData: { value: this.value } },
        this.childOptions({ provider: platform.provider }),
      );
      this.reference = cloudReference ?? pulumi.interpolate`${namespace}/${name}`;
    }
    this.finish({ reference: this.reference }, {});
  }
}
