import type { Taint } from "../capabilities.js";

/** A pod toleration (the Kubernetes shape). */
export interface Toleration {
  key: string;
  operator: "Equal";
  value: string;
  effect: Taint["effect"];
}

/** Where a workload's pods may run: the nodes of one Compute. */
export interface Placement {
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
}

/** The tolerations that let pods onto nodes with these taints. Pure. */
export function tolerationsFor(taints: readonly Taint[]): Toleration[] {
  return taints.map((t) => ({ key: t.key, operator: "Equal", value: t.value, effect: t.effect }));
}

/** Annotations of a workload whose readiness is not awaited (`strata:awaitWorkloads` = false). */
export function awaitAnnotations(awaitWorkloads: boolean): Record<string, string> {
  return awaitWorkloads ? {} : { "pulumi.com/skipAwait": "true" };
}

/** Labels Strata puts on every object it creates. */
export function strataLabels(kind: string, name: string): Record<string, string> {
  return { "app.kubernetes.io/managed-by": "strata", "strata.dev/kind": kind.toLowerCase(), "strata.dev/name": name };
}

/** The pod security settings of every Strata workload (Kubernetes' "restricted" profile). */
export function restrictedPodSecurity(): { runAsNonRoot: boolean; seccompProfile: { type: string } } {
  return { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
}

/** The container security settings of every Strata workload (Kubernetes' "restricted" profile, read-only root). */
export function restrictedContainerSecurity(): {
  allowPrivilegeEscalation: boolean;
  readOnlyRootFilesystem: boolean;
  capabilities: { drop: string[] };
} {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
}
