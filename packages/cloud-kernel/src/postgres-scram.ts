// SCRAM-SHA-256 verifiers (RFC 5802/7677) as PostgreSQL stores them, for
// setting a role's password without the plaintext ever reaching the server,
// its logs or its statistics. Pure.
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";

/** PostgreSQL's default `scram_iterations`. */
const ITERATIONS = 4096;

/**
 * The salt of a role's verifier: 16 bytes of HMAC-SHA256(password) keyed by
 * the role, so the same password and role always give the same verifier (a
 * verifier kept in Pulumi state must not change on every deployment), while
 * two roles with one password still get different salts.
 */
export function scramSalt(password: string, role: string): Buffer {
  return createHmac("sha256", `strata-scram-salt:${role}`).update(password, "utf8").digest().subarray(0, 16);
}

/**
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` for `password`,
 * as `ALTER ROLE ... PASSWORD '<verifier>'` accepts it (PostgreSQL recognizes
 * the form and stores it as is). Deterministic for a password and role.
 *
 * The local target's provider (local/postgres.ts) keeps a copy with a random
 * salt: dynamic providers are serialized into state and may only call
 * functions of their own file.
 */
export function scramVerifier(password: string, role: string): string {
  return scramVerifierWithSalt(password, scramSalt(password, role));
}

/** The verifier of `password` with a given salt (RFC 5802 section 3). */
export function scramVerifierWithSalt(password: string, salt: Buffer): string {
  // PostgreSQL applies SASLprep to the password; NFKC is its normalization step.
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, ITERATIONS, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
