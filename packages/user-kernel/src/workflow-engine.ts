import * as pulumi from "@pulumi/pulumi";
import { type ChartReference, HelmChartRelease, type PrimitiveArgs, StrataComponent, platformIssues } from "@strata/core-kernel";

/** The official Argo Workflows chart, pinned. */
export const ARGO_WORKFLOWS_CHART: ChartReference = {
  repository: "https://argoproj.github.io/argo-helm",
  chart: "argo-workflows",
  version: "0.45.19",
};

/**
 * Chart values: the controller only (no UI server exposed), watching every
 * namespace so Workflows in any Workspace run; workflow pods non-root with
 * garbage collection and a one-day retention. Pure.
 */
export function compileArgoWorkflowsValues(): Record<string, unknown> {
  const restricted = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
  return {
    crds: { install: true, keep: true },
    singleNamespace: false,
    server: { enabled: false },
    controller: {
      securityContext: restricted,
      metricsConfig: { enabled: true },
      workflowDefaults: {
        spec: {
          podGC: { strategy: "OnPodSuccess" },
          ttlStrategy: { secondsAfterCompletion: 86400 },
          securityContext: { runAsNonRoot: true, runAsUser: 8737, seccompProfile: { type: "RuntimeDefault" } },
        },
      },
    },
    executor: { securityContext: restricted },
    workflow: { serviceAccount: { create: false }, rbac: { create: true } },
  };
}

/**
 * The Argo Workflows controller, installed once per platform from its
 * official chart into the platform namespace, so Workflows can compile into
 * CronWorkflows. `strataProgram` creates it on every Kubernetes target.
 */
export class WorkflowEngine extends StrataComponent {
  readonly release: HelmChartRelease;

  constructor(name: string, args: PrimitiveArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    // The controller exists on Kubernetes only: without a cluster it is refused on every target, local included.
    super({ layer: "user", kind: "WorkflowEngine" }, name, args, opts, (platform) =>
      platform.kubernetes
        ? []
        : platformIssues("WorkflowEngine", name, { ...platform, context: { ...platform.context, target: "kubernetes" } }),
    );
    const cluster = this.platform.kubernetes!;
    this.release = new HelmChartRelease(
      this.childName("argo"),
      {
        platform: this.platform,
        chart: ARGO_WORKFLOWS_CHART,
        namespace: cluster.namespace,
        releaseName: "argo-workflows",
        values: compileArgoWorkflowsValues(),
      },
      this.childOptions(),
    );
    this.finish({ chart: ARGO_WORKFLOWS_CHART.chart, version: ARGO_WORKFLOWS_CHART.version }, {});
  }
}
