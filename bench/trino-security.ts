// The security files a local Cluster's Trino gets (certificate, password
// file, shared secret), made by hand with the same functions the plugin uses:
// for benchmarks that start Trino themselves, so they compare like with like.
import * as fs from "node:fs";
import * as path from "node:path";
import { createCertificateAuthority, issueServerCertificate, passwordFileLine } from "@strata/cloud-kernel";

export interface TrinoSecurity {
  keystoreFile: string;
  caFile: string;
  ca: string;
  passwordFile: string;
  /** User -> password. */
  passwords: Record<string, string>;
  sharedSecret: string;
}

/** Writes a certificate authority, a server certificate for 127.0.0.1 and a password file of `users` under `root`. */
export function writeTrinoSecurity(root: string, users: string[]): TrinoSecurity {
  const authority = createCertificateAuthority("Strata benchmark authority", 30);
  const certificate = issueServerCertificate(
    authority,
    { commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] },
    30,
  );
  const keystoreFile = path.join(root, "keystore.pem");
  const caFile = path.join(root, "ca.pem");
  const passwordFile = path.join(root, "password.db");
  fs.writeFileSync(keystoreFile, `${certificate.keyPem}${certificate.certificatePem}${authority.certificatePem}`, { mode: 0o600 });
  fs.writeFileSync(caFile, authority.certificatePem);
  const passwords = Object.fromEntries(users.map((u) => [u, `bench-${u}-password`]));
  fs.writeFileSync(passwordFile, `${users.map((u) => passwordFileLine(u, passwords[u]!)).join("\n")}\n`, { mode: 0o600 });
  return { keystoreFile, caFile, ca: authority.certificatePem, passwordFile, passwords, sharedSecret: "bench-shared-secret-of-the-nodes" };
}
