import * as pulumi from "@pulumi/pulumi";
import { type ChildFactory, customObject, egressPolicy, strataLabels } from "@strata/core-kernel";
import { compileWorkflow } from "./compile.js";
import type { WorkflowArgs, WorkflowNative } from "./index.js";
import { workflowPlan } from "./plan.js";

/**
 * Kubernetes targets: the compiled WorkflowTemplate and, when the workflow
 * has schedules, its CronWorkflow, as Argo custom resources in its
 * Workspace's namespace (run by the Workspace's service account) or the
 * platform's. The Argo Workflows controller of the platform runs them: sql
 * steps in the Trino image of the Cluster's release, with the Trino CLI
 * against the Cluster's Service; command steps in their own image.
 */
export function deployWorkflowOnKubernetes(
  children: ChildFactory,
  name: string,
  args: WorkflowArgs,
  user: string,
  /** The workflows to start after each success: known once the program has declared everything. */
  downstream: () => string[],
): { native: WorkflowNative } {
  const cluster = children.platform.kubernetes!;
  const namespace = args.workspace?.location ?? pulumi.output(cluster.namespace);
  const account = args.workspace?.native.kind === "kubernetes" ? args.workspace.native.account.metadata.name : undefined;
  const labels = strataLabels("Workflow", name);
  const podLabels = { "strata.dev/workflow": name };
  const server = args.cluster?.endpoint ?? pulumi.output("");
  // Waits for the whole program: workflows declared later may run after this one.
  const compiled = pulumi
    .all([server, namespace, account ?? pulumi.output(undefined), pulumi.output(children.platform.allDeclared)])
    .apply(([server, namespace, account]) =>
      compileWorkflow(
        workflowPlan(name, args, {
          server,
          user,
          labels,
          namespace,
          podLabels,
          downstream: downstream(),
          ...(account === undefined ? {} : { serviceAccountName: account }),
        }),
      ),
    );
  const metadata = { name, namespace, labels };
  const secrets = args.steps.flatMap((s) => (s.kind === "command" ? Object.values(s.secrets ?? {}) : []));
  const template = customObject(
    children,
    "template",
    { apiVersion: "argoproj.io/v1alpha1", kind: "WorkflowTemplate", metadata, spec: compiled.template.spec },
    { dependsOn: secrets },
  );
  const schedules = args.schedules ?? [];
  const cron =
    schedules.length === 0
      ? undefined
      : customObject(
          children,
          "cron",
          { apiVersion: "argoproj.io/v1alpha1", kind: "CronWorkflow", metadata, spec: compiled.apply((c) => c.cron!.spec) },
          { dependsOn: [template] },
        );
  // A Workspace lets only DNS out of its namespace: the sql steps of its runs may also reach the Cluster's
  // Trino. Command steps get nothing more; the team opens what they need.
  const egress =
    args.workspace?.native.kind === "kubernetes" && args.cluster && args.steps.some((s) => s.kind === "sql")
      ? egressPolicy(children, "egress", {
          meta: { name: `workflow-${name}`, namespace, labels },
          podLabels,
          toPods: [
            {
              namespace: cluster.namespace,
              labels: { "app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": args.cluster.resourceName },
              port: 8080,
            },
          ],
        })
      : undefined;
  return { native: { kind: "kubernetes", template, ...(cron ? { cron } : {}), ...(egress ? { egress } : {}) } };
}
