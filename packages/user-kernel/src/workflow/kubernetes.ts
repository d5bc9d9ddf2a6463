import * as pulumi from "@pulumi/pulumi";
import {
  type ChildFactory,
  clusterClientObjects,
  customObject,
  egressPolicy,
  roleBinding,
  strataLabels,
  trinoPodLabels,
} from "@strata/core-kernel";
import { HTTPS_PORT } from "@strata/core-kernel";
import { compileWorkflow } from "./compile.js";
import type { WorkflowArgs, WorkflowNative } from "./index.js";
import { workflowPlan } from "./plan.js";

/**
 * Kubernetes targets: the compiled WorkflowTemplate and, when the workflow
 * has schedules, its CronWorkflow, as Argo custom resources in its
 * Workspace's namespace (run by the Workspace's service account) or the
 * platform's. The Argo Workflows controller of the platform runs them: sql
 * steps in the Trino image of the Cluster's release, with the Trino CLI
 * against the Cluster's Service; command steps in their own image. A
 * workflow with sql or check steps runs as its own service account (named
 * as its user), whose projected token, bound to the Cluster, is its login.
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
  const labels = strataLabels("Workflow", name);
  const podLabels = { "strata.dev/workflow": name };
  const login = args.cluster?.workloadLogin;
  const queries = login !== undefined && args.steps.some((s) => s.kind !== "command");
  const loginObjects: pulumi.Resource[] = [];
  let account = args.workspace?.native.kind === "kubernetes" ? args.workspace.native.account.metadata.name : undefined;
  let caConfigMap = "";
  if (queries) {
    // Its own identity: a service account named as its user, whose token Trino maps to that user.
    const own = clusterClientObjects(children, args.cluster!, { user, primitive: "Workflow", name, namespace, labels, podLabels });
    account = own.account.metadata.name;
    loginObjects.push(own.account, own.ca);
    caConfigMap = own.caConfigMap;
    // What Argo's executor does as the pod's service account: the Workspace's role, when it has one.
    if (args.workspace?.native.kind === "kubernetes")
      loginObjects.push(
        roleBinding(
          children,
          "role-binding",
          { name: user, namespace, labels },
          args.workspace.native.role.metadata.name,
          own.account.metadata.name,
        ),
      );
  }
  const server = args.cluster?.endpoint ?? pulumi.output("");
  // Waits for the whole program: workflows declared later may run after this one.
  const compiled = pulumi
    .all([
      server,
      namespace,
      account ?? pulumi.output(undefined),
      queries ? login!.tokenAudience : pulumi.output(undefined),
      pulumi.output(children.platform.allDeclared),
    ])
    .apply(([server, namespace, account, tokenAudience]) =>
      compileWorkflow(
        workflowPlan(name, args, {
          server,
          user,
          labels,
          namespace,
          podLabels,
          downstream: downstream(),
          ...(account === undefined ? {} : { serviceAccountName: account }),
          ...(tokenAudience === undefined ? {} : { trinoLogin: { tokenAudience, caConfigMap } }),
        }),
      ),
    );
  const metadata = { name, namespace, labels };
  const secrets = args.steps.flatMap((s) => (s.kind === "command" ? Object.values(s.secrets ?? {}) : []));
  const template = customObject(
    children,
    "template",
    { apiVersion: "argoproj.io/v1alpha1", kind: "WorkflowTemplate", metadata, spec: compiled.template.spec },
    { dependsOn: [...secrets, ...loginObjects] },
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
              labels: trinoPodLabels(args.cluster.resourceName),
              port: HTTPS_PORT,
            },
          ],
        })
      : undefined;
  return { native: { kind: "kubernetes", template, ...(cron ? { cron } : {}), ...(egress ? { egress } : {}) } };
}
