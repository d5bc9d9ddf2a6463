import type { ConfigMap, Secret as KubernetesSecret } from "@pulumi/kubernetes/core/v1/index.js";
import type { NetworkPolicy } from "@pulumi/kubernetes/networking/v1/index.js";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import {
  type ColumnReference,
  type HelmChartRelease,
  IssueCollector,
  type LocalFile,
  type LocalGeneratedSecret,
  type LocalPasswordFile,
  type LocalProcess,
  type LocalServerCertificate,
  type LocalTrinoLogin,
  type Platform,
  type PolicyCheck,
  type PostgresDepotRole,
  type SqlMask,
  type StoreAccess,
  StrataComponent,
  StrataValidationError,
  type PrimitiveArgs,
  type ValidationIssue,
  onKubernetes,
  platformIssues,
} from "@strata/cloud-kernel";
import { Compute } from "../compute/index.js";
import { Depot } from "../depot/index.js";
import { tpchColumnTypes } from "../depot/tpch.js";
import { Policy } from "../policy/index.js";
import {
  type ColumnTypes,
  type DepotRef,
  HEALTH_USER,
  type PolicySpec,
  compilePolicies,
  serviceAccountsOf,
  usersOf,
} from "../policy/compile.js";
import { Secret } from "../secret/index.js";
import { deployClusterOnKubernetes } from "./kubernetes.js";
import { deployClusterLocally } from "./local.js";

/** How people sign in to a Cluster on Kubernetes targets: the organisation's OpenID Connect provider. */
export interface IdentityProviderArgs {
  /** The provider's issuer URL, e.g. `https://login.example.com/realms/data` (its discovery document is read at start). */
  issuer: string;
  /** The client registered for the Cluster at the provider. */
  clientId: string;
  /** That client's secret. */
  clientSecret: Secret;
  /** The access-token claim naming the person; Policies name people by it. @default "preferred_username" */
  userClaim?: string;
  /** The access-token claim listing the person's groups; Policies name groups by it. @default "groups" */
  groupsClaim?: string;
  /** Token audiences accepted besides the client id. @default [] */
  audiences?: string[];
  /** PEM of the certificate authority of the provider's HTTPS certificate, when it is a private one. @default the public authorities */
  certificateAuthority?: string;
}

/** Arguments of a {@link Cluster}. */
export interface ClusterArgs extends PrimitiveArgs {
  /**
   * The Compute it runs on: memory (80 % becomes JVM heap) and worker threads.
   * @default a Compute of 2048 MiB and every core, named `<name>-compute`
   */
  compute?: Compute;
  /**
   * Depots mounted as catalogs. Adding or removing one restarts the server
   * with the new set of catalogs; the others stay.
   * @default []
   */
  depots?: Depot[];
  /**
   * Policies compiled into the server's access rules (first match wins,
   * anything not allowed is denied). Changes apply within seconds, without a
   * restart. With no policies at all, every query is denied.
   * @default []
   */
  policies?: Policy[];
  /** Group membership for policies that name groups: group -> users. @default {} */
  groups?: Record<string, string[]>;
  /**
   * Local target: the people who log in, with a password over HTTPS: user ->
   * the Secret holding the password, or `"generate"` for a password the
   * Cluster makes and keeps in a 0600 file of its own (`cluster.logins[user]`).
   * Every user the Policies or `groups` name logs in too, with a generated
   * password unless listed here. Workloads are not listed: each service
   * account the Policies name gets a generated password of its own. A changed
   * password reaches the server at the next `up`, without a restart.
   * @default {}
   */
  users?: Record<string, Secret | "generate">;
  /**
   * Kubernetes targets: people sign in with an access token from this OpenID
   * Connect provider (groups from its groups claim). Workloads sign in with
   * their projected service-account token either way, and without a provider
   * nobody else can log in. On the local target people log in with passwords (`users`).
   */
  identityProvider?: IdentityProviderArgs;
  /**
   * Local target: HTTPS port on 127.0.0.1 (on Kubernetes the Service serves HTTPS on 8443). Changing it restarts the server.
   * @default a free port picked at first deployment and kept
   */
  port?: number;
  /** Seconds to wait for the server to be ready. @default 180 */
  startTimeoutSeconds?: number;
}

const NAME = /^[A-Za-z0-9_.@-]+$/;

/** Checks a Cluster's arguments, its policies against its depots included. Pure. */
export function validateClusterArgs(
  name: string,
  args: ClusterArgs,
  platform: Pick<Platform, "context" | "kubernetes">,
): ValidationIssue[] {
  const checks = new IssueCollector("Cluster", name);
  const context = platform.context;
  checks.addAll(platformIssues("Cluster", name, platform));
  if (!onKubernetes(context.target) && (!context.tools.trinoHome || !context.tools.javaHome)) {
    checks.add(
      context.tools.trinoHome ? "strata:javaHome" : "strata:trinoHome",
      context.tools.trinoHome ? context.tools.javaHome : context.tools.trinoHome,
      "is not set in stack config",
      "run scripts/setup.sh and deploy with the strata command (it sets both), or set strata:trinoHome and strata:javaHome",
    );
  }
  if (args.port !== undefined && onKubernetes(context.target)) {
    checks.add("port", args.port, "is fixed on Kubernetes (HTTPS on 8443)", "leave port out on Kubernetes targets");
  } else if (args.port !== undefined) {
    if (!Number.isInteger(args.port) || args.port < 1024 || args.port > 65535) {
      checks.add("port", args.port, "is not a usable port", "give an integer from 1024 to 65535, or leave it out to pick a free one");
    }
  }
  if (args.compute !== undefined && !(args.compute instanceof Compute)) {
    checks.add("compute", typeof args.compute, "is not a Compute", "pass a Compute created in this program");
  }
  const depots = args.depots ?? [];
  const seen = new Map<string, string>();
  depots.forEach((depot, i) => {
    if (!(depot instanceof Depot)) {
      checks.add(`depots[${i}]`, typeof depot, "is not a Depot", "pass Depots created in this program");
      return;
    }
    const other = seen.get(depot.catalogName);
    if (other !== undefined) {
      checks.add(`depots[${i}]`, depot.catalogName, `has the same catalog name as Depot "${other}"`, "give each Depot its own catalogName");
    }
    seen.set(depot.catalogName, depot.resourceName);
  });
  const accounts = new Set(serviceAccountsOf((args.policies ?? []).filter((p) => p instanceof Policy).map((p) => p.spec)));
  for (const [user, secret] of Object.entries(args.users ?? {})) {
    if (!NAME.test(user)) checks.add(`users.${user}`, user, "is not a valid user name", 'use letters, digits, ".", "_", "@" or "-"');
    if (secret !== "generate" && !(secret instanceof Secret))
      checks.add(`users.${user}`, typeof secret, "is not a Secret", 'pass a Secret holding the password, or "generate"');
    if (accounts.has(user) || user === HEALTH_USER)
      checks.add(
        `users.${user}`,
        user,
        "is the name of a service account",
        "give the person another name: a service account's name is its own login",
      );
  }
  for (const [group, members] of Object.entries(args.groups ?? {})) {
    if (!NAME.test(group)) checks.add(`groups.${group}`, group, "is not a valid group name", 'use letters, digits, ".", "_", "@" or "-"');
    members.forEach((m, i) => {
      if (!NAME.test(m)) checks.add(`groups.${group}[${i}]`, m, "is not a valid user name", 'use letters, digits, ".", "_", "@" or "-"');
    });
  }
  checks.addAll(identityProviderIssues(name, args.identityProvider, onKubernetes(context.target)));
  const policies = (args.policies ?? []).filter((p) => p instanceof Policy);
  const mounted = depots.filter((d) => d instanceof Depot);
  const { problems } = compilePolicies(
    policies.map((p) => p.spec),
    depotRefs(mounted),
    args.groups ?? {},
    staticColumnTypes(mounted),
    { identityProviderGroups: args.identityProvider !== undefined && onKubernetes(context.target) },
  );
  // Problems inside one policy were reported by the Policy itself; here only what needs the Cluster.
  checks.addAll(
    problems
      .filter((p) => p.scope !== "rule")
      .map((p) => ({
        primitive: "Policy",
        name: p.policy,
        field: p.field,
        value: p.value,
        problem: `${p.problem} (Cluster "${name}")`,
        fix: p.fix,
      })),
  );
  return checks.issues;
}

const CLAIM = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/** Checks a Cluster's `identityProvider`. Pure. */
export function identityProviderIssues(name: string, provider: IdentityProviderArgs | undefined, kubernetes: boolean): ValidationIssue[] {
  const checks = new IssueCollector("Cluster", name);
  if (provider === undefined) return checks.issues;
  if (!kubernetes) {
    checks.add(
      "identityProvider",
      provider.issuer,
      "applies on Kubernetes targets only",
      "leave it out on the local target, where people log in with passwords (users)",
    );
    return checks.issues;
  }
  let issuer: URL | undefined;
  try {
    issuer = new URL(provider.issuer);
  } catch {
    checks.add(
      "identityProvider.issuer",
      provider.issuer,
      "is not a URL",
      "give the provider's issuer, e.g. https://login.example.com/realms/data",
    );
  }
  // Plain HTTP only to a provider on the same machine (a test or a development provider).
  if (issuer && issuer.protocol !== "https:" && !(issuer.protocol === "http:" && ["127.0.0.1", "localhost"].includes(issuer.hostname)))
    checks.add("identityProvider.issuer", provider.issuer, "is not an https URL", "give the provider's https issuer URL");
  if (typeof provider.clientId !== "string" || provider.clientId.trim() === "")
    checks.add(
      "identityProvider.clientId",
      provider.clientId,
      "is empty",
      "give the client id registered for this Cluster at the provider",
    );
  if (!(provider.clientSecret instanceof Secret))
    checks.add(
      "identityProvider.clientSecret",
      typeof provider.clientSecret,
      "is not a Secret",
      "pass a Secret holding the client's secret",
    );
  for (const field of ["userClaim", "groupsClaim"] as const) {
    const claim = provider[field];
    if (claim !== undefined && !CLAIM.test(claim))
      checks.add(
        `identityProvider.${field}`,
        claim,
        "is not a claim name",
        "give a top-level claim name, e.g. preferred_username or groups",
      );
  }
  if (provider.certificateAuthority !== undefined && !provider.certificateAuthority.includes("-----BEGIN CERTIFICATE-----"))
    checks.add(
      "identityProvider.certificateAuthority",
      `${provider.certificateAuthority.slice(0, 20)}…`,
      "is not a PEM certificate",
      "give the PEM text of the provider's certificate authority",
    );
  return checks.issues;
}

/** The depots as the policy compiler sees them; TPC-H's tables are all known. */
export function depotRefs(depots: Depot[]): DepotRef[] {
  return depots.map((d) => ({ name: d.catalogName, catalog: d.catalogName, ...(d.source.kind === "tpch" ? { complete: true } : {}) }));
}

/** Column types known without a server: the fixed TPC-H schema. */
export function staticColumnTypes(depots: Depot[]): ColumnTypes {
  return Object.assign({}, ...depots.filter((d) => d.source.kind === "tpch").map((d) => tpchColumnTypes(d.catalogName)));
}

/** The SQL masks policies give on one depot's tables. */
export function sqlMasksOf(policies: PolicySpec[], catalog: string): SqlMask[] {
  return [...policies]
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((p) =>
      (p.masks ?? []).flatMap((m, i) =>
        m.depot === catalog && typeof m.mask === "object"
          ? [
              {
                primitive: `Policy "${p.name}"`,
                field: `masks[${i}].mask`,
                depot: catalog,
                schema: m.schema,
                table: m.table,
                column: m.column,
                sql: m.mask.sql,
              },
            ]
          : [],
      ),
    );
}

/** The tables and columns policies name in one depot, for checking against the source. */
export function referencesOf(policies: PolicySpec[], catalog: string): ColumnReference[] {
  const refs: ColumnReference[] = [];
  for (const p of [...policies].sort((a, b) => a.name.localeCompare(b.name))) {
    const primitive = `Policy "${p.name}"`;
    (p.access ?? []).forEach((r, i) => {
      if (r.depot === catalog && r.schema !== undefined && r.table !== undefined)
        refs.push({ primitive, field: `access[${i}].table`, schema: r.schema, table: r.table });
    });
    (p.masks ?? []).forEach((r, i) => {
      if (r.depot === catalog) {
        const mask = typeof r.mask === "string" ? { mask: r.mask } : {};
        refs.push({ primitive, field: `masks[${i}].column`, schema: r.schema, table: r.table, column: r.column, ...mask });
      }
    });
    (p.filters ?? []).forEach((r, i) => {
      if (r.depot === catalog) refs.push({ primitive, field: `filters[${i}].table`, schema: r.schema, table: r.table });
    });
  }
  return refs;
}

/** What a Cluster is made of on its target (the escape hatch). */
export type ClusterNative =
  /** Local: the Trino process, its access-rules file, password file, certificate and the policy check. */
  | {
      kind: "local";
      server: LocalProcess;
      accessRules: LocalFile;
      rulesFile: string;
      passwordFile: LocalPasswordFile;
      certificate: LocalServerCertificate;
      policyCheck?: PolicyCheck;
      /** Per Database depot (by catalog): the role the Cluster reads it with, and that role's generated password. */
      depotRoles: Record<string, { role: PostgresDepotRole; password: LocalGeneratedSecret }>;
    }
  /** Kubernetes targets: the Trino chart's release, the credentials Secret and the access-rules ConfigMap. */
  | {
      kind: "kubernetes";
      release: HelmChartRelease;
      credentials: KubernetesSecret;
      accessRules: ConfigMap;
      /** Who may reach Trino's pods. */
      networkPolicy: NetworkPolicy;
      storeAccess?: StoreAccess;
    };

/** What the backends need of a Cluster, computed once. */
export interface ClusterSpec {
  name: string;
  /** Sorted by catalog name. */
  depots: Depot[];
  policies: PolicySpec[];
  groups: Record<string, string[]>;
  /** Every person who logs in: the given ones, and those Policies and groups name (generated). */
  users: Record<string, Secret | "generate">;
  /** Every service account the Policies name, sorted. */
  serviceAccounts: string[];
  compute: Compute;
  port?: number;
  startTimeoutSeconds: number;
  /** Kubernetes targets: the people's OpenID Connect provider. */
  identityProvider?: IdentityProviderArgs;
}

/**
 * Where a login's password is kept: a given {@link Secret}, or the file of a
 * password the Cluster generated. `reference` is the 0600 file on the local target.
 */
export interface LoginPassword {
  readonly reference: pulumi.Output<string>;
  /** The password, as a Pulumi secret. */
  readonly value: pulumi.Output<string>;
}

/** Who logs in to a local Cluster, and how. */
export interface ClusterLogins {
  /** The stack authority's certificate, which clients check the server against. */
  caFile: string;
  /** Person -> where the password is kept. */
  people: Record<string, LoginPassword>;
  /** Service account -> where its generated password is kept, and the login the plugin uses for it. */
  serviceAccounts: Record<string, { password: LoginPassword; login: LocalTrinoLogin }>;
}

/** A child role for a login's Secret: the name itself when it is a valid role, otherwise a readable form with a hash. */
export function loginRole(prefix: string, name: string): string {
  const readable = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const role = `${prefix}-${readable}`;
  return readable === name ? role : `${role}-${createHash("sha256").update(name).digest("hex").slice(0, 6)}`;
}

/**
 * A distributed SQL engine (Trino) that federates its Depots. On the local
 * target (local.ts): a single-node Trino 476 process listening on 127.0.0.1
 * over HTTPS only, every client logging in with a password (people, the
 * service accounts its Policies name, its readiness check; see `users`),
 * with only the plugins its Depots need, heap from its Compute, catalogs
 * from its Depots (credentials as environment variables), and access rules
 * from its Policies, checked against the live sources and reloaded every 2 s
 * without a restart. On Kubernetes targets (kubernetes.ts): the official
 * Trino Helm chart (coordinator and autoscaled workers sized and placed by
 * its Compute), catalogs from its Depots with credentials from a Kubernetes
 * Secret through environment references, and its Policies' rules in a
 * ConfigMap the pods mount and reload; HTTPS on 8443, people signing in
 * with the `identityProvider`'s tokens, workloads with their projected
 * service-account tokens, and a NetworkPolicy letting in only the workloads
 * its Policies name (kubernetes-identity.ts).
 */
export class Cluster extends StrataComponent {
  /** `https://127.0.0.1:<port>` (local: password logins) or `https://<name>-trino.<namespace>.svc.cluster.local:8443` (Kubernetes: tokens). */
  readonly endpoint: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** Catalog names, sorted. */
  readonly catalogs: string[];
  readonly compute: Compute;
  /** What it is made of on its target (escape hatch). */
  readonly native: ClusterNative;
  /**
   * Local target: the people who log in -> where each one's password is
   * kept (the given Secret, or the generated password's 0600 file, both as
   * `reference`). Empty on Kubernetes targets.
   */
  readonly logins: Record<string, LoginPassword>;
  /** Local target: the certificate authority's file clients trust (`<dataDir>/tls/ca.pem`). */
  readonly caFile?: string;
  /**
   * Kubernetes targets: how a workload logs in. Its pods present a projected
   * service-account token bound to `tokenAudience`, and check the server
   * against the certificate authority in ConfigMap `caConfigMap` (key
   * `ca.crt`, in the Cluster's namespace; `certificateAuthority` is its PEM).
   */
  readonly workloadLogin?: { tokenAudience: pulumi.Output<string>; caConfigMap: string; certificateAuthority: pulumi.Output<string> };
  private readonly accounts: ClusterLogins["serviceAccounts"];
  /** The service accounts its Policies name. */
  private readonly namedAccounts: Set<string>;

  constructor(name: string, args: ClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Cluster" }, name, args, opts, (platform) => validateClusterArgs(name, args, platform));
    const spec: ClusterSpec = {
      name,
      depots: [...(args.depots ?? [])].sort((a, b) => a.catalogName.localeCompare(b.catalogName)),
      policies: (args.policies ?? []).map((p) => p.spec),
      groups: args.groups ?? {},
      users: {
        ...Object.fromEntries(
          usersOf(
            (args.policies ?? []).map((p) => p.spec),
            args.groups ?? {},
          ).map((u) => [u, "generate" as const]),
        ),
        ...(args.users ?? {}),
      },
      serviceAccounts: serviceAccountsOf((args.policies ?? []).map((p) => p.spec)),
      compute: args.compute ?? new Compute(this.childName("compute"), { platform: this.platform, owner: args.owner }, this.childOptions()),
      ...(args.port === undefined ? {} : { port: args.port }),
      ...(args.identityProvider === undefined ? {} : { identityProvider: args.identityProvider }),
      startTimeoutSeconds: args.startTimeoutSeconds ?? 180,
    };
    this.namedAccounts = new Set(spec.serviceAccounts);
    // A fixed port is claimed for the run: two primitives on one port are refused when the program ends.
    if (args.port !== undefined) this.platform.ports.claim(args.port, `Cluster "${name}"`);
    this.compute = spec.compute;
    this.catalogs = spec.depots.map((d) => d.catalogName);
    const deployed = onKubernetes(this.context.target)
      ? { ...deployClusterOnKubernetes(this.childFactory(), spec), logins: undefined }
      : { ...deployClusterLocally(this.childFactory(), spec), workloadLogin: undefined };
    if (deployed.workloadLogin) this.workloadLogin = deployed.workloadLogin;
    this.native = deployed.native;
    this.port = deployed.port;
    this.endpoint = deployed.endpoint;
    this.logins = deployed.logins?.people ?? {};
    this.accounts = deployed.logins?.serviceAccounts ?? {};
    if (deployed.logins) this.caFile = deployed.logins.caFile;
    this.finish(
      {
        endpoint: this.endpoint,
        port: this.port,
        catalogs: this.catalogs,
        ...(deployed.logins ? { caFile: deployed.logins.caFile, logins: this.loginFiles() } : {}),
      },
      { inputs: spec.depots.map((d) => d.address) },
    );
  }

  /** User -> the file holding the password (local target): what a client reads to log in as that user. */
  loginFiles(): pulumi.Output<Record<string, string>> {
    const users = Object.keys(this.logins).sort();
    return pulumi
      .all(users.map((u) => this.logins[u]!.reference))
      .apply((files) => Object.fromEntries(users.map((u, i) => [u, files[i]!])));
  }

  /**
   * The login of a service account the Policies name (local target): its
   * Secret and the plugin's way in. A workload runs as this identity, never
   * as a person. Throws a validation error naming the fix when no Policy of
   * this Cluster names it (without a grant it could do nothing), and on
   * Kubernetes targets, where Clusters have no logins of their own yet.
   */
  serviceAccount(account: string, primitive: string, name: string): { password: LoginPassword; login: LocalTrinoLogin } {
    this.requireServiceAccount(account, primitive, name);
    const found = this.accounts[account];
    if (found) return found;
    throw new StrataValidationError([
      {
        primitive,
        name,
        field: "cluster",
        value: this.resourceName,
        problem: "has no password logins on Kubernetes targets (workloads sign in with their service-account token)",
        fix: "use the Cluster's workloadLogin on Kubernetes targets",
      },
    ]);
  }

  /**
   * Throws a validation error naming the fix unless a Policy of this Cluster
   * names `account` (a workload without a grant could do nothing, and on
   * Kubernetes targets its token would map to no user).
   */
  requireServiceAccount(account: string, primitive: string, name: string): void {
    if (this.namedAccounts.has(account)) return;
    throw new StrataValidationError([
      {
        primitive,
        name,
        field: "cluster",
        value: this.resourceName,
        problem: `runs as service account "${account}", which no Policy of Cluster "${this.resourceName}" names`,
        fix: `add a Policy granting serviceAccounts: ["${account}"] what it needs (e.g. access: "read" on its depots)`,
      },
    ]);
  }
}
