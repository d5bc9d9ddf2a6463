import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import {
  Cluster,
  Compute,
  Contract,
  Database,
  Depot,
  Model,
  ModelApi,
  type ModelArgs,
  LocalObjectStore,
  Policy,
  type PolicyArgs,
  Secret,
  Service,
  Workflow,
  type WorkflowStep,
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

/** Revenue per order day, region and nation, from the warehouse orders joined with TPC-H nations. */
const DAILY_REVENUE = `
SELECT o.ordered_on AS day, c.region, n.name AS nation, count(*) AS orders, sum(o.amount) AS revenue_cents
FROM warehouse.public.orders o
JOIN warehouse.public.customers c ON c.id = o.customer_id
JOIN tpch.tiny.nation n ON n.nationkey = c.nation_key
GROUP BY 1, 2, 3`;

/** The steps of the `daily-revenue` Workflow: it (re)builds the days present in the warehouse, never duplicating them. */
export const DAILY_REVENUE_STEPS: WorkflowStep[] = [
  { name: "schema", kind: "sql", sql: "CREATE SCHEMA IF NOT EXISTS lake.sales" },
  {
    name: "build",
    kind: "sql",
    dependencies: ["schema"],
    retry: { limit: 2, backoff: { duration: "10s", factor: 2 } },
    timeout: "10m",
    sql: [
      "CREATE TABLE IF NOT EXISTS lake.sales.daily_revenue (day date, region varchar, nation varchar, orders bigint, revenue_cents bigint)",
      "DELETE FROM lake.sales.daily_revenue WHERE day IN (SELECT DISTINCT ordered_on FROM warehouse.public.orders)",
      `INSERT INTO lake.sales.daily_revenue ${DAILY_REVENUE}`,
    ],
  },
];

/** What `strata demo` shows after deploying: the same query as each user, and what each should see; then the workflow's table. */
export const demo = {
  query: DEMO_QUERY,
  users: [
    { user: "admin", expect: "every customer, emails in clear" },
    { user: "analyst", expect: "EU customers only, emails masked" },
    { user: "guest", expect: "access denied" },
  ],
  workflow: {
    name: "daily-revenue",
    query: "SELECT day, region, nation, orders, revenue_cents FROM lake.sales.daily_revenue ORDER BY day, region, nation",
    users: [
      { user: "admin", expect: "every region" },
      { user: "analyst", expect: "EU rows only" },
    ],
  },
  modelApi: {
    output: "modelApi",
    path: "/v1/metrics?measures=orders.revenue,orders.count,customers.count&dimensions=customers.region",
    users: [
      { user: "admin", expect: "every region; customers counted once however many orders they placed" },
      {
        user: "analyst",
        expect: "EU customers; the other orders' revenue under no region (customers are filtered for analysts, orders are not)",
      },
    ],
  },
};

/** The semantic model `sales` over the warehouse and TPC-H: its views live in the lakehouse. */
export const SALES_MODEL: Pick<ModelArgs, "tables" | "joins" | "metrics"> = {
  tables: {
    orders: {
      table: "warehouse.public.orders",
      primaryKey: "id",
      description: "Orders of the shop",
      dimensions: {
        status: { type: "string", description: "placed, shipped, delivered or cancelled" },
        ordered_on: { type: "time", description: "Day the order was placed" },
      },
      measures: {
        revenue: {
          type: "sum",
          sql: "orders.amount",
          filters: ["orders.status <> 'cancelled'"],
          description: "Revenue in euro cents, cancelled orders excluded",
        },
        count: { type: "count", description: "Orders" },
      },
    },
    customers: {
      table: "warehouse.public.customers",
      primaryKey: "id",
      description: "People who ordered, or may",
      dimensions: { region: { type: "string", description: "EU, US or APAC" }, email: { type: "string", description: "Contact address" } },
      measures: { count: { type: "count", description: "Customers" } },
      segments: { eu: { sql: "customers.region = 'EU'", description: "Customers in the EU" } },
    },
    nations: {
      table: "tpch.tiny.nation",
      primaryKey: "nationkey",
      dimensions: { name: { type: "string", description: "Nation of a customer" } },
    },
  },
  joins: [
    { from: "orders", to: "customers", relationship: "many_to_one", on: "orders.customer_id = customers.id" },
    { from: "customers", to: "nations", relationship: "many_to_one", on: "customers.nation_key = nations.nationkey" },
  ],
  metrics: {
    revenue_by_region_month: {
      measures: ["orders.revenue", "orders.count", "customers.count"],
      dimensions: ["customers.region", "nations.name", "orders.ordered_on"],
      timeGrain: "month",
    },
  },
};

/** The region lands in row filters' SQL: only a plain word is accepted. */
function checkRegion(analystRegion: string): void {
  if (!/^[A-Za-z][A-Za-z -]{0,40}$/.test(analystRegion)) {
    throw new Error(
      `Stack config "analystRegion": ${JSON.stringify(analystRegion)} is not a region name. Fix: use letters, spaces and "-", e.g. EU`,
    );
  }
}

/** The demo's policies, as plain data (the benchmark's bare floor compiles the same rules). `analystRegion`: the rows analysts see. */
export function demoPolicies(analystRegion = "EU"): Record<string, PolicyArgs> {
  checkRegion(analystRegion);
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

/** Policies on the lakehouse (local target): admins own it, analysts read their region, the workflow builds it. */
export function lakePolicies(analystRegion = "EU"): Record<string, PolicyArgs> {
  checkRegion(analystRegion);
  const pipeline = "workflow-daily-revenue";
  return {
    "lake-readers": {
      access: [
        { groups: ["admins"], depot: "lake", access: "all" },
        { groups: ["analysts"], depot: "lake", access: "read" },
      ],
      filters: [{ groups: ["analysts"], depot: "lake", schema: "sales", table: "daily_revenue", where: `region = '${analystRegion}'` }],
    },
    pipelines: {
      access: [
        { serviceAccounts: [pipeline], depot: "warehouse", access: "read" },
        { serviceAccounts: [pipeline], depot: "tpch", access: "read" },
        { serviceAccounts: [pipeline], depot: "lake", access: "all" },
      ],
    },
  };
}

/** Read access for the service accounts the demo's Contracts check as (local target). */
export function contractPolicies(): Record<string, PolicyArgs> {
  return {
    "contract-checks": {
      access: [
        { serviceAccounts: ["contract-orders"], depot: "warehouse", access: "read" },
        { serviceAccounts: ["contract-daily-revenue"], depot: "lake", access: "read" },
      ],
    },
  };
}

/** What the model `sales` needs: its service account owns its views in the lakehouse and reads the tables below them. */
export function modelPolicies(): Record<string, PolicyArgs> {
  return {
    models: {
      access: [
        { serviceAccounts: ["model-sales"], depot: "warehouse", access: "read" },
        { serviceAccounts: ["model-sales"], depot: "tpch", access: "read" },
        { serviceAccounts: ["model-sales"], depot: "lake", access: "all" },
      ],
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
 * API as a Service in its Workspace. On the local target it adds a
 * lakehouse, the daily-revenue Workflow, data contracts on the warehouse
 * orders and the lakehouse table, the semantic Model `sales` and its model
 * API (these need the Cluster reachable from the deployment).
 *
 * Stack config: `warehousePassword` (secret); `analystRegion` (default "EU");
 * on Kubernetes targets `oidcIssuer`, `oidcClientId` and `oidcClientSecret`
 * (secret) for people to sign in with an OpenID Connect provider (without
 * them, only workloads log in);
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
  const local = warehouse.native.kind === "local" ? warehouse.native : undefined;
  // The lakehouse and its workflow run on the local target: Iceberg tables whose catalog lives on the
  // warehouse's PostgreSQL server, data files in a local folder, runs recorded on the same server.
  const lakehouse = local && {
    metastore: new Database("lake-catalog", { password: warehousePassword, server: local.server, owner: "data-platform" }),
    runs: new Database("strata-runs", { password: warehousePassword, server: local.server, owner: "data-platform" }),
    files: new LocalObjectStore("lake-files"),
  };
  const lake =
    lakehouse &&
    new Depot("lake", {
      source: { kind: "lakehouse", metastore: lakehouse.metastore, storage: lakehouse.files },
      owner: "data-platform",
      domain: "sales",
      description: "Iceberg tables built by workflows",
    });
  const policyArgs = {
    ...(shared?.policies ?? demoPolicies(config.get("analystRegion"))),
    ...(lake ? { ...lakePolicies(config.get("analystRegion")), ...contractPolicies(), ...modelPolicies() } : {}),
  };
  const policyList = Object.entries(policyArgs).map(([name, args]) => new Policy(name, { ...args, owner: "data-platform" }));
  // Kubernetes targets: people sign in with the organisation's OpenID Connect provider, when one is configured.
  const issuer = onKubernetes(platform.context.target) ? config.get("oidcIssuer") : undefined;
  const identityProvider = issuer
    ? {
        issuer,
        clientId: config.require("oidcClientId"),
        clientSecret: new Secret("oidc-client-secret", {
          value: config.requireSecret("oidcClientSecret"),
          owner: "data-platform",
          description: "Secret of the Cluster's client at the identity provider",
        }),
      }
    : undefined;
  const cluster = new Cluster("analytics", {
    compute,
    depots: [warehouse.depot, tpch, ...(lake ? [lake] : [])],
    policies: policyList,
    groups: shared?.groups ?? groups,
    // admin and analyst log in because the groups name them; guest is a user with no grant at all.
    users: { guest: "generate" },
    ...(identityProvider ? { identityProvider } : {}),
    owner: "data-platform",
  });
  const localOutputs: Record<string, unknown> = {};
  if (lakehouse && lake) {
    const contracts = fileURLToPath(new URL("./contracts/", import.meta.url));
    // Checked at every up: bad orders stop the deployment; stale ones only warn.
    const orders = Contract.fromFile("orders", `${contracts}orders.odcs.yaml`, {
      depot: warehouse.depot,
      schema: "public",
      cluster,
      slaEnforcement: "warn",
      history: lakehouse.runs,
      owner: "sales-engineering",
      domain: "sales",
    });
    // Checked by the workflow's last step, after each build.
    const revenue = Contract.fromFile("daily-revenue", `${contracts}daily-revenue.odcs.yaml`, {
      depot: lake,
      cluster,
      checkOnDeploy: false,
      history: lakehouse.runs,
      owner: "sales-engineering",
      domain: "sales",
    });
    const dailyRevenue = new Workflow("daily-revenue", {
      cluster,
      runs: lakehouse.runs,
      schedules: ["0 2 * * *"],
      timezone: "Europe/Paris",
      steps: [...DAILY_REVENUE_STEPS, { name: "check", kind: "check", contract: revenue, dependencies: ["build"] }],
      owner: "sales-engineering",
      domain: "sales",
    });
    localOutputs.workflows = [dailyRevenue.resourceName];
    // The semantic layer: views in lake.sales, and its measures over HTTP.
    const sales = new Model("sales", { cluster, depot: lake, ...SALES_MODEL, owner: "sales-engineering", domain: "sales" });
    localOutputs.modelApi = new ModelApi("sales-api", { model: sales, owner: "sales-engineering", domain: "sales" }).url;
    localOutputs.contracts = { orders: orders.report };
  }
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
    ...localOutputs,
    endpoint: cluster.endpoint,
    // Local target: the authority clients trust, and each person's password file (paths only; values are not outputs).
    ...(cluster.caFile ? { caFile: cluster.caFile, logins: cluster.loginFiles() } : {}),
    catalogs: cluster.catalogs,
    warehouse: { host: warehouse.host, port: warehouse.port, database: warehouse.databaseName, migrations: warehouse.appliedMigrations },
    // The marketing team's folder (local) or namespace (Kubernetes targets).
    marketing: marketing.location,
    // The password's file (local) or secret manager reference.
    warehousePassword: warehousePassword.reference,
  };
});
