import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  type ChildFactory,
  FreePort,
  LocalFile,
  LocalFileSet,
  LocalLinks,
  LocalPasswordFile,
  LocalProcess,
  LocalGeneratedSecret,
  LocalRandomValue,
  LocalServerCertificate,
  type LocalTrinoLogin,
  supervisionFor,
  PolicyCheck,
  type PolicyCheckDepot,
  PostgresDepotRole,
  stackAuthority,
  stackAuthorityCertificateFile,
} from "@strata/cloud-kernel";
import { type Depot, compileCatalogProperties, passwordVariable, renderProperties } from "../depot/index.js";
import { type ColumnTypes, HEALTH_USER, type PolicySpec, compilePolicies, renderRules } from "../policy/compile.js";
import { compilePostgresGrants } from "../policy/postgres-grants.js";
import {
  type ClusterLogins,
  type ClusterNative,
  type ClusterSpec,
  type LoginPassword,
  depotRefs,
  loginRole,
  referencesOf,
  sqlMasksOf,
  staticColumnTypes,
} from "./index.js";
import {
  RELOAD_SECONDS,
  SHARED_SECRET_ENV,
  compileTrinoServerFiles,
  localClusterFolder,
  localClusterRulesFile,
  renderGroups,
  trinoAotCacheFile,
} from "./trino-config.js";

/** The JDK's ahead-of-time cache of this Trino for this JDK, when scripts/setup.sh has built it (a faster start). */
function aotCacheOf(trinoHome: string, javaHome: string): string | undefined {
  let release: string | undefined;
  try {
    release = /^JAVA_VERSION="([^"]+)"/m.exec(fs.readFileSync(path.join(javaHome, "release"), "utf8"))?.[1];
  } catch {
    return undefined;
  }
  const file = release === undefined ? undefined : trinoAotCacheFile(trinoHome, release);
  return file !== undefined && fs.existsSync(file) ? file : undefined;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Local: one Trino 476 process on 127.0.0.1 (`bin/launcher run` with an
 * `etc/` written here), only the plugins its Depots need, heap from its
 * Compute, catalogs from its Depots (credentials as environment variables),
 * and access rules compiled from its Policies, checked against the live
 * sources first and reloaded every 2 s without a restart. A change of any
 * server file or catalog restarts it; the rules never do. It serves HTTPS
 * only (a certificate from the stack's authority) and every client logs in
 * with a password from the Cluster's bcrypt password file.
 */
export function deployClusterLocally(
  children: ChildFactory,
  spec: ClusterSpec,
): { endpoint: pulumi.Output<string>; port: pulumi.Output<number>; native: ClusterNative; logins: ClusterLogins } {
  const platform = children.platform;
  const { name, depots } = spec;
  const groups = Object.keys(spec.groups).length > 0 ? spec.groups : undefined;
  const trinoHome = platform.context.tools.trinoHome!;
  const javaHome = platform.context.tools.javaHome!;
  const root = localClusterFolder(platform.context.dataDir, name);
  const etc = path.join(root, "etc");
  const rulesFile = localClusterRulesFile(platform.context.dataDir, name);
  const groupsFile = groups ? path.join(etc, "groups.txt") : undefined;

  const port = spec.port === undefined ? new FreePort(children.name("port"), children.options()).port : pulumi.output(spec.port);

  const secretsDir = path.join(platform.context.dataDir, "secrets");
  const authority = stackAuthority(platform);
  const caFile = stackAuthorityCertificateFile(platform.context.dataDir);
  // Who logs in: people (their own Secret, or a generated one), workloads (a generated one each), and the health check.
  // A generated password is one resource: its value and its 0600 file `<dataDir>/secrets/<cluster>-<role>.password`.
  const generatedFile = (role: string) => path.join(secretsDir, `${name}-${role}.password`);
  const generated = (role: string) => new LocalGeneratedSecret(children.name(role), { file: generatedFile(role) }, children.options());
  const people: Record<string, LoginPassword> = {};
  for (const [user, given] of Object.entries(spec.users)) people[user] = given === "generate" ? generated(loginRole("login", user)) : given;
  const accounts: Record<string, LoginPassword> = {};
  for (const account of spec.serviceAccounts) accounts[account] = generated(loginRole("account", account));
  const health = generated("health-login");
  const sharedSecret = new LocalRandomValue(children.name("shared-secret"), { bytes: 48 }, children.options());
  const passwordFile = path.join(etc, "password.db");
  const passwords = new LocalPasswordFile(
    children.name("passwords"),
    {
      path: passwordFile,
      users: Object.fromEntries([
        ...Object.entries({ ...people, ...accounts }).map(([user, secret]) => [user, secret.value] as const),
        [HEALTH_USER, health.value] as const,
      ]),
      // A changed password is in effect when the deployment ends (the server reloads the file every 2 s).
      settleSeconds: RELOAD_SECONDS + 1,
    },
    children.options(),
  );
  const keystoreFile = path.join(secretsDir, `${name}-trino-keystore.pem`);
  const certificate = new LocalServerCertificate(
    children.name("certificate"),
    { authority, commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], keystoreFile },
    children.options(),
  );
  const healthLogin = { user: HEALTH_USER, passwordFile: generatedFile("health-login"), caFile };

  const plugins = [...new Set([...depots.flatMap((d) => d.plugins), "password-authenticators"])].sort();
  const pluginDir = new LocalLinks(
    children.name("plugins"),
    { directory: path.join(root, "plugin"), links: Object.fromEntries(plugins.map((p) => [p, path.join(trinoHome, "plugin", p)])) },
    children.options(),
  );

  // The JVM refuses the cache with a heap of 32 GiB or more (no compressed pointers), and a refused cache is slower than none.
  const aotCache = spec.compute.heapMb < 32 * 1024 ? aotCacheOf(trinoHome, javaHome) : undefined;
  const serverFiles = port.apply((port) =>
    compileTrinoServerFiles({
      nodeId: name,
      port,
      heapMb: spec.compute.heapMb,
      cpus: spec.compute.cpus,
      dataDir: path.join(root, "data"),
      pluginDir: path.join(root, "plugin"),
      rulesFile,
      groupsFile,
      keystoreFile,
      caFile,
      passwordFile,
      ...(aotCache === undefined ? {} : { aotCache }),
    }),
  );
  // Child names are fixed per file so adding a file never renames another.
  const roles: Record<string, string> = {
    "node.properties": "config-node",
    "config.properties": "config-server",
    "jvm.config": "config-jvm",
    "log.properties": "config-log",
    "access-control.properties": "config-access-control",
    "password-authenticator.properties": "config-password-authenticator",
    "group-provider.properties": "config-group-provider",
  };
  const files: pulumi.Resource[] = [];
  // A renewed certificate is read at start: it restarts the server. Passwords are reloaded without one.
  const restartInputs: pulumi.Output<string>[] = [pulumi.output(plugins.join(",")), certificate.fingerprint];
  for (const [file, role] of Object.entries(roles)) {
    if (file === "group-provider.properties" && !groups) continue;
    const content = serverFiles.apply((f) => f[file]!);
    files.push(new LocalFile(children.name(role), { path: path.join(etc, file), content }, children.options()));
    restartInputs.push(content);
  }
  // Each Database of the stack is read with a role of this Cluster's own, granted only what its Policies allow there.
  const connections = new Map(depots.map((d) => [d.catalogName, depotConnection(children, name, d, spec.policies, generated)]));
  const connection = (d: Depot) => connections.get(d.catalogName)!;
  const depotRoles = Object.fromEntries([...connections].flatMap(([catalog, c]) => (c.role ? [[catalog, c.role] as const] : [])));
  // One resource for the whole catalog folder, so a removed Depot's file is gone before the restart.
  const catalogFiles = Object.fromEntries(depots.map((d) => [`${d.catalogName}.properties`, connection(d).catalogProperties]));
  files.push(
    new LocalFileSet(children.name("catalogs"), { directory: path.join(etc, "catalog"), files: catalogFiles }, children.options()),
  );
  for (const depot of depots) restartInputs.push(pulumi.interpolate`${depot.catalogName}:${connection(depot).catalogProperties}`);
  // The rules are reloaded by the running server: not part of the restart trigger.
  // Tables and columns that policies name are checked against PostgreSQL depots before the rules change.
  if (groups && groupsFile) {
    files.push(new LocalFile(children.name("groups"), { path: groupsFile, content: renderGroups(groups) }, children.options()));
  }

  const secretEnv = pulumi
    .all([sharedSecret.value, pulumi.all(depots.map((d) => connection(d).environment))])
    .apply(([shared, envs]) => Object.assign({ [SHARED_SECRET_ENV]: shared }, ...envs) as Record<string, string>);
  const server = new LocalProcess(
    children.name("server"),
    {
      supervisor: supervisionFor(platform.context),
      command: path.join(trinoHome, "bin", "launcher"),
      args: ["run", `--etc-dir=${etc}`, `--data-dir=${path.join(root, "data")}`, `--pid-file=${path.join(root, "launcher.pid")}`],
      // The launcher refuses to start while its pid file names a live pid (a stopped predecessor may not be reaped
      // yet, or the pid of a server that crashed may be taken): removed before each start, the supervisor's too.
      staleFiles: [path.join(root, "launcher.pid")],
      cwd: root,
      env: { JAVA_HOME: javaHome, PATH: `${path.join(javaHome, "bin")}:/usr/local/bin:/usr/bin:/bin` },
      secretEnv,
      logFile: path.join(root, "server.log"),
      port: port,
      health: { kind: "trino", ...healthLogin },
      startTimeoutSeconds: spec.startTimeoutSeconds,
      restartTrigger: pulumi.all(restartInputs).apply((parts) => sha256(parts.join("\n\u0000"))),
      // Deny-all until the checked rules are written (compact: it is kept in state).
      initialFiles: { [rulesFile]: JSON.stringify(compilePolicies([], []).rules) },
    },
    children.options({ dependsOn: [pluginDir, ...files, passwords, certificate, health] }),
  );

  // Policies are checked against the live sources before the rules change; masks are fitted to the column types found.
  const sqlMasks = depots.flatMap((d) => sqlMasksOf(spec.policies, d.catalogName));
  const checked = depots.flatMap((depot): pulumi.Input<PolicyCheckDepot>[] => {
    const references = referencesOf(spec.policies, depot.catalogName);
    if (depot.source.kind !== "postgresql" || references.length === 0) return [];
    const source = depot.source;
    return [
      pulumi
        .all([source.host, source.port, source.database, connection(depot).user!, connection(depot).ready])
        .apply(([host, port, database, user]) => ({
          depot: depot.catalogName,
          // Waits for the source to be ready (its migrations), so new tables and columns are seen.
          postgres: {
            psql: path.join(platform.context.tools.postgresBin, "psql"),
            host,
            port,
            database,
            user,
            ...(typeof source.tls === "object" ? { caFile: source.tls.caFile } : {}),
          },
          references,
        })),
    ];
  });
  const staticTypes = staticColumnTypes(depots);
  const known = sqlMasks
    .filter((m) => depots.find((d) => d.catalogName === m.depot)?.source.kind === "tpch")
    .map((m) => ({
      depot: m.depot,
      references: [],
      columns: { [`${m.schema}.${m.table}`]: staticTypes[`${m.depot}.${m.schema}.${m.table}`] ?? {} },
    }));
  let policyCheck: PolicyCheck | undefined;
  let liveTypes: pulumi.Output<ColumnTypes> = pulumi.output(staticTypes);
  // The rules open a table once the roles may read it.
  const guards: pulumi.Resource[] = Object.values(depotRoles).map((r) => r.role);
  if (checked.length > 0 || sqlMasks.length > 0) {
    const check: PolicyCheck = new PolicyCheck(
      children.name("policy-check"),
      {
        depots: [...checked, ...known],
        passwords: pulumi
          .all(
            depots.flatMap((d) => {
              const password = connection(d).password;
              return password ? [password.value.apply((pw) => [d.catalogName, pw] as const)] : [];
            }),
          )
          .apply((pairs) => Object.fromEntries(pairs)),
        // SQL masks are typed by Trino itself, so they are checked once the server runs.
        ...(sqlMasks.length > 0 ? { trino: { port: server.port, ...healthLogin } } : {}),
        sqlMasks,
      },
      children.options(sqlMasks.length > 0 ? { dependsOn: [server] } : {}),
    );
    guards.push(check);
    policyCheck = check;
    liveTypes = check.columns.apply((found) => ({ ...staticTypes, ...found }));
  }
  // Written once the checks pass and then reloaded by the running server (not a
  // restart trigger); the deployment waits one reload period, so it ends with the
  // rules in effect. The server does not wait for it: it starts on deny-all rules.
  const content = liveTypes.apply((types) => renderRules(compilePolicies(spec.policies, depotRefs(depots), spec.groups, types).rules));
  const accessRules = new LocalFile(
    children.name("access-rules"),
    { path: rulesFile, content, settleSeconds: RELOAD_SECONDS + 1 },
    children.options({ dependsOn: guards }),
  );

  const login = (user: string, password: LoginPassword): LocalTrinoLogin => ({
    port: server.port,
    user,
    passwordFile: password.reference,
    caFile,
  });
  return {
    endpoint: pulumi.interpolate`https://127.0.0.1:${server.port}`,
    port,
    native: {
      kind: "local",
      server,
      accessRules,
      rulesFile,
      passwordFile: passwords,
      certificate,
      ...(policyCheck ? { policyCheck } : {}),
      depotRoles,
    },
    logins: {
      caFile,
      people,
      serviceAccounts: Object.fromEntries(
        Object.entries(accounts).map(([account, password]) => [account, { password, login: login(account, password) }]),
      ),
    },
  };
}

/** How a Cluster reads one Depot: the catalog file, the server's environment for it, and its PostgreSQL login. */
interface DepotConnection {
  catalogProperties: pulumi.Output<string>;
  environment: pulumi.Output<Record<string, string>>;
  /** PostgreSQL depots: who the Cluster reads as, with which password, and when that login can read. */
  user?: pulumi.Input<string>;
  password?: LoginPassword;
  ready?: pulumi.Input<unknown>;
  /** A Database of the stack: the Cluster's own role there, and its generated password. */
  role?: { role: PostgresDepotRole; password: LocalGeneratedSecret };
}

/**
 * The PostgreSQL role a Cluster reads a local database with:
 * `<database>_<cluster>`, cut to PostgreSQL's 63 characters with a hash of
 * the whole name when longer. Pure.
 */
export function depotRoleName(database: string, cluster: string): string {
  const role = `${database}_${cluster.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`;
  return role.length <= 63 ? role : `${role.slice(0, 54)}_${createHash("sha256").update(role).digest("hex").slice(0, 8)}`;
}

/**
 * A Depot as this Cluster reads it. A Database of the stack (a PostgreSQL
 * depot with `administration`) gets a role of the Cluster's own, with a
 * generated password and only the grants the Cluster's Policies need. The
 * server starts beside it (no wait for the database); the access rules wait
 * for it, and until they are written Trino denies every query. Any other
 * depot is read as it says.
 */
function depotConnection(
  children: ChildFactory,
  cluster: string,
  depot: Depot,
  policies: PolicySpec[],
  generated: (role: string) => LocalGeneratedSecret,
): DepotConnection {
  const source = depot.source;
  if (source.kind !== "postgresql") return { catalogProperties: depot.catalogProperties, environment: depot.environment };
  if (source.administration === undefined)
    return {
      catalogProperties: depot.catalogProperties,
      environment: depot.environment,
      user: source.user,
      password: source.password,
      ready: source.ready,
    };
  const catalog = depot.catalogName;
  const admin = source.administration;
  const user = pulumi.output(source.database).apply((database) => depotRoleName(database, cluster));
  const password = generated(`depot-${catalog}`);
  const role = new PostgresDepotRole(
    children.name(`depot-${catalog}-role`),
    {
      access: admin.access,
      database: source.database,
      owner: admin.owner,
      role: user,
      password: password.value,
      grants: compilePostgresGrants(policies, catalog),
      migrations: admin.migrations,
    },
    children.options(),
  );
  return {
    // The server does not wait for the role: its rules deny every query until the role's grants are given.
    catalogProperties: pulumi
      .all([source.host, source.port, source.database, user])
      .apply(([host, port, database, user]) =>
        renderProperties(compileCatalogProperties(catalog, { kind: "postgresql", host, port, database, user, tls: source.tls ?? false })),
      ),
    environment: pulumi.secret(password.value.apply((value) => ({ [passwordVariable(catalog)]: value }))),
    user: role.role,
    password,
    ready: pulumi.all([source.ready, role.grants]),
    role: { role, password },
  };
}
