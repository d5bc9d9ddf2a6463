import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Absolute paths of the engines `scripts/setup.sh` provides, as it records them. */
export interface Toolchain {
  /** Folder whose `bin/` holds the `pulumi` CLI. */
  readonly pulumiRoot: string;
  readonly pulumiVersion: string;
  /** A JDK >= 24 for Trino. */
  readonly javaHome: string;
  /** Unpacked Trino server. */
  readonly trinoHome: string;
  readonly trinoVersion: string;
  /** Supervisor (supervisord), which keeps local engines running: `lib/` and `bin/python3`. */
  readonly supervisorHome: string;
  /** PostgreSQL server binaries (initdb, pg_ctl, postgres). */
  readonly postgresBin: string;
  /** Kubernetes test toolchain: etcd, kube-apiserver, kube-controller-manager, kubectl. */
  readonly kubernetesBin?: string;
  readonly kubernetesVersion?: string;
  /** The Pulumi Kubernetes provider plugin, installed (`resource-kubernetes-v<version>`). */
  readonly kubernetesPluginDir?: string;
  readonly kubernetesProviderVersion?: string;
  /** Argo Workflows' own CRDs (WorkflowTemplate, CronWorkflow), for tests against the real API server. */
  readonly argoCrdDir?: string;
  /** cert-manager's own Certificate CRD, for tests against the real API server. */
  readonly certManagerCrdDir?: string;
  /** The OpenLineage 2-0-2 JSON Schemas (OpenLineage.json and facets/), for tests of lineage events. */
  readonly openLineageSchemaDir?: string;
  /** Keycloak, built for its file database: the OpenID Connect provider of the identity tests. */
  readonly keycloakHome?: string;
  /** The cache folder itself. */
  readonly cacheDir: string;
}

/** The cache folder of the setup: `$STRATA_CACHE`, else `$XDG_CACHE_HOME/strata`, else `~/.cache/strata`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STRATA_CACHE) return path.resolve(env.STRATA_CACHE);
  return path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "strata");
}

/** Reads `toolchain.json` from the cache; fails with one line saying how to create it. */
export function loadToolchain(env: NodeJS.ProcessEnv = process.env): Toolchain {
  const file = path.join(cacheDir(env), "toolchain.json");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new Error(`No toolchain at ${file}. Run scripts/setup.sh first (it builds the Pulumi CLI and fetches Trino).`);
  }
  return { ...(JSON.parse(text) as Omit<Toolchain, "cacheDir">), cacheDir: cacheDir(env) };
}
