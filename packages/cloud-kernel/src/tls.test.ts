import { X509Certificate, createPrivateKey } from "node:crypto";
import { describe, expect, test } from "vitest";
import { createCertificateAuthority, dueForRenewal, issueServerCertificate, passwordFileLine, passwordMatches } from "./tls.js";

describe("the stack's certificates, read back with Node's own X.509 reader", () => {
  const now = new Date("2026-12-01T00:00:00Z");
  const authority = createCertificateAuthority("Strata dev certificate authority", 3650, now);
  const server = issueServerCertificate(
    authority,
    { commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] },
    90,
    now,
  );
  const ca = new X509Certificate(authority.certificatePem);
  const cert = new X509Certificate(server.certificatePem);

  test("the authority is a CA that may sign server certificates only, for ten years", () => {
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe("CN=Strata dev certificate authority");
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(Date.parse(ca.validTo)).toBe(Date.parse("2036-11-28T00:00:00Z"));
    expect(ca.toLegacyObject().ext_key_usage).toBeUndefined();
  });

  test("the server certificate: signed by it, for localhost and 127.0.0.1 only, 90 days, not a CA", () => {
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkHost("example.com")).toBeUndefined();
    expect(server.notAfter).toBe("2027-03-01T00:00:00.000Z");
    expect(cert.checkPrivateKey(createPrivateKey(server.keyPem))).toBe(true);
    // Another authority's certificate does not verify it.
    expect(cert.verify(new X509Certificate(createCertificateAuthority("other", 1, now).certificatePem).publicKey)).toBe(false);
  });

  test("every issue is a new key and certificate", () => {
    const again = issueServerCertificate(
      authority,
      { commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] },
      90,
      now,
    );
    expect(again.fingerprint).not.toBe(server.fingerprint);
    expect(again.keyPem).not.toBe(server.keyPem);
  });

  test("due for renewal inside the window, and when the date cannot be read", () => {
    expect(dueForRenewal("2027-03-01T00:00:00.000Z", 30, new Date("2027-01-29T23:59:00Z"))).toBe(false);
    expect(dueForRenewal("2027-03-01T00:00:00.000Z", 30, new Date("2027-01-30T00:00:00Z"))).toBe(true);
    expect(dueForRenewal("not a date", 30, now)).toBe(true);
  });
});

describe("Trino password file lines", () => {
  test("bcrypt with Trino's $2y$ prefix and cost 10; salted, so two lines of one password differ", () => {
    const line = passwordFileLine("analyst", "a-long-password-123");
    expect(line).toMatch(/^analyst:\$2y\$10\$[./A-Za-z0-9]{53}$/);
    expect(passwordFileLine("analyst", "a-long-password-123")).not.toBe(line);
    const hash = line.slice("analyst:".length);
    expect(passwordMatches("a-long-password-123", hash)).toBe(true);
    expect(passwordMatches("a-long-password-124", hash)).toBe(false);
  });
});
