import * as pulumi from "@pulumi/pulumi";
import {
  PlatformFoundation,
  StrataValidationError,
  catalogEntries,
  foundationArgsFromConfig,
  helmReleaseExports,
  onKubernetes,
  resetProgramState,
  stackContext,
} from "@strata/core-kernel";
import { WorkflowEngine } from "./workflow-engine.js";

/** Stack outputs a program returns. */
export type ProgramOutputs = Record<string, unknown>;

/**
 * Wraps a stack program so every run starts afresh (empty catalog, no port
 * claims) and exports the catalog (kind, name, address, owner, tags, inputs
 * of every primitive) as the `catalog` stack output. Running the same
 * program twice in one process (preview, then up) therefore reports each
 * primitive once.
 *
 * On Kubernetes targets (`strata:target` kubernetes, aws, gcp, azure) it
 * first sets up the platform the primitives are placed on: the cloud's
 * network and Kubernetes cluster (or a provider for the existing cluster),
 * the platform namespace and the Argo Workflows controller. With
 * `strata:helmCharts` = "values" the Helm releases are exported as the
 * `helmReleases` output instead of installed.
 */
export function strataProgram(body: () => ProgramOutputs | Promise<ProgramOutputs>): () => Promise<ProgramOutputs> {
  return async () => {
    resetProgramState();
    const context = stackContext();
    const platform: ProgramOutputs = {};
    if (onKubernetes(context.target)) {
      const { args, issues } = foundationArgsFromConfig("platform", context, new pulumi.Config("strata"));
      if (issues.length > 0) throw new StrataValidationError(issues);
      const foundation = new PlatformFoundation("platform", args);
      new WorkflowEngine("workflows");
      platform.platformNamespace = foundation.platform.namespace;
      if (foundation.cluster) platform.kubernetesCluster = foundation.cluster.clusterName;
    }
    const outputs = await body();
    const releases = helmReleaseExports();
    return {
      ...outputs,
      ...platform,
      catalog: catalogEntries(),
      ...(releases.length === 0 ? {} : { helmReleases: releases }),
    };
  };
}
