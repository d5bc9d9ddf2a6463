import type { ConfigMap, Secret as KubernetesSecret } from "@pulumi/kubernetes/core/v1/index.js";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import {
  type ColumnReference,
  type HelmChartRelease,
  IssueCollector,
  type LocalFile,
  type LocalPasswordFile,
  type LocalProcess,
  type LocalServerCertificate,
  type LocalTrinoLogin,
  type Platform,
  type PolicyCheck,
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
   * Cluster makes and keeps as a Secret of its own (`cluster.logins[user]`).
   * Every user the Policies or `groups` name logs in too, with a generated
   * password unless listed here. Workloads are not listed: each service
   * account the Policies name gets a generated password of its own. A changed
   * password reaches the server at the next `up`, without a restart.
   * @default {}
   */
  users?: Record<string, Secret | "generate">;
  /**
   * Local target: HTTPS port on 127.0.0.1 (on Kubernetes the Service listens on 8080). Changing it restarts the server.
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
    checks.add("port", args.port, "is chosen by the chart on Kubernetes (8080)", "leave port out on Kubernetes targets");
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
  const policies = (args.policies ?? []).filter((p) => p instanceof Policy);
  const mounted = depots.filter((d) => d instanceof Depot);
  const { problems } = compilePolicies(
    policies.map((p) => p.spec),
    depotRefs(mounted),
    args.groups ?? {},
    staticColumnTypes(mounted),
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
    }
  /** Kubernetes targets: the Trino chart's release, the credentials Secret and the access-rules ConfigMap. */
  | { kind: "kubernetes"; release: HelmChartRelease; credentials: KubernetesSecret; accessRules: ConfigMap; storeAccess?: StoreAccess };

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
  /** The Cluster's owner: its generated Secrets have the same. */
  owner?: string;
  compute: Compute;
  port?: number;
  startTimeoutSeconds: number;
}

/** Who logs in to a local Cluster, and how. */
export interface ClusterLogins {
  /** The stack authority's certificate, which clients check the server against. */
  caFile: string;
  /** Person -> the Secret holding the password. */
  people: Record<string, Secret>;
  /** Service account -> its generated Secret, and the login the plugin uses for it. */
  serviceAccounts: Record<string, { secret: Secret; login: LocalTrinoLogin }>;
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
 * ConfigMap the pods mount and reload.
 */
export class Cluster extends StrataComponent {
  /** `https://127.0.0.1:<port>` (local: HTTPS only, password logins) or `http://<name>-trino.<namespace>.svc.cluster.local:8080` (Kubernetes). */
  readonly endpoint: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** Catalog names, sorted. */
  readonly catalogs: string[];
  readonly compute: Compute;
  /** What it is made of on its target (escape hatch). */
  readonly native: ClusterNative;
  /**
   * Local target: the people who log in -> the Secret holding each one's
   * password (its `reference` is the 0600 file). Empty on Kubernetes targets.
   */
  readonly logins: Record<string, Secret>;
  /** Local target: the certificate authority's file clients trust (`<dataDir>/tls/ca.pem`). */
  readonly caFile?: string;
  private readonly accounts: ClusterLogins["serviceAccounts"];

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
      ...(args.owner === undefined ? {} : { owner: args.owner }),
      compute: args.compute ?? new Compute(this.childName("compute"), { platform: this.platform, owner: args.owner }, this.childOptions()),
      ...(args.port === undefined ? {} : { port: args.port }),
      startTimeoutSeconds: args.startTimeoutSeconds ?? 180,
    };
    // A fixed port is claimed for the run: two primitives on one port are refused when the program ends.
    if (args.port !== undefined) this.platform.ports.claim(args.port, `Cluster "${name}"`);
    this.compute = spec.compute;
    this.catalogs = spec.depots.map((d) => d.catalogName);
    const deployed = onKubernetes(this.context.target)
      ? { ...deployClusterOnKubernetes(this.childFactory(), spec), logins: undefined }
      : deployClusterLocally(this.childFactory(), spec);
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
  serviceAccount(account: string, primitive: string, name: string): { secret: Secret; login: LocalTrinoLogin } {
    const found = this.accounts[account];
    if (found) return found;
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
