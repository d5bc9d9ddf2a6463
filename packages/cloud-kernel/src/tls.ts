// Certificates and password hashes for the engines of a stack. No Pulumi and
// no files: the plugin's resources (provider/identity.ts) call these and
// write the results, and unit tests check them with Node's own X.509 reader.
//
// node-forge builds and signs the certificates (Node's crypto reads X.509 but
// cannot write it); keys come from Node's crypto, which is much faster at
// generating RSA keys than forge's JavaScript.
import { X509Certificate, createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import forge from "node-forge";

/** A key pair and its certificate, as PEM. */
export interface IssuedCertificate {
  /** PKCS#8 private key. */
  keyPem: string;
  certificatePem: string;
  /** ISO time after which the certificate is no longer valid. */
  notAfter: string;
  /** SHA-256 fingerprint of the certificate (hex): changes with every issue. */
  fingerprint: string;
}

/** What a server certificate names: the host names and IP addresses clients connect to. */
export interface CertificateSubject {
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
}

const DAY_MS = 86_400_000;

function rsaKeys(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}

function newCertificate(publicKeyPem: string, validityDays: number, now: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  // A positive 128-bit serial (the leading 01 keeps it positive in DER).
  cert.serialNumber = `01${randomBytes(15).toString("hex")}`;
  // Backdated a minute: a client whose clock is a little behind still accepts it.
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + validityDays * DAY_MS);
  return cert;
}

function issued(keyPem: string, cert: forge.pki.Certificate): IssuedCertificate {
  const certificatePem = forge.pki.certificateToPem(cert);
  return {
    keyPem,
    certificatePem,
    notAfter: cert.validity.notAfter.toISOString(),
    fingerprint: createHash("sha256").update(new X509Certificate(certificatePem).raw).digest("hex"),
  };
}

/** A self-signed certificate authority that may sign server certificates only (path length 0). */
export function createCertificateAuthority(commonName: string, validityDays: number, now = new Date()): IssuedCertificate {
  const keys = rsaKeys();
  const cert = newCertificate(keys.publicKey, validityDays, now);
  const name = [{ name: "commonName", value: commonName }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKey), forge.md.sha256.create());
  return issued(keys.privateKey, cert);
}

/** A server certificate for `subject`, signed by the authority (its certificate and key as PEM). */
export function issueServerCertificate(
  authority: { certificatePem: string; keyPem: string },
  subject: CertificateSubject,
  validityDays: number,
  now = new Date(),
): IssuedCertificate {
  const ca = forge.pki.certificateFromPem(authority.certificatePem);
  const keys = rsaKeys();
  const cert = newCertificate(keys.publicKey, validityDays, now);
  cert.setSubject([{ name: "commonName", value: subject.commonName }]);
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    // Client authentication too: Trino's nodes present the same certificate to each other.
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    {
      name: "subjectAltName",
      altNames: [...subject.dnsNames.map((value) => ({ type: 2, value })), ...subject.ipAddresses.map((ip) => ({ type: 7, ip }))],
    },
    { name: "authorityKeyIdentifier", keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(authority.keyPem), forge.md.sha256.create());
  return issued(keys.privateKey, cert);
}

/** True when a certificate valid until `notAfter` is due for renewal `renewBeforeDays` ahead of it. */
export function dueForRenewal(notAfter: string, renewBeforeDays: number, now = new Date()): boolean {
  const end = Date.parse(notAfter);
  return !Number.isFinite(end) || end - now.getTime() <= renewBeforeDays * DAY_MS;
}

/**
 * bcrypt cost of the password files: 2^10 rounds, about 0.1 s per hash. Trino
 * requires at least 8, and caches each successful login, so the cost is paid
 * once per user and password, not per query.
 */
export const BCRYPT_COST = 10;

/**
 * One line of a Trino password file: `user:$2y$...`. bcryptjs writes the `$2b$`
 * prefix; Trino accepts only `$2y$`, the same algorithm under PHP's name.
 */
export function passwordFileLine(user: string, password: string): string {
  const hash = bcrypt.hashSync(password, BCRYPT_COST).replace(/^\$2[ab]\$/, "$2y$");
  return `${user}:${hash}`;
}

/** Whether `password` matches a `$2y$` hash of a password file line. */
export function passwordMatches(password: string, hash: string): boolean {
  return bcrypt.compareSync(password, hash.replace(/^\$2y\$/, "$2b$"));
}

/** A random secret: `bytes` random bytes, URL-safe base64 (no characters that need quoting in a URL, file or header). */
export function randomSecret(bytes: number): string {
  return randomBytes(bytes).toString("base64url");
}
