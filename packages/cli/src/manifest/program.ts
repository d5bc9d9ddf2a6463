// YAML manifests, the Pulumi part: resolved manifests (load.ts) become the
// primitives, each created after those it names, with the same args a
// TypeScript program gives (a name becomes the object; a Database named
// where a Depot is asked for gives its own Depot).
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  Cluster,
  Compute,
  Contract,
  Database,
  Depot,
  type DepotSource,
  LocalObjectStore,
  Model,
  ModelApi,
  Policy,
  Secret,
  Service,
  StrataValidationError,
  Workflow,
  type WorkflowStep,
  Workspace,
  strataProgram,
} from "@strata/user-kernel";
import { type ManifestPath, ManifestError, type ResolvedManifest, keyOf, showPath, showValue } from "./load.js";
import type { ConfigValue, Kind } from "./types.js";

type Primitive =
  Secret | Compute | Database | Depot | LocalObjectStore | Policy | Cluster | Workspace | Contract | Workflow | Model | ModelApi | Service;

/** A secret value from stack config: `key` in the project's namespace, or `namespace:key`. */
function configSecret(value: ConfigValue): pulumi.Output<string> {
  const colon = value.config.indexOf(":");
  const config = colon < 0 ? new pulumi.Config() : new pulumi.Config(value.config.slice(0, colon));
  return config.requireSecret(colon < 0 ? value.config : value.config.slice(colon + 1));
}

/** Stack outputs of a primitive: what its kind offers a user. */
function outputsOf(object: Primitive): Record<string, unknown> | undefined {
  if (object instanceof Cluster)
    return {
      endpoint: object.endpoint,
      catalogs: object.catalogs,
      // Local target: the authority clients trust, and each person's password file (paths only).
      ...(object.caFile ? { caFile: object.caFile, logins: object.loginFiles() } : {}),
    };
  if (object instanceof Database)
    return { host: object.host, port: object.port, database: object.databaseName, migrations: object.appliedMigrations };
  if (object instanceof Secret) return { reference: object.reference };
  if (object instanceof Workspace) return { location: object.location };
  if (object instanceof ModelApi || object instanceof Service) return { url: object.url };
  if (object instanceof Contract && object.report) return { report: object.report };
  return undefined;
}

/** `Cluster` -> `clusters`, the stack output grouping a kind's primitives. */
const outputGroup = (kind: Kind) => `${kind.charAt(0).toLowerCase()}${kind.slice(1)}s`;

/**
 * Creates the primitives of resolved manifests (in their order), inside a
 * program run. A primitive's own validation error (a Cluster refusing a
 * mask on an unknown column, ...) is reported at its manifest's position.
 */
export function createPrimitives(manifests: readonly ResolvedManifest[]): Map<string, Primitive> {
  const objects = new Map<string, Primitive>();
  const byKey = new Map(manifests.map((m) => [keyOf(m.manifest), m]));
  for (const located of manifests) {
    const m = located.manifest;
    const ref = <T extends Primitive>(at: ManifestPath): T | undefined => {
      const key = located.refs.get(showPath(["spec", ...at]));
      return key === undefined ? undefined : (objects.get(key) as T);
    };
    const required = <T extends Primitive>(at: ManifestPath): T => ref<T>(at)!;
    const list = <T extends Primitive>(field: string, values: string[] | undefined): T[] | undefined =>
      values?.map((_, i) => required<T>([field, i]));
    const secrets = (at: ManifestPath, values: Record<string, string> | undefined): Record<string, Secret> | undefined =>
      values && Object.fromEntries(Object.keys(values).map((k) => [k, required<Secret>([...at, k])]));
    /** A Depot, or a Database's own Depot. */
    const depot = (object: Primitive): Depot => (object instanceof Database ? object.depot : (object as Depot));
    const relative = (file: string) => path.resolve(path.dirname(located.file), file);
    let object: Primitive;
    try {
      switch (m.kind) {
        case "Secret": {
          const { value, workspace, ...rest } = m.spec;
          object = new Secret(m.name, {
            ...rest,
            value: configSecret(value),
            ...(workspace ? { workspace: required<Workspace>(["workspace"]) } : {}),
          });
          break;
        }
        case "Compute":
          object = new Compute(m.name, m.spec);
          break;
        case "Database": {
          const { password: _password, server, compute, migrations, ...rest } = m.spec;
          let localServer;
          if (server !== undefined) {
            const other = required<Database>(["server"]);
            if (other.native.kind !== "local")
              throw new pulumi.RunError(
                `${located.locate(["spec", "server"])} Database "${m.name}": spec.server=${showValue(server)} shares a server on the local target only. Fix: leave server out on Kubernetes targets`,
              );
            localServer = other.native.server;
          }
          object = new Database(m.name, {
            ...rest,
            password: required<Secret>(["password"]),
            ...(migrations === undefined
              ? {}
              : { migrations: Array.isArray(migrations) ? migrations : { directory: relative(migrations.directory) } }),
            ...(localServer ? { server: localServer } : {}),
            ...(compute === undefined ? {} : { compute: required<Compute>(["compute"]) }),
          });
          break;
        }
        case "Depot": {
          const s = m.spec.source;
          const source: DepotSource =
            s.kind === "postgresql"
              ? { ...s, password: required<Secret>(["source", "password"]) }
              : s.kind === "lakehouse"
                ? {
                    kind: "lakehouse",
                    metastore: required<Database>(["source", "metastore"]),
                    storage: required<LocalObjectStore>(["source", "storage"]),
                  }
                : s;
          object = new Depot(m.name, { ...m.spec, source });
          break;
        }
        case "LocalObjectStore":
          object = new LocalObjectStore(m.name, m.spec);
          break;
        case "Policy":
          object = new Policy(m.name, m.spec);
          break;
        case "Cluster": {
          const { compute, depots, policies, identityProvider, ...rest } = m.spec;
          object = new Cluster(m.name, {
            ...rest,
            ...(identityProvider === undefined
              ? {}
              : { identityProvider: { ...identityProvider, clientSecret: required<Secret>(["identityProvider", "clientSecret"]) } }),
            ...(compute === undefined ? {} : { compute: required<Compute>(["compute"]) }),
            ...(depots === undefined ? {} : { depots: list<Primitive>("depots", depots)!.map(depot) }),
            ...(policies === undefined ? {} : { policies: list<Policy>("policies", policies)! }),
          });
          break;
        }
        case "Workspace":
          object = new Workspace(m.name, m.spec);
          break;
        case "Contract": {
          const { fromFile, depot: _depot, cluster: _cluster, history, ...rest } = m.spec;
          object = Contract.fromFile(m.name, relative(fromFile), {
            ...rest,
            depot: depot(required<Primitive>(["depot"])),
            cluster: required<Cluster>(["cluster"]),
            ...(history === undefined ? {} : { history: required<Database>(["history"]) }),
          });
          break;
        }
        case "Workflow": {
          const { steps, cluster, after, workspace, runs, ...rest } = m.spec;
          const compiled: WorkflowStep[] = steps.map((step, i): WorkflowStep => {
            if (step.kind === "check") return { ...step, contract: required<Contract>(["steps", i, "contract"]) };
            if (step.kind === "sql") return step;
            const { secrets: named, ...command } = step;
            return { ...command, ...(named ? { secrets: secrets(["steps", i, "secrets"], named)! } : {}) };
          });
          object = new Workflow(m.name, {
            ...rest,
            steps: compiled,
            ...(cluster === undefined ? {} : { cluster: required<Cluster>(["cluster"]) }),
            ...(after === undefined ? {} : { after: list<Workflow>("after", after)! }),
            ...(workspace === undefined ? {} : { workspace: required<Workspace>(["workspace"]) }),
            ...(runs === undefined ? {} : { runs: required<Database>(["runs"]) }),
          });
          break;
        }
        case "Model": {
          const { cluster: _cluster, depot: _depot, ...rest } = m.spec;
          object = new Model(m.name, { ...rest, cluster: required<Cluster>(["cluster"]), depot: required<Depot>(["depot"]) });
          break;
        }
        case "ModelApi":
          object = new ModelApi(m.name, { ...m.spec, model: required<Model>(["model"]) });
          break;
        case "Service": {
          const { secrets: named, compute, workspace, cluster, ...rest } = m.spec;
          object = new Service(m.name, {
            ...rest,
            ...(cluster === undefined ? {} : { cluster: required<Cluster>(["cluster"]) }),
            ...(named === undefined ? {} : { secrets: secrets(["secrets"], named)! }),
            ...(compute === undefined ? {} : { compute: required<Compute>(["compute"]) }),
            ...(workspace === undefined ? {} : { workspace: required<Workspace>(["workspace"]) }),
          });
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof StrataValidationError)) throw error;
      // The primitives' own checks, each located in the manifest of the primitive it names (a Cluster
      // checks its Policies), at the field; as a RunError: the engine shows the lines, not a stack trace.
      const lines = error.issues.map((issue) => {
        const where = byKey.get(`${issue.primitive}/${issue.name}`) ?? located;
        const fields = issue.field
          .split(/\.|\[(\d+)\]/)
          .filter((p) => p !== undefined && p !== "")
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
        const value = issue.sensitive ? "[secret]" : showValue(issue.value);
        return `${where.locate(["spec", ...fields])} ${issue.primitive} "${issue.name}": spec.${issue.field}=${value} ${issue.problem}. Fix: ${issue.fix}`;
      });
      throw new pulumi.RunError(new ManifestError(lines).message);
    }
    objects.set(keyOf(m), object);
  }
  return objects;
}

/**
 * The Pulumi program of resolved manifests. Its stack outputs: each
 * primitive's useful outputs grouped by kind (`clusters.analytics.endpoint`,
 * `databases.warehouse.host`, `modelApis.sales-api.url`, ...), and
 * `endpoint` / `catalogs` (and `caFile` / `logins` on the local target) when there is one Cluster.
 */
export function manifestProgram(manifests: readonly ResolvedManifest[]): pulumi.automation.PulumiFn {
  return strataProgram(() => {
    const objects = createPrimitives(manifests);
    const outputs: Record<string, Record<string, unknown>> = {};
    for (const { manifest } of manifests) {
      const shown = outputsOf(objects.get(keyOf(manifest))!);
      if (shown) (outputs[outputGroup(manifest.kind)] ??= {})[manifest.name] = shown;
    }
    const clusters = Object.values(outputs.clusters ?? {}) as Record<string, unknown>[];
    return { ...outputs, ...(clusters.length === 1 ? clusters[0] : {}) };
  });
}
