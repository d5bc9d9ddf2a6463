// The shape of a YAML manifest: one document per primitive, `kind`, `name`
// and a `spec` whose fields are the primitive's args with the same names.
// Where an arg takes another primitive (a Secret, a Compute, a Depot, ...)
// the spec names it instead (a {@link Ref}); a secret value comes from stack
// config ({@link ConfigValue}), never a literal.
//
// These types are the single source of the JSON Schema published with this
// package (schemas/strata-manifest.schema.json): scripts/manifest-schema.mjs
// generates it with ts-json-schema-generator, and a unit test fails when the
// committed file is not what the types give. Every JSDoc here becomes the
// schema's `description`, which editors show while completing a manifest.
import type {
  AccessRule,
  ColumnMask,
  ConcurrencyPolicy,
  Migration,
  MetricQuery,
  ModelJoin,
  ModelTable,
  RowFilter,
  StepRetry,
  Taint,
} from "@strata/user-kernel";

/**
 * The name of another manifest (its `name`), e.g. `warehouse`. Which kinds
 * a field accepts is said on the field; when two of them share the name,
 * write `Kind/name`, e.g. `Database/warehouse`.
 * @pattern ^([A-Z][A-Za-z]+/)?[a-z]([a-z0-9-]{0,61}[a-z0-9])?$
 */
export type Ref = string;

/**
 * A value read from the stack's config (Pulumi.<stack>.yaml), e.g.
 * `{ config: warehousePassword }` for the project's own key, or
 * `{ config: "strata:kubeconfig" }` for another namespace. A secret stays
 * encrypted in the config file and in state.
 */
export interface ConfigValue {
  /**
   * The config key: `key` (the project's namespace) or `namespace:key`.
   * @pattern ^([A-Za-z][A-Za-z0-9_.-]*:)?[A-Za-z][A-Za-z0-9_.-]*$
   */
  config: string;
}

/** Fields every primitive accepts (catalog metadata). */
export interface CommonSpec {
  /** Team or person accountable for this primitive; recorded in the catalog. @default "unassigned" */
  owner?: string;
  /** Business domain (e.g. "sales"); recorded in the catalog. */
  domain?: string;
  /** What this primitive is for, in a sentence; recorded in the catalog. */
  description?: string;
  /** Free-form labels recorded in the catalog. */
  tags?: Record<string, string>;
}

/** A sensitive value (password, token, key), stored encrypted. */
export interface SecretSpec extends CommonSpec {
  /** Where the value comes from: a stack config key, set with `pulumi config set --secret` (never the value itself). */
  value: ConfigValue;
  /** Kubernetes targets: the Workspace whose namespace holds the Kubernetes Secret (a Workspace). */
  workspace?: Ref;
}

/** A memory and thread budget (local), or a node pool (clouds). */
export interface ComputeSpec extends CommonSpec {
  /**
   * Memory in MiB (80 % becomes a Cluster's JVM heap).
   * @minimum 1024
   * @asType integer
   */
  memoryMb?: number;
  /**
   * Cores (local: worker threads).
   * @minimum 1
   * @asType integer
   */
  cpus?: number;
  /** Clouds: node pool size. */
  nodes?: { min: number; max: number };
  /** Kubernetes target: labels of the existing nodes to run on. */
  nodeSelector?: Record<string, string>;
  /** Kubernetes target: taints of those nodes to tolerate. */
  tolerations?: Taint[];
}

/** A PostgreSQL database with an owner role, migrations, and a Depot on top. */
export interface DatabaseSpec extends CommonSpec {
  /** Password of the owner role (a Secret). */
  password: Ref;
  /**
   * Ordered migrations, or a directory (relative to this manifest file, inside
   * the stack folder) whose `*.sql` files are the migrations in file name order.
   */
  migrations?: Migration[] | { directory: string };
  /** Local target: create the database on the PostgreSQL server of this other Database (a Database). @default a server of its own */
  server?: Ref;
  /** Database name. Changing it replaces the database. @default the name with "-" as "_" */
  databaseName?: string;
  /** Kubernetes targets: the Compute whose nodes the migrations Job runs on (a Compute). */
  compute?: Ref;
  /** Name of the role owning the database. @default `<databaseName>_owner` */
  ownerRole?: string;
}

/** An existing PostgreSQL database reached with a password. */
export interface PostgresSourceSpec {
  kind: "postgresql";
  host: string;
  port: number;
  database: string;
  user: string;
  /** The password (a Secret). */
  password: Ref;
  /** Connect over TLS only. @default false */
  tls?: boolean;
}

/** Trino's memory connector. */
export interface MemorySourceSpec {
  kind: "memory";
}

/** TPC-H reference data. */
export interface TpchSourceSpec {
  kind: "tpch";
}

/** Iceberg tables: catalog in a Database, files in an object store. */
export interface LakehouseSourceSpec {
  kind: "lakehouse";
  /** The Database holding the Iceberg catalog's tables (a Database). */
  metastore: Ref;
  /** Where data files are written (a LocalObjectStore). */
  storage: Ref;
}

/**
 * Where a Depot's data is: `kind` says which of the forms.
 * @discriminator kind
 */
export type DepotSourceSpec = PostgresSourceSpec | MemorySourceSpec | TpchSourceSpec | LakehouseSourceSpec;

/** A Trino catalog for a source system. A Database has a Depot of its own: name the Database where a Depot is asked for. */
export interface DepotSpec extends CommonSpec {
  /** The source system and how to reach it. */
  source: DepotSourceSpec;
  /** Trino catalog name. @default the name with "-" as "_" */
  catalogName?: string;
}

/** The local target's object store: a private folder. */
export interface LocalObjectStoreSpec extends CommonSpec {
  /** Not offered by a local folder: leave it out or false. */
  versioned?: boolean;
}

/** Access and data policies compiled to Trino's access rules. */
export interface PolicySpec extends CommonSpec {
  /** Access policies: users and groups -> allow or deny on a depot, schema or table. */
  access?: AccessRule[];
  /** Column masks. */
  masks?: ColumnMask[];
  /** Row filters. */
  filters?: RowFilter[];
}

/** A Trino cluster federating Depots, under Policies. */
export interface ClusterSpec extends CommonSpec {
  /** The Compute it runs on (a Compute). @default a Compute of its own */
  compute?: Ref;
  /** Depots mounted as catalogs (Depots, or Databases for their own Depot). */
  depots?: Ref[];
  /** Policies compiled into its access rules (Policies). With none, every query is denied. */
  policies?: Ref[];
  /** Group membership for policies that name groups: group -> users. */
  groups?: Record<string, string[]>;
  /**
   * Local target: more people who log in, each with a generated password kept
   * as a Secret of the Cluster (users the Policies and groups name log in anyway).
   */
  users?: Record<string, "generate">;
  /**
   * Kubernetes targets: people sign in with an access token from this OpenID
   * Connect provider (workloads with their service-account tokens either way).
   */
  identityProvider?: {
    /** The provider's issuer URL (https). */
    issuer: string;
    /** The client registered for the Cluster at the provider. */
    clientId: string;
    /** The client's secret (a Secret). */
    clientSecret: Ref;
    /** The access-token claim naming the person. @default "preferred_username" */
    userClaim?: string;
    /** The access-token claim listing the person's groups. @default "groups" */
    groupsClaim?: string;
    /** Token audiences accepted besides the client id. */
    audiences?: string[];
    /** PEM of the provider's certificate authority, when it is a private one. */
    certificateAuthority?: string;
  };
  /**
   * Local target: HTTPS port on 127.0.0.1. @default a free port, kept
   * @asType integer
   */
  port?: number;
  /** Seconds to wait for the server to be ready. @default 180 */
  startTimeoutSeconds?: number;
}

/** A team's space: a folder (local) or a namespace with quotas (Kubernetes). */
export interface WorkspaceSpec extends CommonSpec {
  /** Kubernetes targets: what the team's namespace may use in all. */
  quota?: { cpus?: number; memoryMb?: number; pods?: number };
}

/** An ODCS v3.1 data contract on a Depot's tables, checked through a Cluster. */
export interface ContractSpec extends CommonSpec {
  /** The ODCS v3.1 YAML document, relative to this manifest file (inside the stack folder). */
  fromFile: string;
  /** The Depot holding the tables (a Depot, or a Database for its own Depot). */
  depot: Ref;
  /** The Cluster the checks run through (a Cluster). */
  cluster: Ref;
  /** Schema of the tables when the document names them without one. */
  schema?: string;
  /** What a failed rule does. @default "block" */
  enforcement?: "block" | "warn";
  /** What a failed SLA does. @default the enforcement */
  slaEnforcement?: "block" | "warn";
  /** Run the checks at every preview and up. @default true */
  checkOnDeploy?: boolean;
  /** Trino user the checks run as. @default `contract-<name>` */
  user?: string;
  /** Database recording the results (a Database). */
  history?: Ref;
}

/** Fields of every workflow step. */
export interface StepSpecBase {
  name: string;
  /** Steps that must succeed first. */
  dependencies?: string[];
  retry?: StepRetry;
  /** e.g. "10m". */
  timeout?: string;
}

/** SQL run on the workflow's Cluster. */
export interface SqlStepSpec extends StepSpecBase {
  kind: "sql";
  sql: string | string[];
}

/** A program run on its own. */
export interface CommandStepSpec extends StepSpecBase {
  kind: "command";
  command: string[];
  image?: string;
  workingDir?: string;
  env?: Record<string, string>;
  /** Environment variable -> Secret. */
  secrets?: Record<string, Ref>;
}

/** A Contract's checks. */
export interface CheckStepSpec extends StepSpecBase {
  kind: "check";
  /** The Contract to run (a Contract). */
  contract: Ref;
}

/**
 * A workflow step: `kind` says which of the forms.
 * @discriminator kind
 */
export type StepSpec = SqlStepSpec | CommandStepSpec | CheckStepSpec;

/** A DAG of steps, scheduled or triggered. */
export interface WorkflowSpec extends CommonSpec {
  steps: StepSpec[];
  /** The Cluster SQL steps run on (a Cluster). */
  cluster?: Ref;
  /** Trino user of its SQL steps. @default `workflow-<name>` */
  user?: string;
  /** Cron expressions. */
  schedules?: string[];
  /** Time zone of the schedules. @default "UTC" */
  timezone?: string;
  concurrency?: ConcurrencyPolicy;
  parallelism?: number;
  timeout?: string;
  suspend?: boolean;
  /** Run after each successful run of these Workflows (Workflows). */
  after?: Ref[];
  /** Kubernetes targets: the Workspace it runs in (a Workspace). */
  workspace?: Ref;
  /** Local target: the Database recording runs (a Database). */
  runs?: Ref;
}

/** A semantic model over depot tables; its views live in a lakehouse Depot. */
export interface ModelSpec extends CommonSpec {
  /** The Cluster the views are created through (a Cluster). */
  cluster: Ref;
  /** The lakehouse Depot holding the views (a Depot). */
  depot: Ref;
  /** Schema of the views. @default the model's name with "-" as "_" */
  schema?: string;
  tables: Record<string, ModelTable>;
  joins?: ModelJoin[];
  /** Named metric queries, each a view. */
  metrics?: Record<string, MetricQuery>;
  /** Trino user owning the views. @default `model-<name>` */
  user?: string;
}

/** A Model's measures over HTTP. */
export interface ModelApiSpec extends CommonSpec {
  /** The Model it serves (a Model). */
  model: Ref;
  /**
   * Local target: port on 127.0.0.1. @default a free port, kept
   * @asType integer
   */
  port?: number;
}

/** A long-running program serving an API. */
export interface ServiceSpec extends CommonSpec {
  image?: string;
  port?: number;
  command?: string[];
  workingDir?: string;
  startTimeoutSeconds?: number;
  healthPath?: string;
  env?: Record<string, string>;
  /** Environment variable -> Secret. */
  secrets?: Record<string, Ref>;
  replicas?: { min: number; max: number };
  targetCpuPercent?: number;
  cpus?: number;
  memoryMb?: number;
  /** The Compute it runs on (a Compute). */
  compute?: Ref;
  /** The Workspace it runs in (a Workspace). */
  workspace?: Ref;
  ingress?: { host: string; tlsSecretName?: string };
  /** The Cluster it queries as its own service account, service-<name> (a Cluster). */
  cluster?: Ref;
}

/** The spec of each kind. */
export interface SpecByKind {
  Secret: SecretSpec;
  Compute: ComputeSpec;
  Database: DatabaseSpec;
  Depot: DepotSpec;
  LocalObjectStore: LocalObjectStoreSpec;
  Policy: PolicySpec;
  Cluster: ClusterSpec;
  Workspace: WorkspaceSpec;
  Contract: ContractSpec;
  Workflow: WorkflowSpec;
  Model: ModelSpec;
  ModelApi: ModelApiSpec;
  Service: ServiceSpec;
}

export type Kind = keyof SpecByKind;

/** One manifest: a primitive of kind `K`. */
export interface ManifestOf<K extends Kind> {
  /** @default "strata.dev/v1" */
  apiVersion?: "strata.dev/v1";
  kind: K;
  /**
   * The primitive's name (its Pulumi name).
   * @pattern ^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$
   */
  name: string;
  spec: SpecByKind[K];
}

/** Any manifest. */
export type Manifest = { [K in Kind]: ManifestOf<K> }[Kind];
