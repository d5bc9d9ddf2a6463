import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import {
  Cluster,
  Compute,
  Database,
  Depot,
  Policy,
  type PolicyArgs,
  Secret,
  Service,
  Workspace,
  onKubernetes,
  strataProgram,
} from "@strata/user-kernel";

/** The query the demo runs as each user: customers joined across the warehouse (PostgreSQL) and TPC-H depots. */
const DEMO_QUERY = `
SELECT c.name, c.email, c.region, n.name AS nation, count(o.id) AS orders, sum(o.amount) AS amount_cents
FROM warehouse.public.customers c
JOIN tpch.tiny.nation n ON n.nationkey = c.nation_key
LEFT JOIN warehouse.public.orders o ON o.customer_id = c.id
GROUP BY c.name, c.email, c.region, n.name
ORDER BY c.name`;

/** What `strata demo` shows after deploying: the same query as each user, and what each should see. */
export const demo = {
  query: DEMO_QUERY,
  users: [
    { user: "admin", expect: "every customer, emails in clear" },
    { user: "analyst", expect: "EU customers only, emails masked" },
    { user: "guest", expect: "access denied" },
  ],
};

/** The demo's policies, as plain data (the benchmark's bare floor compiles the same rules). `analystRegion`: the rows analysts see. */
export function demoPolicies(analystRegion = "EU"): Record<string, PolicyArgs> {
  // The region lands in a row filter's SQL: only a plain word is accepted.
  if (!/^[A-Za-z][A-Za-z -]{0,40}$/.test(analystRegion)) {
    throw new Error(
      `Stack config "analystRegion": ${JSON.stringify(analystRegion)} is not a region name. Fix: use letters, spaces and "-", e.g. EU`,
    );
  }
  return {
    admins: {
      access: [
        { groups: ["admins"], depot: "warehouse", access: "all" },
        { groups: ["admins"], depot: "tpch", access: "read" },
      ],
    },
    analysts: {
      access: [
        { groups: ["analysts"], depot: "warehouse", access: "read" },
        { groups: ["analysts"], depot: "tpch", access: "read" },
      ],
      masks: [{ groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", column: "email", mask: "email" }],
      filters: [{ groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", where: `region = '${analystRegion}'` }],
    },
  };
}

/** The demo's policies with their defaults. */
export const policies = demoPolicies();

/** Group membership of the demo's users. */
export const groups = { admins: ["admin"], analysts: ["analyst"] };

/** Memory of the demo's Cluster, in MiB. */
export const CLUSTER_MEMORY_MB = 2048;

/** What a data plane takes from its control-plane stack (stacks/control-plane). */
interface ControlPlaneOutputs {
  policies: Record<string, PolicyArgs>;
  groups: Record<string, string[]>;
  warehousePassword: pulumi.Output<string>;
}

/** Reads the control plane's outputs (values at program time, so Policies are validated as usual). */
async function controlPlaneOutputs(stackName: string | undefined): Promise<ControlPlaneOutputs | undefined> {
  if (stackName === undefined) return undefined;
  const reference = new pulumi.StackReference("control-plane", { name: stackName });
  const policies = await reference.getOutputDetails("policies");
  const groupsOutput = await reference.getOutputDetails("groups");
  if (policies.value === undefined || groupsOutput.value === undefined) {
    throw new Error(
      `Stack config "controlPlane": stack ${stackName} has no policies or groups output. Fix: deploy stacks/control-plane there first`,
    );
  }
  return {
    policies: policies.value as Record<string, PolicyArgs>,
    groups: groupsOutput.value as Record<string, string[]>,
    warehousePassword: pulumi.secret(reference.requireOutput("warehousePassword") as pulumi.Output<string>),
  };
}

/**
 * The data platform: a PostgreSQL warehouse seeded by migrations, a TPC-H
 * depot, a Trino cluster federating both, and policies for three users:
 * `admin` sees everything, `analyst` sees masked emails and rows of one
 * region only, `guest` is denied. The same program deploys to every target
 * (`strata:target`); on Kubernetes targets it also runs the marketing team's
 * API as a Service in its Workspace (the local target has no Service runtime).
 *
 * Stack config: `warehousePassword` (secret); `analystRegion` (default "EU");
 * `controlPlane` (optional): a control-plane stack (`org/strata-control-plane/prod`)
 * whose `policies`, `groups` and `warehousePassword` outputs replace the
 * program's own, so one organisation-wide set of rules reaches every data plane.
 * On the local target the strata command also sets `strata:dataDir` and the
 * engine locations (`strata:trinoHome`, ...).
 */
export default strataProgram(async (platform) => {
  const config = new pulumi.Config();
  const shared = await controlPlaneOutputs(config.get("controlPlane"));
  const warehousePassword = new Secret("warehouse-password", {
    value: shared?.warehousePassword ?? config.requireSecret("warehousePassword"),
    owner: "data-platform",
    description: "Password of the warehouse database owner",
  });
  const compute = new Compute("analytics-compute", { memoryMb: CLUSTER_MEMORY_MB, nodes: { min: 1, max: 3 }, owner: "data-platform" });
  const warehouse = new Database("warehouse", {
    password: warehousePassword,
    compute,
    migrations: { directory: fileURLToPath(new URL("./migrations", import.meta.url)) },
    owner: "sales-engineering",
    domain: "sales",
  });
  const tpch = new Depot("tpch", { source: { kind: "tpch" }, owner: "data-platform", description: "TPC-H reference data" });
  const policyList = Object.entries(shared?.policies ?? demoPolicies(config.get("analystRegion"))).map(
    ([name, args]) => new Policy(name, { ...args, owner: "data-platform" }),
  );
  const cluster = new Cluster("analytics", {
    compute,
    depots: [warehouse.depot, tpch],
    policies: policyList,
    groups: shared?.groups ?? groups,
    owner: "data-platform",
  });
  const marketing = new Workspace("marketing", { owner: "marketing" });
  const kubernetesOutputs: Record<string, unknown> = {};
  if (onKubernetes(platform.context.target)) {
    const apiToken = new Secret("campaigns-api-token", {
      value: config.requireSecret("campaignsApiToken"),
      workspace: marketing,
      owner: "marketing",
      description: "Token the campaigns API accepts",
    });
    const api = new Service("campaigns-api", {
      image: "nginxinc/nginx-unprivileged:1.27-alpine",
      port: 8080,
      healthPath: "/",
      secrets: { API_TOKEN: apiToken },
      compute,
      workspace: marketing,
      replicas: { min: 2, max: 4 },
      owner: "marketing",
    });
    kubernetesOutputs.campaignsApi = api.url;
  }
  return {
    ...kubernetesOutputs,
    endpoint: cluster.endpoint,
    catalogs: cluster.catalogs,
    warehouse: { host: warehouse.host, port: warehouse.port, database: warehouse.databaseName, migrations: warehouse.appliedMigrations },
    // The marketing team's folder (local) or namespace (Kubernetes targets).
    marketing: marketing.location,
    // The password's file (local) or secret manager reference.
    warehousePassword: warehousePassword.reference,
  };
});
