import { createHash } from "node:crypto";
import * as path from "node:path";
import { ConfigMap, Secret as KubernetesSecret } from "@pulumi/kubernetes/core/v1/index.js";
import * as pulumi from "@pulumi/pulumi";
import {
  type ColumnReference,
  FreePort,
  HelmChartRelease,
  IssueCollector,
  LocalFile,
  LocalFileSet,
  LocalLinks,
  LocalProcess,
  PolicyCheck,
  type PolicyCheckDepot,
  type SqlMask,
  StrataComponent,
  type PrimitiveArgs,
  type StrataContext,
  type ValidationIssue,
  claimPort,
  kubernetesPlatform,
  onKubernetes,
  platformIssues,
  strataLabels,
} from "@strata/cloud-kernel";
import { Compute } from "./compute.js";
import { Depot } from "./depot.js";
import { Policy } from "./policy.js";
import { type ColumnTypes, type DepotRef, HEALTH_USER, type PolicySpec, type TrinoRules, compilePolicies, renderRules } from "./policy-compile.js";
import { tpchColumnTypes } from "./tpch.js";
import { RELOAD_SECONDS, compileTrinoServerFiles, renderGroups } from "./trino-config.js";
import { TRINO_CHART, compileTrinoHelmValues } from "./trino-helm-values.js";

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
   * Local target: HTTP port on 127.0.0.1 (on Kubernetes the Service listens on 8080). Changing it restarts the server.
   * @default a free port picked at first deployment and kept
   */
  port?: number;
  /** Seconds to wait for the server to be ready. @default 180 */
  startTimeoutSeconds?: number;
}

const NAME = /^[A-Za-z0-9_.@-]+$/;

/** Checks a Cluster's arguments, its policies against its depots included. Pure but for the program-wide port claims. */
export function validateClusterArgs(name: string, args: ClusterArgs, context: StrataContext): ValidationIssue[] {
  const checks = new IssueCollector("Cluster", name);
  checks.addAll(platformIssues("Cluster", name, context.target));
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
    } else {
      const owner = claimPort(args.port, `Cluster "${name}"`);
      if (owner) checks.add("port", args.port, `is already taken by ${owner}`, "give each Cluster its own port, or leave port out");
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
  for (const [group, members] of Object.entries(args.groups ?? {})) {
    if (!NAME.test(group)) checks.add(`groups.${group}`, group, "is not a valid group name", 'use letters, digits, ".", "_", "@" or "-"');
    members.forEach((m, i) => {
      if (!NAME.test(m)) checks.add(`groups.${group}[${i}]`, m, "is not a valid user name", 'use letters, digits, ".", "_", "@" or "-"');
    });
  }
  const policies = (args.policies ?? []).filter((p) => p instanceof Policy);
  const mounted = depots.filter((d) => d instanceof Depot);
  const { problems } = compilePolicies(policies.map((p) => p.spec), depotRefs(mounted), args.groups ?? {}, staticColumnTypes(mounted));
  // Problems inside one policy were reported by the Policy itself; here only what needs the Cluster.
  checks.addAll(
    problems
      .filter((p) => p.scope !== "rule")
      .map((p) => ({ primitive: "Policy", name: p.policy, field: p.field, value: p.value, problem: `${p.problem} (Cluster "${name}")`, fix: p.fix })),
  );
  return checks.issues;
}

/** The depots as the policy compiler sees them; TPC-H's tables are all known. */
function depotRefs(depots: Depot[]): DepotRef[] {
  return depots.map((d) => ({ name: d.catalogName, catalog: d.catalogName, ...(d.source.kind === "tpch" ? { complete: true } : {}) }));
}

/** Column types known without a server: the fixed TPC-H schema. */
function staticColumnTypes(depots: Depot[]): ColumnTypes {
  return Object.assign({}, ...depots.filter((d) => d.source.kind === "tpch").map((d) => tpchColumnTypes(d.catalogName)));
}

/** The SQL masks policies give on one depot's tables. */
function sqlMasksOf(policies: PolicySpec[], catalog: string): SqlMask[] {
  return [...policies]
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((p) =>
      (p.masks ?? []).flatMap((m, i) =>
        m.depot === catalog && typeof m.mask === "object"
          ? [{ primitive: `Policy "${p.name}"`, field: `masks[${i}].mask`, depot: catalog, schema: m.schema, table: m.table, column: m.column, sql: m.mask.sql }]
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
      if (r.depot === catalog && r.schema !== undefined && r.table !== undefined) refs.push({ primitive, field: `access[${i}].table`, schema: r.schema, table: r.table });
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

/** The chart's service name for a release: the release name, suffixed "-trino" unless it contains it (Helm's fullname rule). */
export function trinoServiceName(release: string): string {
  return release.includes("trino") ? release : `${release}-trino`;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * A distributed SQL engine (Trino) that federates its Depots. On the local
 * target: a single-node Trino 476 process listening on 127.0.0.1, with only
 * the plugins its Depots need, heap from its Compute, catalogs from its
 * Depots (credentials as environment variables), and access rules from its
 * Policies, reloaded every 2 s without a restart. On Kubernetes targets: the
 * official Trino Helm chart (coordinator and autoscaled workers sized and
 * placed by its Compute), catalogs from its Depots with credentials from a
 * Kubernetes Secret through environment references, and its Policies' rules
 * in a ConfigMap the pods mount and reload.
 */
export class Cluster extends StrataComponent {
  /** `http://127.0.0.1:<port>` (local) or `http://<name>-trino.<namespace>.svc.cluster.local:8080` (Kubernetes). */
  readonly endpoint: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** Local target: process id of the server (changes on restart). */
  readonly pid?: pulumi.Output<number>;
  /** Local target: server log file. */
  readonly logFile?: pulumi.Output<string>;
  /** Catalog names, sorted. */
  readonly catalogs: string[];
  /** Local target: path of the access rules file. */
  readonly rulesFile?: string;
  readonly compute: Compute;
  /** Local target: the server process (escape hatch). */
  readonly server?: LocalProcess;
  /** The access rules: a file (local) or a ConfigMap (Kubernetes) (escape hatch). */
  readonly accessRules: LocalFile | ConfigMap;
  /** Kubernetes targets: the Secret with the catalogs' credentials (escape hatch). */
  readonly credentials?: KubernetesSecret;
  /** Kubernetes targets: the Trino chart's release (escape hatch). */
  readonly release?: HelmChartRelease;

  constructor(name: string, args: ClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Cluster" }, name, args, opts, (context) => validateClusterArgs(name, args, context));
    const depots = [...(args.depots ?? [])].sort((a, b) => a.catalogName.localeCompare(b.catalogName));
    const specs = (args.policies ?? []).map((p) => p.spec);
    const groups = args.groups && Object.keys(args.groups).length > 0 ? args.groups : undefined;
    this.compute = args.compute ?? new Compute(this.childName("compute"), { context: this.context, owner: args.owner }, this.childOptions());
    this.catalogs = depots.map((d) => d.catalogName);
    const groupMembers = args.groups ?? {};
    const { rules } = compilePolicies(specs, depotRefs(depots), groupMembers, staticColumnTypes(depots));
    if (onKubernetes(this.context.target)) {
      const deployed = this.deployOnKubernetes(name, depots, groups, rules);
      this.accessRules = deployed.accessRules;
      this.credentials = deployed.credentials;
      this.release = deployed.release;
      this.port = pulumi.output(8080);
      this.endpoint = deployed.endpoint;
      this.finish({ endpoint: this.endpoint, catalogs: this.catalogs }, { inputs: depots.map((d) => d.address) });
      return;
    }
    const trinoHome = this.context.tools.trinoHome!;
    const javaHome = this.context.tools.javaHome!;
    const root = path.join(this.context.dataDir, "clusters", name);
    const etc = path.join(root, "etc");
    const rulesFile = path.join(etc, "rules.json");
    this.rulesFile = rulesFile;
    const groupsFile = groups ? path.join(etc, "groups.txt") : undefined;

    this.port = args.port === undefined ? new FreePort(this.childName("port"), this.childOptions()).port : pulumi.output(args.port);

    const plugins = [...new Set([...depots.flatMap((d) => d.plugins), ...(groups ? ["password-authenticators"] : [])])].sort();
    const pluginDir = new LocalLinks(
      this.childName("plugins"),
      { directory: path.join(root, "plugin"), links: Object.fromEntries(plugins.map((p) => [p, path.join(trinoHome, "plugin", p)])) },
      this.childOptions(),
    );

    const serverFiles = this.port.apply((port) =>
      compileTrinoServerFiles({
        nodeId: name,
        port,
        heapMb: this.compute.heapMb,
        cpus: this.compute.cpus,
        dataDir: path.join(root, "data"),
        pluginDir: path.join(root, "plugin"),
        rulesFile,
        groupsFile,
      }),
    );
    // Child names are fixed per file so adding a file never renames another.
    const roles: Record<string, string> = {
      "node.properties": "config-node",
      "config.properties": "config-server",
      "jvm.config": "config-jvm",
      "log.properties": "config-log",
      "access-control.properties": "config-access-control",
      "group-provider.properties": "config-group-provider",
    };
    const files: pulumi.Resource[] = [];
    const restartInputs: pulumi.Output<string>[] = [pulumi.output(plugins.join(","))];
    for (const [file, role] of Object.entries(roles)) {
      if (file === "group-provider.properties" && !groups) continue;
      const content = serverFiles.apply((f) => f[file]!);
      files.push(new LocalFile(this.childName(role), { path: path.join(etc, file), content }, this.childOptions()));
      restartInputs.push(content);
    }
    // One resource for the whole catalog folder, so a removed Depot's file is gone before the restart.
    const catalogFiles = Object.fromEntries(depots.map((d) => [`${d.catalogName}.properties`, d.catalogProperties]));
    files.push(new LocalFileSet(this.childName("catalogs"), { directory: path.join(etc, "catalog"), files: catalogFiles }, this.childOptions()));
    for (const depot of depots) restartInputs.push(pulumi.interpolate`${depot.catalogName}:${depot.catalogProperties}`);
    // The rules are reloaded by the running server: not part of the restart trigger.
    // Tables and columns that policies name are checked against PostgreSQL depots before the rules change.
    if (groups && groupsFile) {
      files.push(new LocalFile(this.childName("groups"), { path: groupsFile, content: renderGroups(groups) }, this.childOptions()));
    }

    const secretEnv = pulumi.all(depots.map((d) => d.environment)).apply((envs) => Object.assign({}, ...envs) as Record<string, string>);
    this.server = new LocalProcess(
      this.childName("server"),
      {
        command: path.join(trinoHome, "bin", "launcher"),
        args: ["run", `--etc-dir=${etc}`, `--data-dir=${path.join(root, "data")}`, `--pid-file=${path.join(root, "launcher.pid")}`],
        // The launcher refuses to start while its pid file names a live pid; a stopped predecessor may not be reaped yet.
        staleFiles: [path.join(root, "launcher.pid")],
        cwd: root,
        env: { JAVA_HOME: javaHome, PATH: `${path.join(javaHome, "bin")}:/usr/local/bin:/usr/bin:/bin` },
        secretEnv,
        logFile: path.join(root, "server.log"),
        port: this.port,
        health: { kind: "trino", user: HEALTH_USER },
        startTimeoutSeconds: args.startTimeoutSeconds ?? 180,
        restartTrigger: pulumi.all(restartInputs).apply((parts) => sha256(parts.join("\n\u0000"))),
        initialFiles: { [rulesFile]: renderRules(compilePolicies([], []).rules) },
      },
      this.childOptions({ dependsOn: [pluginDir, ...files] }),
    );

    // Policies are checked against the live sources before the rules change; masks are fitted to the column types found.
    const sqlMasks = depots.flatMap((d) => sqlMasksOf(specs, d.catalogName));
    const checked = depots.flatMap((depot): pulumi.Input<PolicyCheckDepot>[] => {
      const references = referencesOf(specs, depot.catalogName);
      if (depot.source.kind !== "postgresql" || references.length === 0) return [];
      const source = depot.source;
      return [
        pulumi.all([source.host, source.port, source.database, source.user, source.password.value, source.ready]).apply(([host, port, database, user, password]) => ({
          depot: depot.catalogName,
          // Waits for the source to be ready (its migrations), so new tables and columns are seen.
          postgres: { psql: path.join(this.context.tools.postgresBin, "psql"), host, port, database, user, password },
          references,
        })),
      ];
    });
    const staticTypes = staticColumnTypes(depots);
    const known = sqlMasks
      .filter((m) => depots.find((d) => d.catalogName === m.depot)?.source.kind === "tpch")
      .map((m) => ({ depot: m.depot, references: [], columns: { [`${m.schema}.${m.table}`]: staticTypes[`${m.depot}.${m.schema}.${m.table}`] ?? {} } }));
    let liveTypes: pulumi.Output<ColumnTypes> = pulumi.output(staticTypes);
    const guards: pulumi.Resource[] = [];
    if (checked.length > 0 || sqlMasks.length > 0) {
      const check = new PolicyCheck(
        this.childName("policy-check"),
        {
          depots: [...checked, ...known],
          // SQL masks are typed by Trino itself, so they are checked once the server runs.
          ...(sqlMasks.length > 0 ? { trino: { port: this.server.port, user: HEALTH_USER } } : {}),
          sqlMasks,
        },
        this.childOptions(sqlMasks.length > 0 ? { dependsOn: [this.server] } : {}),
      );
      guards.push(check);
      liveTypes = check.columns.apply((found) => ({ ...staticTypes, ...found }));
    }
    // Written once the checks pass and then reloaded by the running server (not a
    // restart trigger); the deployment waits one reload period, so it ends with the
    // rules in effect. The server does not wait for it: it starts on deny-all rules.
    const content = liveTypes.apply((types) => renderRules(compilePolicies(specs, depotRefs(depots), groupMembers, types).rules));
    this.accessRules = new LocalFile(
      this.childName("access-rules"),
      { path: rulesFile, content, settleSeconds: RELOAD_SECONDS + 1 },
      this.childOptions({ dependsOn: guards }),
    );
    this.pid = this.server.pid;
    this.logFile = this.server.logFile;
    this.endpoint = pulumi.interpolate`http://127.0.0.1:${this.server.port}`;
    this.finish(
      { endpoint: this.endpoint, port: this.port, pid: this.pid, catalogs: this.catalogs },
      { inputs: depots.map((d) => d.address) },
    );
  }

  /** The Cluster's objects on the platform's Kubernetes cluster. */
  private deployOnKubernetes(name: string, depots: Depot[], groups: Record<string, string[]> | undefined, rules: TrinoRules) {
    const platform = kubernetesPlatform()!;
    const provider = platform.provider;
    const namespace = platform.namespace;
    const labels = strataLabels("Cluster", name);
    const compute = this.compute;
    const k8s = (extra: pulumi.CustomResourceOptions = {}) => this.childOptions({ provider, ...extra });
    // Credentials reach Trino only as environment variables referenced by ${ENV:...}.
    const credentials = new KubernetesSecret(
      this.childName("depot-credentials"),
      {
        metadata: { name: `${name}-depot-credentials`, namespace, labels },
        type: "Opaque",
        stringData: pulumi.secret(pulumi.all(depots.map((d) => d.environment)).apply((envs) => Object.assign({}, ...envs) as Record<string, string>)),
      },
      k8s(),
    );
    const accessRules = new ConfigMap(
      this.childName("access-rules"),
      { metadata: { name: `${name}-access-rules`, namespace, labels }, data: { "rules.json": renderRules(rules) } },
      k8s(),
    );
    const groupsMap = groups
      ? new ConfigMap(this.childName("groups"), { metadata: { name: `${name}-groups`, namespace, labels }, data: { "groups.txt": renderGroups(groups) } }, k8s())
      : undefined;
    const values = pulumi.all(depots.map((d) => pulumi.all([d.catalogName, d.catalogProperties]))).apply((catalogs) =>
      compileTrinoHelmValues({
        catalogs: Object.fromEntries(catalogs),
        credentialsSecret: `${name}-depot-credentials`,
        rulesConfigMap: `${name}-access-rules`,
        ...(groups ? { groupsConfigMap: `${name}-groups` } : {}),
        cpus: compute.cpus,
        podMemoryMb: compute.podMemoryMb,
        heapMb: compute.heapMb,
        workers: compute.nodes,
        placement: compute.placement,
      }),
    );
    const release = new HelmChartRelease(
      this.childName("trino"),
      { context: this.context, platform, chart: TRINO_CHART, namespace, releaseName: name, values },
      this.childOptions({ dependsOn: [credentials, accessRules, ...(groupsMap ? [groupsMap] : [])] }),
    );
    return {
      accessRules,
      credentials,
      release,
      endpoint: pulumi.interpolate`http://${trinoServiceName(name)}.${namespace}.svc.cluster.local:8080`,
    };
  }
}
