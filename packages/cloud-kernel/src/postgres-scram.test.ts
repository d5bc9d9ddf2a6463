import { createHash, createHmac } from "node:crypto";
import { describe, expect, test } from "vitest";
import { scramSalt, scramVerifier, scramVerifierWithSalt } from "./postgres-scram.js";

const VERIFIER = /^SCRAM-SHA-256\$4096:([A-Za-z0-9+/]{22}==)\$([A-Za-z0-9+/]{43}=):([A-Za-z0-9+/]{43}=)$/;

/** The parts of a verifier; fails the test if it is not one. */
function parts(verifier: string): { salt: Buffer; storedKey: Buffer; serverKey: Buffer } {
  const match = VERIFIER.exec(verifier);
  if (!match) throw new Error(`not a SCRAM-SHA-256 verifier: ${verifier}`);
  const [salt, storedKey, serverKey] = match.slice(1).map((b) => Buffer.from(b!, "base64"));
  return { salt: salt!, storedKey: storedKey!, serverKey: serverKey! };
}

describe("scramVerifier", () => {
  test("RFC 7677's exchange: a server holding the verifier accepts the client's proof and proves itself", () => {
    // The example of RFC 7677 section 3: user "user", password "pencil".
    const clientFirstBare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
    const serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const clientFinalWithoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    const proof = Buffer.from("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "base64");
    const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;

    const { storedKey, serverKey } = parts(scramVerifierWithSalt("pencil", Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64")));
    // What PostgreSQL does with the stored verifier: recover ClientKey from the proof and compare its hash.
    const clientSignature = createHmac("sha256", storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]!));
    expect(createHash("sha256").update(clientKey).digest()).toEqual(storedKey);
    expect(createHmac("sha256", serverKey).update(authMessage).digest("base64")).toBe("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  });

  test("is deterministic for a password and role, with a salt of 16 bytes derived from both", () => {
    const verifier = scramVerifier("s3cret-pw", "warehouse_owner");
    expect(scramVerifier("s3cret-pw", "warehouse_owner")).toBe(verifier);
    const expectedSalt = createHmac("sha256", "strata-scram-salt:warehouse_owner").update("s3cret-pw").digest().subarray(0, 16);
    expect(scramSalt("s3cret-pw", "warehouse_owner")).toEqual(expectedSalt);
    expect(parts(verifier).salt).toEqual(expectedSalt);
    expect(verifier).toBe(scramVerifierWithSalt("s3cret-pw", expectedSalt));
  });

  test("another role or another password gets another salt and other keys; the plaintext is nowhere in it", () => {
    const base = parts(scramVerifier("s3cret-pw", "warehouse_owner"));
    for (const [password, role] of [
      ["s3cret-pw", "ledger_owner"],
      ["s3cret-pw2", "warehouse_owner"],
    ] as const) {
      const other = parts(scramVerifier(password, role));
      expect(other.salt).not.toEqual(base.salt);
      expect(other.storedKey).not.toEqual(base.storedKey);
      expect(other.serverKey).not.toEqual(base.serverKey);
    }
    const verifier = scramVerifier("s3cret-pw", "warehouse_owner");
    expect(verifier).not.toContain("s3cret-pw");
    expect(verifier).not.toContain(Buffer.from("s3cret-pw").toString("base64").slice(0, 10));
  });
});
