import * as pulumi from "@pulumi/pulumi";
import {
  IssueCollector,
  StrataComponent,
  type PrimitiveArgs,
  type TargetName,
  type ValidationIssue,
  toIdentifier,
} from "@strata/cloud-kernel";
import type { ObjectStore, PostgresAdminAccess } from "@strata/cloud-kernel";
import type { Database } from "../database/index.js";
import type { Secret } from "../secret/index.js";
import { icebergCatalogTables } from "./lakehouse.js";

export { ICEBERG_CATALOG_MIGRATION } from "./lakehouse.js";

/** A PostgreSQL database reached over TCP with a user and a password from a Secret. */
export interface PostgresSource {
  kind: "postgresql";
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  database: pulumi.Input<string>;
  user: pulumi.Input<string>;
  /** The password, as a Secret: it reaches Trino only through an environment variable. */
  password: Secret;
  /**
   * Resolves once the database can be read as intended (e.g. its migrations
   * ran). Checks of policies against its tables wait for it; the Cluster
   * itself does not, since Trino connects only when queried.
   * @default ready at once
   */
  ready?: pulumi.Input<unknown>;
  /**
   * Connect over TLS only: `true` requires it (`sslmode=require`); a
   * certificate authority's file also checks the server's certificate and
   * name against it (`sslmode=verify-full`). Databases set it: the local
   * target's servers take TCP connections over TLS only, with the stack's
   * authority; Kubernetes targets' require TLS.
   * @default false
   */
  tls?: boolean | { caFile: string };
  /**
   * Local target: how a Cluster makes a PostgreSQL role of its own on this
   * database, granted only what its Policies allow there (a Database of the
   * stack sets it). Without it, Clusters read as `user`.
   */
  administration?: PostgresAdministration;
}

/** A local PostgreSQL database's superuser access, for the roles Clusters read it with. */
export interface PostgresAdministration {
  access: pulumi.Input<PostgresAdminAccess>;
  /** The database's owner: tables it makes reach a role through its default privileges. */
  owner: pulumi.Input<string>;
  /** The applied migrations: the roles' grants are given again when they change. */
  migrations: pulumi.Input<string[]>;
}

/** Trino's in-memory connector: tables live as long as the Cluster process. */
export interface MemorySource {
  kind: "memory";
}

/** Trino's TPC-H benchmark data, generated on the fly (schemas tiny, sf1, ...). */
export interface TpchSource {
  kind: "tpch";
}

/**
 * Apache Iceberg tables through Trino's Iceberg connector: table metadata in
 * an Iceberg JDBC catalog on a PostgreSQL Database of the stack, data files
 * on an ObjectStore (a local folder on the local target; S3, GCS or ADLS on
 * the clouds, reached with the workload's identity, never static keys).
 */
export interface LakehouseSource {
  kind: "lakehouse";
  /** The Database holding the Iceberg catalog's tables (created by Trino on first use). */
  metastore: Database;
  /** Where data files are written. Changing it leaves existing tables' files where they are. */
  storage: ObjectStore;
}

export type DepotSource = PostgresSource | MemorySource | TpchSource | LakehouseSource;

/** Arguments of a {@link Depot}. */
export interface DepotArgs extends PrimitiveArgs {
  /** The source system and how to reach it. Changing the kind changes the catalog's connector. */
  source: DepotSource;
  /**
   * Trino catalog name, and the first part of this depot's addresses
   * (`strata://<catalogName>/<schema>/<table>`). Changing it renames the catalog.
   * @default the name with "-" as "_"
   */
  catalogName?: string;
}

const KINDS = ["postgresql", "memory", "tpch", "lakehouse"];
const CATALOG = /^[a-z][a-z0-9_]{0,62}$/;
/** Catalog names Trino keeps for itself. */
const RESERVED = ["system", "information_schema"];

export function validateDepotArgs(name: string, args: DepotArgs): ValidationIssue[] {
  const checks = new IssueCollector("Depot", name);
  const catalog = args.catalogName ?? toIdentifier(name);
  if (!CATALOG.test(catalog)) {
    checks.add("catalogName", catalog, "is not a Trino catalog name", "use lower-case letters, digits and _, starting with a letter");
  } else if (RESERVED.includes(catalog)) {
    checks.add(args.catalogName === undefined ? "name" : "catalogName", catalog, "is reserved by Trino", "choose another name");
  }
  const kind = (args.source as { kind?: unknown } | undefined)?.kind;
  if (!KINDS.includes(kind as string)) {
    checks.add("source.kind", kind, "is not a supported source", `use one of ${KINDS.map((k) => `"${k}"`).join(", ")}`);
  }
  if (kind === "postgresql") {
    const source = args.source as PostgresSource;
    for (const field of ["host", "port", "database", "user", "password"] as const) {
      if (source[field] === undefined || source[field] === "") {
        checks.add(`source.${field}`, source[field], "is missing", `give the ${field} of the PostgreSQL database`);
      }
    }
  }
  if (kind === "lakehouse") {
    const source = args.source as LakehouseSource;
    const metastore = source.metastore as Partial<Database> | undefined;
    if (typeof metastore?.databaseName !== "string" || metastore.depot?.source.kind !== "postgresql")
      checks.add("source.metastore", typeof metastore, "is not a Database", "pass the Database that holds the Iceberg catalog");
    if (source.storage === undefined || !pulumi.Output.isInstance((source.storage as Partial<ObjectStore>).url))
      checks.add(
        "source.storage",
        typeof source.storage,
        "is not an ObjectStore",
        'pass an ObjectStore, e.g. new LocalObjectStore("lake-files")',
      );
  }
  return checks.issues;
}

/** The `kubernetes` target has no ObjectStore (nor workload identity) of its own: a lakehouse needs the local target or a cloud. */
function lakehouseTargetIssues(name: string, args: DepotArgs, target: TargetName): ValidationIssue[] {
  const checks = new IssueCollector("Depot", name);
  if (args.source?.kind === "lakehouse" && target === "kubernetes")
    checks.add(
      "source.kind",
      "lakehouse",
      "needs an ObjectStore and workload identity, which the kubernetes target does not offer",
      "deploy the lakehouse on the local target or on aws, gcp or azure",
    );
  return checks.issues;
}

/** The JDBC URL of a PostgreSQL database (the postgresql connector's and the Iceberg JDBC catalog's). */
function jdbcUrl(source: { host?: string; port?: number; database?: string; tls?: boolean | { caFile: string } }): string {
  const tls =
    typeof source.tls === "object" ? `?sslmode=verify-full&sslrootcert=${source.tls.caFile}` : source.tls ? "?sslmode=require" : "";
  return `jdbc:postgresql://${source.host}:${source.port}/${source.database}${tls}`;
}

/** The Cluster's environment for a catalog whose PostgreSQL password is a Secret (kept secret). */
function passwordEnvironment(catalog: string, password: Secret): pulumi.Output<Record<string, string>> {
  return pulumi.secret(password.value.apply((value) => ({ [passwordVariable(catalog)]: value })));
}

/** Environment variable a catalog's password is read from: `STRATA_DEPOT_<CATALOG>_PASSWORD`. */
export function passwordVariable(catalog: string): string {
  return `STRATA_DEPOT_${catalog.toUpperCase()}_PASSWORD`;
}

/** The Trino plugin folders a source kind needs (the PostgreSQL connector maps PostGIS types, hence geospatial). */
export const PLUGINS_OF: Record<DepotSource["kind"], string[]> = {
  postgresql: ["geospatial", "postgresql"],
  memory: ["memory"],
  tpch: ["tpch"],
  lakehouse: ["iceberg"],
};

/**
 * Trino file-system properties for a warehouse URL. Cloud stores use the
 * workload's identity (the SDKs' default credential chains): no key is ever
 * written. Pure.
 */
export function fileSystemProperties(url: string, region?: string): { warehouse: string; properties: Record<string, string> } {
  const scheme = /^([a-z0-9]+):\/\//.exec(url)?.[1];
  switch (scheme) {
    case "file":
      // Trino's local file system serves one root folder as local:///.
      return { warehouse: "local:///", properties: { "fs.native-local.enabled": "true", "local.location": url.slice("file://".length) } };
    case "s3":
      return {
        warehouse: `${url.replace(/\/$/, "")}/`,
        properties: { "fs.native-s3.enabled": "true", ...(region === undefined ? {} : { "s3.region": region }) },
      };
    case "gs":
      return { warehouse: `${url.replace(/\/$/, "")}/`, properties: { "fs.native-gcs.enabled": "true" } };
    case "abfs":
    case "abfss":
      return { warehouse: `${url.replace(/\/$/, "")}/`, properties: { "fs.native-azure.enabled": "true", "azure.auth-type": "DEFAULT" } };
    default:
      throw new Error(`object store URL ${url} has no file system Trino supports`);
  }
}

/**
 * A catalog's properties. Credentials are `${ENV:...}` references, never values.
 * Pure; keys in a stable order.
 */
export function compileCatalogProperties(
  catalog: string,
  source: {
    kind: string;
    host?: string;
    port?: number;
    database?: string;
    user?: string;
    tls?: boolean | { caFile: string };
    warehouseUrl?: string;
    warehouseRegion?: string;
  },
): Record<string, string> {
  switch (source.kind) {
    case "postgresql":
      return {
        "connector.name": "postgresql",
        "connection-url": jdbcUrl(source),
        "connection-user": source.user ?? "",
        "connection-password": `\${ENV:${passwordVariable(catalog)}}`,
      };
    case "lakehouse": {
      const files = fileSystemProperties(source.warehouseUrl ?? "", source.warehouseRegion);
      return {
        "connector.name": "iceberg",
        "iceberg.catalog.type": "jdbc",
        "iceberg.jdbc-catalog.driver-class": "org.postgresql.Driver",
        "iceberg.jdbc-catalog.connection-url": jdbcUrl(source),
        "iceberg.jdbc-catalog.connection-user": source.user ?? "",
        "iceberg.jdbc-catalog.connection-password": `\${ENV:${passwordVariable(catalog)}}`,
        "iceberg.jdbc-catalog.catalog-name": catalog,
        "iceberg.jdbc-catalog.default-warehouse-dir": files.warehouse,
        ...files.properties,
      };
    }
    case "memory":
      return { "connector.name": "memory" };
    case "tpch":
      return { "connector.name": "tpch" };
    default:
      throw new Error(`unknown source kind ${source.kind}`);
  }
}

/** Renders properties as a Java properties file, keys in the given order. */
export function renderProperties(properties: Record<string, string>): string {
  return Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n")
    .concat("\n");
}

/**
 * A uniform way to a source system: a Trino catalog on every Cluster that
 * mounts it, addressed `strata://<catalogName>/<schema>/<table>`.
 * Credentials come from Secrets and reach Trino only as environment
 * variables referenced by `${ENV:...}`.
 *
 * @example
 * const tpch = new Depot("tpch", { source: { kind: "tpch" } });
 * new Cluster("analytics", { depots: [tpch] });
 */
export class Depot extends StrataComponent {
  /** Trino catalog name. */
  readonly catalogName: string;
  /** `strata://<catalogName>`; datasets are `strata://<catalogName>/<schema>/<table>`. */
  readonly address: string;
  /** Trino plugins the catalog needs. */
  readonly plugins: string[];
  /** Contents of `<catalogName>.properties`: no credential values. */
  readonly catalogProperties: pulumi.Output<string>;
  /** Environment the Cluster process needs for this catalog (secret). */
  readonly environment: pulumi.Output<Record<string, string>>;
  /** The source, as given. */
  readonly source: DepotSource;
  /** Lakehouse: what creates the Iceberg catalog's tables in its metastore Database. */
  readonly catalogTables?: pulumi.CustomResource;

  constructor(name: string, args: DepotArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Depot" }, name, args, opts, (platform) => [
      ...validateDepotArgs(name, args),
      ...lakehouseTargetIssues(name, args, platform.context.target),
    ]);
    this.catalogName = args.catalogName ?? toIdentifier(name);
    this.address = `strata://${this.catalogName}`;
    this.plugins = PLUGINS_OF[args.source.kind];
    this.source = args.source;
    const source = args.source;
    if (source.kind === "postgresql") {
      this.catalogProperties = pulumi
        .all([source.host, source.port, source.database, source.user])
        .apply(([host, port, database, user]) =>
          renderProperties(
            compileCatalogProperties(this.catalogName, { kind: "postgresql", host, port, database, user, tls: source.tls ?? false }),
          ),
        );
      this.environment = passwordEnvironment(this.catalogName, source.password);
    } else if (source.kind === "lakehouse") {
      const metastore = source.metastore.depot.source as PostgresSource;
      // The catalog's tables exist before any Cluster reads the catalog: its properties wait for them.
      const tables = icebergCatalogTables(this.childFactory(), name, source.metastore);
      this.catalogTables = tables.resource;
      this.catalogProperties = pulumi
        .all([metastore.host, metastore.port, metastore.database, metastore.user, source.storage.url, source.storage.region, tables.ready])
        .apply(([host, port, database, user, warehouseUrl, warehouseRegion]) =>
          renderProperties(
            compileCatalogProperties(this.catalogName, {
              kind: "lakehouse",
              host,
              port,
              database,
              user,
              tls: metastore.tls ?? false,
              warehouseUrl,
              ...(warehouseRegion === undefined ? {} : { warehouseRegion }),
            }),
          ),
        );
      this.environment = passwordEnvironment(this.catalogName, metastore.password);
    } else {
      this.catalogProperties = pulumi.output(renderProperties(compileCatalogProperties(this.catalogName, source)));
      this.environment = pulumi.output<Record<string, string>>({});
    }
    this.finish({ catalogName: this.catalogName, address: this.address }, { address: this.address });
  }
}
