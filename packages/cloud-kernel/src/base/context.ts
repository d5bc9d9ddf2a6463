import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataValidationError } from "./errors.js";

/** Targets Strata can deploy to. */
export const AVAILABLE_TARGETS = ["local", "kubernetes", "aws", "gcp", "azure"] as const;
export type TargetName = (typeof AVAILABLE_TARGETS)[number];
/** Targets that create a Kubernetes cluster in a cloud. */
export const CLOUD_TARGETS = ["aws", "gcp", "azure"] as const;
export type CloudTargetName = (typeof CLOUD_TARGETS)[number];

/** True for every target whose data plane is Kubernetes: `kubernetes` and the clouds. */
export function onKubernetes(target: TargetName): boolean {
  return target !== "local";
}

/**
 * Where and for which environment primitives are deployed. Read once from
 * stack config (namespace `strata`) by {@link stackContext}, or built by hand
 * and passed as `context` to a primitive.
 */
export interface StrataContext {
  /** Deployment target. Config `strata:target`. @default "local" */
  readonly target: TargetName;
  /**
   * Environment name; decides whether stateful data is protected
   * (see `statefulOptions`). Config `strata:environment`. @default the stack name
   */
  readonly environment: string;
  /**
   * Local target: absolute directory holding this stack's data (secret files,
   * databases, logs). Config `strata:dataDir`.
   * @default `~/.local/share/strata/<project>/<stack>`
   */
  readonly dataDir: string;
  /** Local target: the engines this machine provides (`scripts/setup.sh` records them; the strata command sets them). */
  readonly tools: LocalTools;
  /** Targets on Kubernetes (`kubernetes`, `aws`, `gcp`, `azure`): how the data plane is placed. */
  readonly kubernetes: KubernetesSettings;
  /**
   * An OpenLineage HTTP endpoint (its base URL; events are POSTed to
   * `<url>/api/v1/lineage`) that local workflow runs send their events to,
   * besides the stack's `lineage/events.jsonl`. Config `strata:lineageUrl`.
   * @default none
   */
  readonly lineageUrl?: string;
}

/** The effects a Kubernetes taint may have. */
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

/** A Kubernetes node taint. */
export interface NodeTaint {
  key: string;
  value: string;
  effect: (typeof TAINT_EFFECTS)[number];
}

/** How the data plane is placed on Kubernetes. All from `strata:*` config. */
export interface KubernetesSettings {
  /**
   * Prefix of every namespace Strata creates (e.g. "acme-" gives "acme-strata").
   * Config `strata:namespacePrefix`. @default ""
   */
  readonly namespacePrefix: string;
  /**
   * `kubernetes` target: labels of the existing nodes workloads run on, when a
   * Compute names none. Config `strata:nodeSelector` (JSON object). @default {} (any node)
   */
  readonly nodeSelector: Record<string, string>;
  /**
   * `kubernetes` target: taints of those nodes that workloads tolerate, when a
   * Compute names none. Config `strata:tolerations` (JSON list of
   * `{ key, value, effect }`). @default []
   */
  readonly tolerations: NodeTaint[];
  /**
   * `install`: Helm charts (Trino, Argo Workflows) are installed as Helm
   * releases. `values`: the releases' chart, version and values are exported
   * (stack output `helmReleases`) for a GitOps tool to install, and nothing
   * is fetched from a chart repository. Config `strata:helmCharts`. @default "install"
   */
  readonly helmCharts: "install" | "values";
  /**
   * Wait for Deployments and Jobs to become ready. Turn off only where no
   * pod can run (an API server without nodes). Config `strata:awaitWorkloads`. @default true
   */
  readonly awaitWorkloads: boolean;
  /**
   * `kubernetes` target: the issuer (`iss`) of the cluster's service-account
   * tokens, which Clusters accept from workloads (the API server's
   * `--service-account-issuer`). Cloud targets use their cluster's own.
   * Config `strata:serviceAccountIssuer`. @default "https://kubernetes.default.svc"
   */
  readonly serviceAccountIssuer: string;
  /**
   * The cluster's cert-manager issuer that signs Clusters' server
   * certificates, with its authority's certificate (which workloads trust).
   * Config `strata:certManagerIssuer` (`ClusterIssuer/<name>`, or
   * `Issuer/<name>` in the platform namespace) and
   * `strata:certManagerIssuerCertificate` (PEM). @default none: the stack's
   * own authority signs them
   */
  readonly certManager?: CertManagerIssuer;
}

/** A cert-manager issuer and the certificate of the authority it signs with. */
export interface CertManagerIssuer {
  kind: "Issuer" | "ClusterIssuer";
  name: string;
  /** PEM of the authority's certificate. */
  certificateAuthority: string;
}

/** Where the local target finds its engines. */
export interface LocalTools {
  /** PostgreSQL server binaries. Config `strata:postgresBin`. @default "/usr/lib/postgresql/15/bin" */
  readonly postgresBin: string;
  /** Unpacked Trino server. Config `strata:trinoHome`. @default none: a Cluster requires it */
  readonly trinoHome?: string;
  /** JDK >= 24 for Trino. Config `strata:javaHome`. @default none: a Cluster requires it */
  readonly javaHome?: string;
  /**
   * Supervisor (supervisord) installed by scripts/setup.sh: `lib/` and `bin/python3`.
   * Config `strata:supervisorHome`. @default none: every local process requires it
   */
  readonly supervisorHome?: string;
}

/** The stack config a context is read from; `pulumi.Config` satisfies it. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/** Builds and checks a context from stack config. Pure: tested without Pulumi. */
export function contextFromConfig(config: ConfigSource, project: string, stack: string): StrataContext {
  const checks = new IssueCollector("Stack config", `${project}/${stack}`);
  const target = config.get("target") ?? "local";
  if (!(AVAILABLE_TARGETS as readonly string[]).includes(target)) {
    checks.add(
      "strata:target",
      target,
      "is not a target this version can deploy to",
      `set one of ${AVAILABLE_TARGETS.map((t) => `"${t}"`).join(", ")} (pulumi config set strata:target local)`,
    );
  }
  const environment = config.get("environment") ?? stack;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(environment)) {
    checks.add(
      "strata:environment",
      environment,
      "is not a valid environment name",
      'use lower-case letters, digits and "-" (e.g. "dev", "prod")',
    );
  }
  const dataDir = config.get("dataDir") ?? path.join(os.homedir(), ".local", "share", "strata", project, stack);
  if (!path.isAbsolute(dataDir)) {
    checks.add("strata:dataDir", dataDir, "is not an absolute path", "give an absolute directory, e.g. /var/lib/strata/dev");
  }
  const tools: LocalTools = {
    postgresBin: config.get("postgresBin") ?? "/usr/lib/postgresql/15/bin",
    ...(config.get("trinoHome") === undefined ? {} : { trinoHome: config.get("trinoHome") }),
    ...(config.get("javaHome") === undefined ? {} : { javaHome: config.get("javaHome") }),
    ...(config.get("supervisorHome") === undefined ? {} : { supervisorHome: config.get("supervisorHome") }),
  };
  const kubernetes = kubernetesSettings(config, checks);
  for (const [key, value] of Object.entries(tools)) {
    if (!path.isAbsolute(value)) checks.add(`strata:${key}`, value, "is not an absolute path", "give an absolute directory");
  }
  const lineageUrl = config.get("lineageUrl");
  if (lineageUrl !== undefined && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(lineageUrl)) {
    checks.add(
      "strata:lineageUrl",
      lineageUrl,
      "is not an http(s) URL",
      "give the OpenLineage endpoint's base URL, e.g. http://marquez:5000",
    );
  }
  if (checks.issues.length > 0) throw new StrataValidationError(checks.issues);
  return {
    target: target as TargetName,
    environment,
    dataDir: path.normalize(dataDir),
    tools,
    kubernetes,
    ...(lineageUrl === undefined ? {} : { lineageUrl }),
  };
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Issues of a set of Kubernetes labels (keys and values as the API server checks them). Pure. */
export function labelIssues(labels: Record<string, unknown>): Array<{ key: string; value: unknown; problem: string }> {
  const issues: Array<{ key: string; value: unknown; problem: string }> = [];
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_KEY.test(key) || key.length > 317) issues.push({ key, value: key, problem: "is not a valid Kubernetes label key" });
    if (typeof value !== "string" || !LABEL_VALUE.test(value))
      issues.push({ key, value, problem: "is not a valid Kubernetes label value" });
  }
  return issues;
}

/** The value of a JSON text (a config value), or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function kubernetesSettings(config: ConfigSource, checks: IssueCollector): KubernetesSettings {
  const namespacePrefix = config.get("namespacePrefix") ?? "";
  if (namespacePrefix !== "" && !/^[a-z0-9]([-a-z0-9]{0,30}-)?$/.test(namespacePrefix)) {
    checks.add(
      "strata:namespacePrefix",
      namespacePrefix,
      "is not a usable namespace prefix",
      'use up to 32 lower-case letters, digits and "-", ending with "-", e.g. "acme-"',
    );
  }
  let nodeSelector: Record<string, string> = {};
  const rawSelector = config.get("nodeSelector");
  if (rawSelector !== undefined) {
    const parsed = parseJson(rawSelector);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      checks.add("strata:nodeSelector", rawSelector, "is not a JSON object of labels", 'give e.g. {"node-role/data":"true"}');
    } else {
      for (const issue of labelIssues(parsed as Record<string, unknown>)) {
        checks.add(
          `strata:nodeSelector.${issue.key}`,
          issue.value,
          issue.problem,
          "use a label of your nodes (kubectl get nodes --show-labels)",
        );
      }
      nodeSelector = parsed as Record<string, string>;
    }
  }
  const tolerations: NodeTaint[] = [];
  const rawTolerations = config.get("tolerations");
  if (rawTolerations !== undefined) {
    const parsed = parseJson(rawTolerations);
    const valid = (t: unknown): t is NodeTaint =>
      typeof t === "object" &&
      t !== null &&
      labelIssues({ [(t as NodeTaint).key]: (t as NodeTaint).value }).length === 0 &&
      TAINT_EFFECTS.includes((t as NodeTaint).effect);
    if (!Array.isArray(parsed) || !parsed.every(valid)) {
      checks.add(
        "strata:tolerations",
        rawTolerations,
        "is not a JSON list of taints",
        'give e.g. [{"key":"dedicated","value":"data","effect":"NoSchedule"}]',
      );
    } else {
      tolerations.push(...parsed);
    }
  }
  const helmCharts = config.get("helmCharts") ?? "install";
  if (helmCharts !== "install" && helmCharts !== "values") {
    checks.add(
      "strata:helmCharts",
      helmCharts,
      'is neither "install" nor "values"',
      'set "install" (Helm releases) or "values" (export them for GitOps)',
    );
  }
  const awaitWorkloads = config.get("awaitWorkloads") ?? "true";
  if (awaitWorkloads !== "true" && awaitWorkloads !== "false") {
    checks.add("strata:awaitWorkloads", awaitWorkloads, "is not a boolean", 'set "true" or "false"');
  }
  const serviceAccountIssuer = config.get("serviceAccountIssuer") ?? "https://kubernetes.default.svc";
  if (!/^https:\/\/[^\s/]+/.test(serviceAccountIssuer)) {
    checks.add(
      "strata:serviceAccountIssuer",
      serviceAccountIssuer,
      "is not an https URL",
      "set the API server's --service-account-issuer, e.g. https://kubernetes.default.svc",
    );
  }
  const certManager = certManagerIssuer(config.get("certManagerIssuer"), config.get("certManagerIssuerCertificate"), checks);
  return {
    namespacePrefix,
    nodeSelector,
    tolerations,
    helmCharts: helmCharts as KubernetesSettings["helmCharts"],
    awaitWorkloads: awaitWorkloads !== "false",
    serviceAccountIssuer,
    ...(certManager ? { certManager } : {}),
  };
}

/** The context of the stack being deployed, read from its `strata:*` config (namespace `strata`). */
export function stackContext(): StrataContext {
  return contextFromConfig(new pulumi.Config("strata"), pulumi.getProject(), pulumi.getStack());
}

/** `strata:certManagerIssuer` and its authority's certificate, checked together. */
function certManagerIssuer(
  issuer: string | undefined,
  certificate: string | undefined,
  checks: IssueCollector,
): CertManagerIssuer | undefined {
  if (issuer === undefined) {
    if (certificate !== undefined)
      checks.add(
        "strata:certManagerIssuerCertificate",
        "(a certificate)",
        "is set without strata:certManagerIssuer",
        "set strata:certManagerIssuer too (e.g. ClusterIssuer/internal-ca), or remove the certificate",
      );
    return undefined;
  }
  const match = /^(Issuer|ClusterIssuer)\/([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)$/.exec(issuer);
  if (!match)
    checks.add(
      "strata:certManagerIssuer",
      issuer,
      "is not a cert-manager issuer reference",
      "give ClusterIssuer/<name>, or Issuer/<name> for an issuer in the platform namespace",
    );
  const pem = certificate?.trim();
  if (pem === undefined || !/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/.test(pem))
    checks.add(
      "strata:certManagerIssuerCertificate",
      pem === undefined ? undefined : "(not a PEM certificate)",
      pem === undefined ? "is missing: workloads must know which authority signs the Cluster's certificate" : "is not a PEM certificate",
      'pulumi config set strata:certManagerIssuerCertificate -- "$(cat issuer-ca.pem)"',
    );
  if (!match || pem === undefined) return undefined;
  return { kind: match[1] as CertManagerIssuer["kind"], name: match[2]!, certificateAuthority: `${pem}\n` };
}
