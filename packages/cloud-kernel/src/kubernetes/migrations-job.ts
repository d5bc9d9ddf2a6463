// The migrations Job of a Database on Kubernetes: a script run by the
// postgres client image, with the same rules as the local target (each
// migration once, in its own transaction, recorded with its checksum; a
// changed applied migration is refused). The script and file names are pure
// (tested without Pulumi); `migrationsJob` creates the objects.
import { createHash } from "node:crypto";
import type { Job } from "@pulumi/kubernetes/batch/v1/index.js";
import type { ConfigMap, Secret as KubernetesSecret } from "@pulumi/kubernetes/core/v1/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { ChildFactory } from "../base/index.js";
import type { Migration } from "../provider/postgres.js";
import { type Placement, awaitAnnotations, restrictedContainerSecurity, strataLabels } from "./placement.js";
import { lazyPeer } from "../base/peer.js";

// Provider SDKs load at first use: a program on another target needs none installed (base/peer.ts).
const batchV1Sdk = lazyPeer<typeof import("@pulumi/kubernetes/batch/v1/index.js")>(
  "@pulumi/kubernetes",
  "@pulumi/kubernetes/batch/v1/index.js",
);
const coreV1Sdk = lazyPeer<typeof import("@pulumi/kubernetes/core/v1/index.js")>(
  "@pulumi/kubernetes",
  "@pulumi/kubernetes/core/v1/index.js",
);

/** The client image of the Job: the PostgreSQL major the platform runs. */
export const MIGRATIONS_IMAGE = "postgres:15-alpine";

/** ConfigMap keys: migrations keep their order through a numeric prefix. */
export function migrationFiles(migrations: Migration[]): Record<string, string> {
  return Object.fromEntries(migrations.map((m, i) => [`${String(i + 1).padStart(4, "0")}__${m.id}.sql`, m.sql]));
}

/**
 * The Job's script. Connection settings come from PG* variables, the
 * database, owner and the owner's password as a SCRAM-SHA-256 verifier
 * (`scramVerifier`) from DATABASE, OWNER, OWNER_PASSWORD_VERIFIER, and the
 * migrations from the `*.sql` files of MIGRATIONS_DIR (default /migrations,
 * where the Job mounts them). Every applied migration's checksum is checked
 * before any new one is applied.
 */
export const MIGRATE_SCRIPT = `#!/bin/sh
set -eu
dir="\${MIGRATIONS_DIR:-/migrations}"
# A plaintext password would reach the server's statement log: only a verifier is accepted.
case "$OWNER_PASSWORD_VERIFIER" in
  'SCRAM-SHA-256$'*) ;;
  *) echo "OWNER_PASSWORD_VERIFIER is not a SCRAM-SHA-256 verifier" >&2; exit 1 ;;
esac
# Role and database first, idempotently, as the administrator.
psql -X -v ON_ERROR_STOP=1 -d postgres -v owner="$OWNER" -v verifier="$OWNER_PASSWORD_VERIFIER" -v db="$DATABASE" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \\gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'owner', :'verifier') \\gexec
SELECT format('GRANT %I TO CURRENT_USER', :'owner') \\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \\gexec
SQL
psql -X -v ON_ERROR_STOP=1 -d "$DATABASE" -v owner="$OWNER" <<'SQL'
SET ROLE :"owner";
CREATE TABLE IF NOT EXISTS strata_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
SQL
recorded() {
  echo "SELECT checksum FROM strata_migrations WHERE id = :'id'" | psql -X -tA -v ON_ERROR_STOP=1 -d "$DATABASE" -v id="$1"
}
# First every applied migration must be unchanged: a new one never lands on top of a changed history.
for file in "$dir"/*.sql; do
  [ -e "$file" ] || continue
  id=$(basename "$file" .sql); id=\${id#*__}
  sum=$(sha256sum "$file" | cut -d' ' -f1)
  was=$(recorded "$id")
  if [ -n "$was" ] && [ "$was" != "$sum" ]; then
    echo "migration $id was changed after it was applied (recorded $was, now $sum): add a new migration instead" >&2
    exit 1
  fi
done
for file in "$dir"/*.sql; do
  [ -e "$file" ] || continue
  id=$(basename "$file" .sql); id=\${id#*__}
  sum=$(sha256sum "$file" | cut -d' ' -f1)
  was=$(recorded "$id")
  [ -z "$was" ] || continue
  echo "applying $id"
  { echo 'SET ROLE :"owner";'; cat "$file"; echo; echo "INSERT INTO strata_migrations (id, checksum) VALUES (:'id', :'sum');"; } |
    psql -X -1 -v ON_ERROR_STOP=1 -d "$DATABASE" -v owner="$OWNER" -v id="$id" -v sum="$sum"
done
`;

/**
 * Short hash naming the Job: new migrations, or a new owner password, make a
 * new Job (Jobs cannot be changed in place). The password enters only as a
 * hash of its verifier.
 */
export function migrationsHash(migrations: Migration[], ownerVerifier = ""): string {
  const verifier = createHash("sha256").update(ownerVerifier).digest("hex");
  return createHash("sha256")
    .update(MIGRATE_SCRIPT)
    .update(JSON.stringify(migrations))
    .update(ownerVerifier === "" ? "" : verifier)
    .digest("hex")
    .slice(0, 10);
}

/** What a Database's migrations Job needs. */
export interface MigrationsJobArgs {
  /** The Database's name: the objects are `<name>-postgres`, `<name>-migrations`, `<name>-migrate-<hash>`. */
  name: string;
  namespace: pulumi.Input<string>;
  server: { host: pulumi.Input<string>; port: pulumi.Input<number>; adminUser: pulumi.Input<string>; adminPassword: pulumi.Input<string> };
  database: string;
  owner: string;
  /** The owner's password as a SCRAM-SHA-256 verifier (secret): the Job never sees the plaintext. */
  ownerVerifier: pulumi.Output<string>;
  migrations: Migration[];
  placement: Placement;
}

/**
 * The Secret (administrator password, owner verifier), the ConfigMap (the
 * migrations and the script) and the Job that applies them, on the
 * platform's cluster, as children of the Database (roles `credentials`,
 * `migration-files`, `migrate`).
 */
export function migrationsJob(
  children: ChildFactory,
  args: MigrationsJobArgs,
): { credentials: KubernetesSecret; files: ConfigMap; job: Job } {
  const cluster = children.platform.kubernetes!;
  const k8s = (extra: pulumi.CustomResourceOptions = {}) => children.options({ provider: cluster.provider, ...extra });
  const labels = strataLabels("Database", args.name);
  const credentials = new coreV1Sdk.Secret(
    children.name("credentials"),
    {
      metadata: { name: `${args.name}-postgres`, namespace: args.namespace, labels },
      type: "Opaque",
      stringData: { PGPASSWORD: pulumi.secret(args.server.adminPassword), OWNER_PASSWORD_VERIFIER: args.ownerVerifier },
    },
    k8s(),
  );
  const files = new coreV1Sdk.ConfigMap(
    children.name("migration-files"),
    {
      metadata: { name: `${args.name}-migrations`, namespace: args.namespace, labels },
      data: { ...migrationFiles(args.migrations), "migrate.sh": MIGRATE_SCRIPT },
    },
    k8s(),
  );
  const secretKey = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: credentials.metadata.name, key } } });
  const job = new batchV1Sdk.Job(
    children.name("migrate"),
    {
      metadata: {
        name: pulumi.unsecret(args.ownerVerifier.apply((v) => `${args.name}-migrate-${migrationsHash(args.migrations, v)}`)),
        namespace: args.namespace,
        labels,
        annotations: awaitAnnotations(cluster.settings.awaitWorkloads),
      },
      spec: {
        backoffLimit: 2,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            nodeSelector: args.placement.nodeSelector,
            tolerations: args.placement.tolerations,
            // uid 70 is the postgres user of the alpine image.
            securityContext: { runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "migrate",
                image: MIGRATIONS_IMAGE,
                command: ["/bin/sh", "/migrations/migrate.sh"],
                env: [
                  { name: "PGHOST", value: args.server.host },
                  { name: "PGPORT", value: pulumi.output(args.server.port).apply(String) },
                  { name: "PGUSER", value: args.server.adminUser },
                  { name: "PGSSLMODE", value: "require" },
                  { name: "DATABASE", value: args.database },
                  { name: "OWNER", value: args.owner },
                  secretKey("PGPASSWORD"),
                  secretKey("OWNER_PASSWORD_VERIFIER"),
                ],
                securityContext: restrictedContainerSecurity(),
                volumeMounts: [{ name: "migrations", mountPath: "/migrations", readOnly: true }],
              },
            ],
            volumes: [{ name: "migrations", configMap: { name: files.metadata.name } }],
          },
        },
      },
    },
    // A Job cannot change in place: new migrations are a new Job, created before the old one goes.
    k8s({ dependsOn: [credentials, files] }),
  );
  return { credentials, files, job };
}
