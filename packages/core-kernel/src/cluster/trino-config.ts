// The files of a single-node Trino server. Pure: tested without Pulumi.
import { renderProperties } from "../depot/index.js";

/** What a local Trino server is configured from. */
export interface TrinoServerSpec {
  /** Node id: the Cluster's name. */
  nodeId: string;
  port: number;
  heapMb: number;
  cpus: number;
  dataDir: string;
  pluginDir: string;
  rulesFile: string;
  /** Group membership file, when the Cluster has groups. */
  groupsFile?: string;
  /** Key, certificate and authority certificate as one PEM file: the server speaks HTTPS only. */
  keystoreFile: string;
  /** The certificate authority that signed it, which the server's own internal client trusts. */
  caFile: string;
  /** bcrypt password file of every login (people and workloads). */
  passwordFile: string;
  /** The JDK's ahead-of-time cache for this Trino (scripts/setup.sh builds it), when there is one: a faster start. */
  aotCache?: string;
}

/**
 * Where scripts/setup.sh keeps the JDK's ahead-of-time cache of a Trino
 * installation for a JDK release: `<trinoHome>/aot/jdk-<release>.aot`.
 */
export function trinoAotCacheFile(trinoHome: string, javaRelease: string): string {
  return `${trinoHome}/aot/jdk-${javaRelease}.aot`;
}

/** A local Cluster's folder under the stack's data directory: `<dataDir>/clusters/<name>`. */
export function localClusterFolder(dataDir: string, cluster: string): string {
  return `${dataDir}/clusters/${cluster}`;
}

/** The access rules a local Cluster's Trino loads (and reloads): `<folder>/etc/rules.json`. */
export function localClusterRulesFile(dataDir: string, cluster: string): string {
  return `${localClusterFolder(dataDir, cluster)}/etc/rules.json`;
}

/**
 * The environment variable the server reads its internal shared secret from
 * (Trino substitutes `${ENV:...}` in its configuration): the secret stays in
 * the 0600 start script, out of the configuration files and state.
 */
export const SHARED_SECRET_ENV = "STRATA_TRINO_SHARED_SECRET";

/** Seconds between reloads of the access rules and group files: policy changes apply without a restart. */
export const RELOAD_SECONDS = 2;

/** Largest power of two <= n (Trino requires task.concurrency to be one). */
function powerOfTwoAtMost(n: number): number {
  return 2 ** Math.floor(Math.log2(Math.max(1, n)));
}

/** File name (relative to etc/) -> contents. */
export function compileTrinoServerFiles(spec: TrinoServerSpec): Record<string, string> {
  // Half the heap for queries leaves Trino's default 30 % heap headroom and room to spare.
  const queryMb = Math.floor(spec.heapMb / 2);
  const files: Record<string, string> = {
    "node.properties": renderProperties({
      "node.environment": "strata",
      "node.id": spec.nodeId,
      "node.data-dir": spec.dataDir,
      // Announce and listen on loopback only: the local target is never reachable from the network.
      "node.internal-address": "127.0.0.1",
      "node.bind-ip": "127.0.0.1",
    }),
    "config.properties": renderProperties({
      coordinator: "true",
      "node-scheduler.include-coordinator": "true",
      // HTTPS only: plain HTTP is refused (no listener), health checks and nodes included.
      "http-server.http.enabled": "false",
      "http-server.https.enabled": "true",
      "http-server.https.port": String(spec.port),
      "http-server.https.keystore.path": spec.keystoreFile,
      "http-server.authentication.type": "PASSWORD",
      "internal-communication.shared-secret": `\${ENV:${SHARED_SECRET_ENV}}`,
      "internal-communication.https.required": "true",
      "internal-communication.https.truststore.path": spec.caFile,
      "discovery.uri": `https://127.0.0.1:${spec.port}`,
      "plugin.dir": spec.pluginDir,
      "query.max-memory": `${queryMb}MB`,
      "query.max-memory-per-node": `${queryMb}MB`,
      "task.concurrency": String(powerOfTwoAtMost(spec.cpus)),
    }),
    "jvm.config": [
      "-server",
      `-Xmx${spec.heapMb}m`,
      "-XX:+UseG1GC",
      "-XX:+ExitOnOutOfMemoryError",
      "-Djdk.attach.allowAttachSelf=true",
      // Classes loaded and linked ahead of time: a cache that does not fit only costs the speed.
      ...(spec.aotCache === undefined ? [] : [`-XX:AOTCache=${spec.aotCache}`]),
      "",
    ].join("\n"),
    "log.properties": renderProperties({ "io.trino": "INFO" }),
    "access-control.properties": renderProperties({
      "access-control.name": "file",
      "security.config-file": spec.rulesFile,
      "security.refresh-period": `${RELOAD_SECONDS}s`,
    }),
  };
  files["password-authenticator.properties"] = renderProperties({
    "password-authenticator.name": "file",
    "file.password-file": spec.passwordFile,
    // A rotated password reaches the server without a restart.
    "file.refresh-period": `${RELOAD_SECONDS}s`,
  });
  if (spec.groupsFile !== undefined) {
    files["group-provider.properties"] = renderProperties({
      "group-provider.name": "file",
      "file.group-file": spec.groupsFile,
      "file.refresh-period": `${RELOAD_SECONDS}s`,
    });
  }
  return files;
}

/** Trino's group file: `group:user1,user2` per line, sorted. */
export function renderGroups(groups: Record<string, string[]>): string {
  return Object.keys(groups)
    .sort()
    .map((g) => `${g}:${[...new Set(groups[g])].sort().join(",")}`)
    .join("\n")
    .concat("\n");
}
