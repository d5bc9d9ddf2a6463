import * as pulumi from "@pulumi/pulumi";
import type { DataDirectoryInputs, Migration, PostgresAdminAccess, PostgresGrant } from "../provider/postgres.js";
import { LocalResource } from "./resource.js";

export type { Migration, PostgresAdminAccess, PostgresGrant, TablePrivilege } from "../provider/postgres.js";

/** A PostgreSQL data directory made by initdb (peer auth on the socket, SCRAM over TCP). Holds data: protect it outside dev. */
export class PostgresDataDirectory extends LocalResource {
  declare readonly directory: pulumi.Output<string>;
  declare readonly socketDirectory: pulumi.Output<string>;

  constructor(
    name: string,
    args: { [K in keyof DataDirectoryInputs]: pulumi.Input<DataDirectoryInputs[K]> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("PostgresDataDirectory", name, args, opts);
  }
}

/**
 * A database and its owner role (LOGIN, password sent as a SCRAM verifier)
 * on a local PostgreSQL server. Refresh notices a database dropped by hand.
 */
export class PostgresDatabase extends LocalResource {
  declare readonly database: pulumi.Output<string>;
  declare readonly owner: pulumi.Output<string>;

  constructor(
    name: string,
    args: {
      access: pulumi.Input<PostgresAdminAccess>;
      database: pulumi.Input<string>;
      owner: pulumi.Input<string>;
      ownerPassword: pulumi.Input<string>;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      "PostgresDatabase",
      name,
      { access: args.access, database: args.database, owner: args.owner, ownerPassword: pulumi.secret(args.ownerPassword) },
      opts,
    );
  }
}

/**
 * Ordered SQL migrations, each applied once in its own transaction and
 * recorded in `public.strata_migrations` with its checksum. A failing
 * migration rolls back alone; an applied one that changed is refused.
 */
export class PostgresMigrations extends LocalResource {
  declare readonly applied: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: {
      access: pulumi.Input<PostgresAdminAccess>;
      database: pulumi.Input<string>;
      owner: pulumi.Input<string>;
      migrations: Migration[];
      label: string;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("PostgresMigrations", name, { ...args, applied: undefined }, opts);
  }
}

/**
 * A login role of a Cluster's own on a local database (SCRAM password),
 * given exactly `grants` there at every deployment and after every change of
 * the database's migrations. Deleting it hands its tables to the owner.
 */
export class PostgresDepotRole extends LocalResource {
  declare readonly role: pulumi.Output<string>;
  declare readonly grants: pulumi.Output<PostgresGrant[]>;

  constructor(
    name: string,
    args: {
      access: pulumi.Input<PostgresAdminAccess>;
      database: pulumi.Input<string>;
      owner: pulumi.Input<string>;
      role: pulumi.Input<string>;
      password: pulumi.Input<string>;
      grants: pulumi.Input<PostgresGrant[]>;
      migrations: pulumi.Input<string[]>;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("PostgresDepotRole", name, { ...args, password: pulumi.secret(args.password) }, opts);
  }
}
