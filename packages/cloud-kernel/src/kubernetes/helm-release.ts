import type { Release } from "@pulumi/kubernetes/helm/v3/index.js";
import * as pulumi from "@pulumi/pulumi";
import { StrataComponent, type PrimitiveArgs } from "../base/index.js";
import { platformIssues } from "../platform.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const helmV3Sdk = lazyPeer<typeof import("@pulumi/kubernetes/helm/v3/index.js")>(
  "@pulumi/kubernetes",
  "@pulumi/kubernetes/helm/v3/index.js",
);

/** A chart in a Helm repository, at a pinned version. */
export interface ChartReference {
  /** Repository URL, e.g. https://trinodb.github.io/charts. */
  repository: string;
  chart: string;
  /** Exact chart version: a new version is a deliberate change, never a surprise of `helm repo update`. */
  version: string;
}

/** Arguments of a {@link HelmChartRelease}. */
export interface HelmChartReleaseArgs extends PrimitiveArgs {
  chart: ChartReference;
  namespace: pulumi.Input<string>;
  /** Chart values. */
  values: pulumi.Input<Record<string, unknown>>;
  /** Release name (stable: it prefixes the chart's object names). */
  releaseName: string;
}

/**
 * An official chart installed as a Helm release with the platform's
 * provider; or, with `strata:helmCharts` = "values", the release's chart,
 * version and values exported (stack output `helmReleases`) for a GitOps tool,
 * with nothing fetched. Charts are referenced, never re-written by hand.
 */
export class HelmChartRelease extends StrataComponent {
  /** The Helm release, when installed (escape hatch). */
  readonly release?: Release;
  /** The values given to the chart. */
  readonly values: pulumi.Output<Record<string, unknown>>;
  readonly chart: ChartReference;

  constructor(name: string, args: HelmChartReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "HelmChartRelease" }, name, args, opts, (platform) => platformIssues("HelmChartRelease", name, platform));
    this.chart = args.chart;
    this.values = pulumi.output(args.values) as unknown as pulumi.Output<Record<string, unknown>>;
    const cluster = this.platform.kubernetes!;
    if (cluster.settings.helmCharts === "install") {
      this.release = new helmV3Sdk.Release(
        this.childName("release"),
        {
          name: args.releaseName,
          namespace: args.namespace,
          chart: args.chart.chart,
          version: args.chart.version,
          repositoryOpts: { repo: args.chart.repository },
          values: this.values,
          // A failed upgrade rolls back instead of leaving half-applied objects.
          atomic: true,
          cleanupOnFail: true,
          skipAwait: !cluster.settings.awaitWorkloads,
          maxHistory: 10,
        },
        this.childOptions({ provider: cluster.provider }),
      );
    } else {
      this.platform.helmReleases.push({
        name: args.releaseName,
        namespace: pulumi.output(args.namespace),
        ...args.chart,
        values: this.values,
      });
    }
    this.finish({ chart: args.chart.chart, version: args.chart.version });
  }
}
