import * as pulumi from "@pulumi/pulumi";
import {
  type Platform,
  PlatformFoundation,
  StrataValidationError,
  createPlatform,
  foundationArgsFromConfig,
  onKubernetes,
  runWithPlatform,
  stackContext,
  withKubernetes,
} from "@strata/core-kernel";
import { WorkflowEngine } from "./workflow-engine.js";

/** Stack outputs a program returns. */
export type ProgramOutputs = Record<string, unknown>;

/**
 * Wraps a stack program. Each run gets a platform of its own (see
 * `Platform`): the stack's settings, and what the run collects, so running
 * the same program twice in one process (preview, then up) starts afresh.
 * The program's primitives use it unless given another (`platform` argument);
 * the body also receives it. When the body has run, the run is checked as a
 * whole (two primitives asking for one port are refused, whatever their
 * order), and the catalog (kind, name, address, owner, tags, inputs of every
 * primitive) is exported as the `catalog` stack output.
 *
 * On Kubernetes targets (`strata:target` kubernetes, aws, gcp, azure) it
 * first sets up what the primitives are placed on: the cloud's network and
 * Kubernetes cluster (or a provider for the existing cluster), the platform
 * namespace and the Argo Workflows controller. With `strata:helmCharts` =
 * "values" the Helm releases are exported as the `helmReleases` output
 * instead of installed.
 */
export function strataProgram(body: (platform: Platform) => ProgramOutputs | Promise<ProgramOutputs>): () => Promise<ProgramOutputs> {
  return async () => {
    let platform = createPlatform(stackContext());
    const outputsOfPlatform: ProgramOutputs = {};
    if (onKubernetes(platform.context.target)) {
      const { args, issues } = foundationArgsFromConfig("platform", platform.context, new pulumi.Config("strata"));
      if (issues.length > 0) throw new StrataValidationError(issues);
      const foundation = new PlatformFoundation("platform", { ...args, platform });
      platform = withKubernetes(platform, foundation.cluster);
      new WorkflowEngine("workflows", { platform });
      outputsOfPlatform.platformNamespace = foundation.cluster.namespace;
      if (foundation.kubernetesCluster) outputsOfPlatform.kubernetesCluster = foundation.kubernetesCluster.clusterName;
    }
    const run = platform;
    const outputs = await runWithPlatform(run, () => body(run));
    run.declared();
    const conflicts = run.ports.conflicts();
    if (conflicts.length > 0) throw new StrataValidationError(conflicts);
    return {
      ...outputs,
      ...outputsOfPlatform,
      catalog: run.catalog.entries(),
      ...(run.helmReleases.length === 0 ? {} : { helmReleases: run.helmReleases }),
    };
  };
}
