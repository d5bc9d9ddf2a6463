// The `strata` resource provider plugin: every resource type of the local target.
import { type AnyResourceType, providerOf } from "./framework.js";
import { Directory, File, FileSet, Links } from "./files.js";
import { CertificateAuthority, GeneratedSecret, PasswordFile, RandomValue, ServerCertificate } from "./identity.js";
import { PolicyCheck } from "./policy-check.js";
import { QualityCheck } from "./quality-check.js";
import { TrinoViews } from "./trino-views.js";
import { PostgresDataDirectory, PostgresDatabase, PostgresDepotRole, PostgresMigrations } from "./postgres.js";
import { FreePort, Process } from "./process.js";
import { PROVIDER_VERSION } from "./version.js";

/** Every resource type the plugin serves. */
export const RESOURCE_TYPES: AnyResourceType[] = [
  CertificateAuthority,
  Directory,
  File,
  FileSet,
  FreePort,
  Links,
  PasswordFile,
  PolicyCheck,
  PostgresDataDirectory,
  PostgresDatabase,
  PostgresDepotRole,
  PostgresMigrations,
  Process,
  QualityCheck,
  RandomValue,
  GeneratedSecret,
  ServerCertificate,
  TrinoViews,
];

/** The provider object the plugin's main serves. */
export function strataProvider() {
  return providerOf(RESOURCE_TYPES, PROVIDER_VERSION);
}
