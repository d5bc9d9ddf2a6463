import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type ValidationIssue } from "../base/index.js";
import type { PostgresServer, PostgresServerArgs } from "../capabilities.js";
import type { Platform } from "../platform.js";

export function validateExistingPostgresServerArgs(name: string, args: PostgresServerArgs, platform: Platform): ValidationIssue[] {
  const checks = new IssueCollector("ExistingPostgresServer", name);
  if (!platform.kubernetes?.postgres) {
    checks.add(
      "strata:postgresHost",
      undefined,
      "is not set: the kubernetes target creates databases on an existing server",
      "set strata:postgresHost (and strata:postgresAdminPassword as a secret)",
    );
  }
  for (const field of ["cpus", "memoryMb", "storageGb", "highAvailability", "version"] as const) {
    if (args[field] !== undefined)
      checks.add(
        field,
        args[field],
        "is the existing server's own",
        `leave ${field} out: the kubernetes target uses the server of strata:postgresHost as it is`,
      );
  }
  return checks.issues;
}

/**
 * The PostgresServer capability on the `kubernetes` target: the existing
 * server of the stack's config (`strata:postgresHost`, `strata:postgresPort`,
 * `strata:postgresAdminUser`, `strata:postgresAdminPassword`). Nothing is
 * created; Databases are created on it by their migrations Job.
 */
export class ExistingPostgresServer extends StrataComponent implements PostgresServer {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly adminUser: pulumi.Output<string>;

  constructor(name: string, args: PostgresServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "ExistingPostgresServer" }, name, args, opts, (platform) =>
      validateExistingPostgresServerArgs(name, args, platform),
    );
    const existing = this.platform.kubernetes!.postgres!;
    this.host = pulumi.output(existing.host);
    this.port = pulumi.output(existing.port);
    this.adminUser = pulumi.output(existing.adminUser);
    this.finish({ host: this.host, port: this.port, adminUser: this.adminUser });
  }
}
