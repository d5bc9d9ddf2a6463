// The migrations Job of a Database on Kubernetes: a script run by the
// postgres client image, with the same rules as the local target (each
// migration once, in its own transaction, recorded with its checksum; a
// changed applied migration is refused). Pure: tested without Pulumi.
import { createHash } from "node:crypto";
import type { Migration } from "@strata/cloud-kernel";

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

/** Short hash naming the Job: a new set of migrations is a new Job (Jobs cannot be changed in place). */
export function migrationsHash(migrations: Migration[]): string {
  return createHash("sha256").update(MIGRATE_SCRIPT).update(JSON.stringify(migrations)).digest("hex").slice(0, 10);
}
