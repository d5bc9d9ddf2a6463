// Identity on this machine: a stack's certificate authority, the server
// certificates it signs, Trino password files and generated secrets. Keys and
// passwords live in 0600 files only; outputs hold paths, certificates and dates.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import * as fs from "node:fs/promises";
import { createCertificateAuthority, dueForRenewal, issueServerCertificate, passwordFileLine, randomSecret } from "../tls.js";
import { type Failure, type ResourceType, UNKNOWN } from "./framework.js";
import { exists, idsFor, sleep, writeFileAtomically } from "./os.js";

export interface CertificateAuthorityInputs {
  commonName: string;
  /** Where its private key is written (mode 0600). */
  keyFile: string;
  /** Where its certificate is written (mode 0644: clients read it to trust the stack's servers). */
  certificateFile: string;
  validityDays: number;
  /** Renewed by the first `up` this many days or fewer before it expires. */
  renewBeforeDays: number;
}

export interface CertificateAuthorityOutputs {
  keyFile: string;
  certificateFile: string;
  certificatePem: string;
  notAfter: string;
  renewBeforeDays: number;
}

async function writeAuthority(inputs: CertificateAuthorityInputs): Promise<CertificateAuthorityOutputs> {
  const ca = createCertificateAuthority(inputs.commonName, inputs.validityDays);
  await writeFileAtomically(inputs.keyFile, ca.keyPem, 0o600);
  await writeFileAtomically(inputs.certificateFile, ca.certificatePem, 0o644);
  return {
    keyFile: inputs.keyFile,
    certificateFile: inputs.certificateFile,
    certificatePem: ca.certificatePem,
    notAfter: ca.notAfter,
    renewBeforeDays: inputs.renewBeforeDays,
  };
}

/** The stack's private certificate authority. A new key and certificate at every renewal: what it signed is signed again. */
export const CertificateAuthority: ResourceType<CertificateAuthorityInputs, CertificateAuthorityOutputs> = {
  name: "CertificateAuthority",
  replaceOn: ["keyFile", "certificateFile"],
  due: (olds) => dueForRenewal(olds.notAfter, olds.renewBeforeDays),
  async create(inputs) {
    return { id: inputs.keyFile, outs: await writeAuthority(inputs) };
  },
  // A lost key or certificate: refresh drops the authority, and the next up makes a new one (and signs again).
  async read(id, outs) {
    return (await exists(outs.keyFile)) && (await exists(outs.certificateFile)) ? outs : undefined;
  },
  async update(_id, _olds, news) {
    return writeAuthority(news);
  },
  async delete(_id, outs) {
    await fs.rm(outs.keyFile, { force: true });
    await fs.rm(outs.certificateFile, { force: true });
  },
};

export interface ServerCertificateInputs {
  /** The authority's files (its certificate input changes at each renewal of the authority, which signs this again). */
  authorityKeyFile: string;
  authorityCertificatePem: string;
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  /** Key, certificate and authority certificate together, as PEM (mode 0600): Trino's keystore. */
  keystoreFile?: string;
  /** Or the key alone (mode 0600) ... */
  keyFile?: string;
  /** ... and the certificate with the authority's (mode 0644): PostgreSQL's pair. */
  certificateFile?: string;
  /** Or no file: key and chain as the secret output `keystorePem`, for a server elsewhere (a Kubernetes Secret). */
  inline?: boolean;
  /** System user the files belong to, when the plugin runs as root (PostgreSQL reads its key as `postgres`). @default the plugin's user */
  owner?: string;
  validityDays: number;
  renewBeforeDays: number;
}

export interface ServerCertificateOutputs {
  keystoreFile?: string;
  keyFile?: string;
  certificateFile?: string;
  /** With `inline`: key, certificate and authority certificate as PEM (a secret output). */
  keystorePem?: string;
  certificatePem: string;
  notAfter: string;
  fingerprint: string;
  renewBeforeDays: number;
}

/** The files a server certificate writes. */
const certificateFiles = (o: { keystoreFile?: string; keyFile?: string; certificateFile?: string }): string[] =>
  [o.keystoreFile, o.keyFile, o.certificateFile].filter((f): f is string => f !== undefined);

async function writeServerCertificate(inputs: ServerCertificateInputs): Promise<ServerCertificateOutputs> {
  const keyPem = await fs.readFile(inputs.authorityKeyFile, "utf8");
  const cert = issueServerCertificate(
    { certificatePem: inputs.authorityCertificatePem, keyPem },
    { commonName: inputs.commonName, dnsNames: inputs.dnsNames, ipAddresses: inputs.ipAddresses },
    inputs.validityDays,
  );
  const { uid, gid } = idsFor(inputs.owner ?? "");
  const write = async (file: string, content: string, mode: number) => {
    await writeFileAtomically(file, content, mode);
    if (uid !== undefined) await fs.chown(file, uid, gid ?? uid);
  };
  const chain = `${cert.certificatePem}${inputs.authorityCertificatePem}`;
  if (inputs.keystoreFile) await write(inputs.keystoreFile, `${cert.keyPem}${chain}`, 0o600);
  if (inputs.keyFile) await write(inputs.keyFile, cert.keyPem, 0o600);
  if (inputs.certificateFile) await write(inputs.certificateFile, chain, 0o644);
  return {
    ...(inputs.keystoreFile ? { keystoreFile: inputs.keystoreFile } : {}),
    ...(inputs.keyFile ? { keyFile: inputs.keyFile } : {}),
    ...(inputs.certificateFile ? { certificateFile: inputs.certificateFile } : {}),
    ...(inputs.inline ? { keystorePem: `${cert.keyPem}${chain}` } : {}),
    certificatePem: cert.certificatePem,
    notAfter: cert.notAfter,
    fingerprint: cert.fingerprint,
    renewBeforeDays: inputs.renewBeforeDays,
  };
}

/** A server certificate signed by the stack's authority, renewed by the first `up` inside its renewal window. */
export const ServerCertificate: ResourceType<ServerCertificateInputs, ServerCertificateOutputs> = {
  name: "ServerCertificate",
  replaceOn: ["keystoreFile", "keyFile", "certificateFile"],
  due: (olds) => dueForRenewal(olds.notAfter, olds.renewBeforeDays),
  async check(news) {
    const files = [news.keystoreFile, news.keyFile, news.certificateFile];
    if (files[0] === undefined && (files[1] === undefined || files[2] === undefined) && !news.inline)
      return [{ property: "keystoreFile", reason: "give keystoreFile, or keyFile and certificateFile, or inline" }];
    return [];
  },
  async create(inputs) {
    return { id: inputs.keystoreFile ?? inputs.keyFile ?? randomUUID(), outs: await writeServerCertificate(inputs) };
  },
  async read(id, outs) {
    for (const file of certificateFiles(outs)) if (!(await exists(file))) return undefined;
    return outs;
  },
  async update(_id, _olds, news) {
    return writeServerCertificate(news);
  },
  async delete(_id, outs) {
    for (const file of certificateFiles(outs)) await fs.rm(file, { force: true });
  },
};

export interface PasswordFileInputs {
  path: string;
  /** Seconds to wait after a write, for the server to reload it: the deployment ends with the new passwords in effect. @default 0 */
  settleSeconds?: number;
  /** User -> password (a secret input: state holds only its ciphertext). */
  users: Record<string, string>;
}

async function writePasswordFile(inputs: PasswordFileInputs, settle: boolean): Promise<{ path: string; users: string[] }> {
  const users = Object.keys(inputs.users).sort();
  const lines = users.map((user) => passwordFileLine(user, inputs.users[user]!));
  await writeFileAtomically(inputs.path, `${lines.join("\n")}\n`, 0o600);
  // Only a change waits for the server's reload: at creation no server reads it yet.
  if (settle) await sleep((inputs.settleSeconds ?? 0) * 1000);
  return { path: inputs.path, users };
}

/**
 * A Trino password file: one bcrypt hash per user, hashed again whenever a
 * password or the set of users changes (a rotated Secret reaches the server
 * at the next `up`, which the server reloads without a restart).
 */
export const PasswordFile: ResourceType<PasswordFileInputs, { path: string; users: string[] }> = {
  name: "PasswordFile",
  replaceOn: ["path"],
  async check(news) {
    const failures: Failure[] = [];
    // At preview the whole map may be unknown (the engine's marker string): nothing to check yet.
    if (typeof news.users !== "object" || news.users === null) return failures;
    for (const [user, password] of Object.entries(news.users)) {
      if (!/^[A-Za-z0-9_.@-]+$/.test(user))
        failures.push({ property: "users", reason: `user ${JSON.stringify(user)} is not a valid name` });
      if (typeof password === "string" && password.length < 12 && password !== UNKNOWN)
        failures.push({ property: "users", reason: `the password of ${user} is shorter than 12 characters` });
    }
    return failures;
  },
  async create(inputs) {
    return { id: inputs.path, outs: await writePasswordFile(inputs, false) };
  },
  async read(id, outs) {
    return (await exists(id)) ? outs : undefined;
  },
  async update(_id, _olds, news) {
    return writePasswordFile(news, true);
  },
  async delete(id) {
    await fs.rm(id, { force: true });
  },
};

/** A random value made once (the program marks it secret): a workload's password, a cluster's shared secret. */
export const RandomValue: ResourceType<{ bytes: number }, { value: string; bytes: number }> = {
  name: "RandomValue",
  async create(inputs) {
    const value = randomSecret(inputs.bytes);
    return { id: randomUUID(), outs: { value, bytes: inputs.bytes } };
  },
};

export interface GeneratedSecretInputs {
  bytes: number;
  /** Where the value is kept (mode 0600). */
  file: string;
}

export interface GeneratedSecretOutputs extends GeneratedSecretInputs {
  value: string;
}

/**
 * A random value made once and kept in its own 0600 file (and, encrypted, in
 * state): a generated password in one resource instead of a value, a Secret
 * and its file. A file gone from disk is written again with the same value by
 * the next `up`; a new `bytes` makes a new value.
 */
export const GeneratedSecret: ResourceType<GeneratedSecretInputs, GeneratedSecretOutputs> = {
  name: "GeneratedSecret",
  async check(news) {
    const failures: Failure[] = [];
    if (typeof news.file === "string" && news.file !== UNKNOWN && !news.file.startsWith("/"))
      failures.push({ property: "file", reason: `file must be an absolute path, got ${JSON.stringify(news.file)}` });
    if (!Number.isInteger(news.bytes) || news.bytes < 16)
      failures.push({ property: "bytes", reason: "bytes must be an integer of 16 or more" });
    return failures;
  },
  due: (olds) => !existsSync(olds.file),
  async create(inputs) {
    const value = randomSecret(inputs.bytes);
    await writeFileAtomically(inputs.file, value, 0o600);
    return { id: randomUUID(), outs: { ...inputs, value } };
  },
  async update(_id, olds, news) {
    const value = news.bytes === olds.bytes ? olds.value : randomSecret(news.bytes);
    await writeFileAtomically(news.file, value, 0o600);
    if (news.file !== olds.file) await fs.rm(olds.file, { force: true });
    return { ...news, value };
  },
  async delete(_id, outs) {
    await fs.rm(outs.file, { force: true });
  },
};
