import { AsyncLocalStorage } from "node:async_hooks";
import type * as pulumi from "@pulumi/pulumi";
import { Catalog } from "./base/catalog.js";
import { type StrataContext, onKubernetes, stackContext } from "./base/context.js";
import type { ValidationIssue } from "./base/errors.js";
import type { HelmReleaseExport, KubernetesPlatform } from "./kubernetes/platform.js";

/**
 * Everything one program run shares between its primitives: where it
 * deploys (the stack's settings; the target's capabilities follow from it,
 * see `capabilitiesFor`), the Kubernetes cluster on Kubernetes targets, and what the run collects (the
 * catalog, the ports primitives ask for, the Helm releases left to a GitOps
 * tool). `strataProgram` creates one per run; nothing of it lives in module
 * state, so a second run in the same process starts afresh and a validator
 * reads it without changing it.
 */
export interface Platform {
  /** Target, environment, data folder, engines and Kubernetes settings (the stack's `strata:*` config). */
  readonly context: StrataContext;
  /** Kubernetes targets: the cluster, provider and namespace primitives are placed on. */
  readonly kubernetes?: KubernetesPlatform;
  readonly catalog: Catalog;
  /** Fixed ports primitives asked for, by owner; two owners of one port are refused when the run ends. */
  readonly ports: PortClaims;
  /** Helm releases exported instead of installed (`strata:helmCharts` = "values"), in declaration order. */
  readonly helmReleases: HelmReleaseExport[];
  /**
   * Kubernetes targets: the workloads that log in to a Cluster with their
   * service account's token, as they are declared. A Cluster reads the list
   * once the program is declared ({@link Platform.allDeclared}) to accept
   * their tokens and let their pods through its NetworkPolicy.
   */
  readonly clusterClients: ClusterClient[];
  /**
   * Resolves once the program has declared everything (`strataProgram` calls
   * {@link Platform.declared}): for outputs that depend on primitives declared
   * later (e.g. the workflows that run after this one).
   */
  readonly allDeclared: Promise<void>;
  /** Marks the run's program as fully declared. */
  declared(): void;
}

/** A workload that logs in to a Cluster on Kubernetes as its own service account. */
export interface ClusterClient {
  /** The Cluster's resource name. */
  cluster: string;
  /** Its Kubernetes service account, which is also its Trino user (the name Policies give as a service account). */
  account: string;
  namespace: pulumi.Input<string>;
  /** Labels of its pods. */
  podLabels: Record<string, string>;
}

/** Ports on 127.0.0.1 that primitives of one run listen on. */
export class PortClaims {
  private readonly owners = new Map<number, string[]>();

  /** Records that `owner` (e.g. `Cluster "analytics"`) listens on `port`. */
  claim(port: number, owner: string): void {
    const list = this.owners.get(port) ?? [];
    if (!list.includes(owner)) list.push(owner);
    this.owners.set(port, list);
  }

  /** One issue per owner of a port that another owner claimed first. Pure. */
  conflicts(): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    for (const [port, owners] of [...this.owners].sort((a, b) => a[0] - b[0])) {
      for (const owner of owners.slice(1)) {
        const match = /^(\w+) "([^"]+)"$/.exec(owner);
        issues.push({
          primitive: match?.[1] ?? owner,
          name: match?.[2] ?? owner,
          field: "port",
          value: port,
          problem: `is already taken by ${owners[0]}`,
          fix: `give each ${match?.[1] ?? "primitive"} its own port, or leave port out`,
        });
      }
    }
    return issues;
  }
}

/**
 * A platform for `context`; Kubernetes targets attach their cluster with
 * {@link withKubernetes}. `strataProgram` makes one per run and calls
 * `declared()` once the program body has run; a program that builds its
 * platform by hand must call it too, or outputs waiting for the whole
 * program (a Workflow's objects on Kubernetes) never resolve.
 */
export function createPlatform(context: StrataContext): Platform {
  let declared: () => void = () => undefined;
  const allDeclared = new Promise<void>((resolve) => (declared = resolve));
  return { context, catalog: new Catalog(), ports: new PortClaims(), helmReleases: [], clusterClients: [], allDeclared, declared };
}

/** The same run's platform, placed on a Kubernetes cluster (catalog, ports and releases stay shared). */
export function withKubernetes(platform: Platform, kubernetes: KubernetesPlatform): Platform {
  return { ...platform, kubernetes };
}

// The platform of the program run in progress, carried by its async context
// (as Pulumi carries its own run state), never by a module variable.
const running = new AsyncLocalStorage<Platform>();

/** Runs `body` (a program) with `platform` as the one its primitives use when given none. */
export function runWithPlatform<T>(platform: Platform, body: () => T): T {
  return running.run(platform, body);
}

/**
 * The platform a primitive uses: the one it is given, else the program run's
 * (inside `strataProgram`), else a platform of its own from the stack's
 * config (a primitive declared outside `strataProgram`: its catalog entry is
 * then not exported, and on a Kubernetes target it has no cluster).
 */
export function platformOf(given?: Platform): Platform {
  return given ?? running.getStore() ?? createPlatform(stackContext());
}

/** An issue when a primitive on a Kubernetes target has no cluster to be placed on; none on the local target. */
export function platformIssues(primitive: string, name: string, platform: Pick<Platform, "context" | "kubernetes">): ValidationIssue[] {
  if (!onKubernetes(platform.context.target) || platform.kubernetes) return [];
  return [
    {
      primitive,
      name,
      field: "strata:target",
      value: platform.context.target,
      problem: "needs the platform's Kubernetes cluster, and none was set up in this program",
      fix: "declare primitives inside strataProgram(...), which connects to (or creates) the cluster first",
    },
  ];
}
