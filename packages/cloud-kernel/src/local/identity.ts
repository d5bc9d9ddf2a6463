import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalResource } from "./resource.js";

/** Inputs of a {@link LocalCertificateAuthority}. */
export interface LocalCertificateAuthorityArgs {
  /** The authority's name in its certificate. */
  commonName: pulumi.Input<string>;
  /** Its private key's file (mode 0600). Changing it replaces the authority. */
  keyFile: pulumi.Input<string>;
  /** Its certificate's file (mode 0644), which clients trust. */
  certificateFile: pulumi.Input<string>;
  /** @default 3650 */
  validityDays?: number;
  /** @default 90 */
  renewBeforeDays?: number;
}

/**
 * A private certificate authority on this machine. Its key never leaves its
 * 0600 file (state holds the paths, the certificate and its expiry); the
 * first `up` inside the renewal window makes a new one, and the certificates
 * it signed are signed again in the same run.
 */
export class LocalCertificateAuthority extends LocalResource {
  declare readonly certificatePem: pulumi.Output<string>;
  declare readonly certificateFile: pulumi.Output<string>;
  declare readonly keyFile: pulumi.Output<string>;
  declare readonly notAfter: pulumi.Output<string>;

  constructor(name: string, args: LocalCertificateAuthorityArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "CertificateAuthority",
      name,
      {
        commonName: args.commonName,
        keyFile: args.keyFile,
        certificateFile: args.certificateFile,
        validityDays: args.validityDays ?? 3650,
        renewBeforeDays: args.renewBeforeDays ?? 90,
        certificatePem: undefined,
        notAfter: undefined,
      },
      opts,
    );
  }
}

/** Inputs of a {@link LocalServerCertificate}. */
export interface LocalServerCertificateArgs {
  authority: LocalCertificateAuthority;
  commonName: pulumi.Input<string>;
  dnsNames: pulumi.Input<string[]>;
  ipAddresses: pulumi.Input<string[]>;
  /** Where key, certificate and the authority's certificate are written together as PEM (mode 0600): Trino's keystore. */
  keystoreFile?: pulumi.Input<string>;
  /** Or the key alone (mode 0600) and the certificate with the authority's (0644): PostgreSQL's pair. */
  pair?: { keyFile: pulumi.Input<string>; certificateFile: pulumi.Input<string> };
  /** Or no file: key and chain as the secret output `keystorePem`, for a server on Kubernetes (put in a Kubernetes Secret). */
  inline?: boolean;
  /** System user the files belong to when deploying as root. @default the deploying user */
  owner?: string;
  /** @default 90 */
  validityDays?: number;
  /** @default 30 */
  renewBeforeDays?: number;
}

/** A server certificate signed by a {@link LocalCertificateAuthority}; renewed by the first `up` inside its renewal window. */
export class LocalServerCertificate extends LocalResource {
  declare readonly keystoreFile: pulumi.Output<string | undefined>;
  /** With `inline`: key, certificate and the authority's certificate as PEM (a Pulumi secret). */
  declare readonly keystorePem: pulumi.Output<string | undefined>;
  declare readonly certificatePem: pulumi.Output<string>;
  declare readonly notAfter: pulumi.Output<string>;
  /** SHA-256 of the certificate: a new one at every issue, so a server can be restarted on it. */
  declare readonly fingerprint: pulumi.Output<string>;

  constructor(name: string, args: LocalServerCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "ServerCertificate",
      name,
      {
        authorityKeyFile: args.authority.keyFile,
        authorityCertificatePem: args.authority.certificatePem,
        commonName: args.commonName,
        dnsNames: args.dnsNames,
        ipAddresses: args.ipAddresses,
        ...(args.keystoreFile === undefined ? {} : { keystoreFile: args.keystoreFile }),
        ...(args.pair === undefined ? {} : { keyFile: args.pair.keyFile, certificateFile: args.pair.certificateFile }),
        ...(args.inline ? { inline: true } : {}),
        ...(args.owner ? { owner: args.owner } : {}),
        validityDays: args.validityDays ?? 90,
        renewBeforeDays: args.renewBeforeDays ?? 30,
        certificatePem: undefined,
        keystorePem: undefined,
        notAfter: undefined,
        fingerprint: undefined,
      },
      { ...opts, additionalSecretOutputs: ["keystorePem"] },
    );
  }
}

/** A Trino password file (bcrypt, mode 0600) for these users; passwords stay encrypted in state. */
export class LocalPasswordFile extends LocalResource {
  declare readonly path: pulumi.Output<string>;
  /** The user names, sorted. */
  declare readonly users: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: {
      path: pulumi.Input<string>;
      users: pulumi.Input<Record<string, pulumi.Input<string>>>;
      /** Seconds to wait after a write, for a server that reloads the file on a timer. @default 0 */
      settleSeconds?: number;
    },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      "PasswordFile",
      name,
      { path: args.path, users: pulumi.secret(args.users), ...(args.settleSeconds ? { settleSeconds: args.settleSeconds } : {}) },
      opts,
    );
  }
}

/** A random value made once and kept (encrypted) in state: URL-safe base64 of `bytes` random bytes. */
export class LocalRandomValue extends LocalResource {
  declare readonly value: pulumi.Output<string>;

  constructor(name: string, args: { bytes?: number }, opts?: pulumi.CustomResourceOptions) {
    super("RandomValue", name, { bytes: args.bytes ?? 32, value: undefined }, { ...opts, additionalSecretOutputs: ["value"] });
  }
}

/**
 * A generated password kept in its own 0600 file, and encrypted in state:
 * what a {@link LocalRandomValue} and a Secret holding it would be, in one
 * resource. A file deleted by hand is written again, with the same value, by
 * the next `up`.
 */
export class LocalGeneratedSecret extends LocalResource {
  /** The value (a Pulumi secret). */
  declare readonly value: pulumi.Output<string>;
  /** The file holding it (mode 0600). */
  declare readonly file: pulumi.Output<string>;

  constructor(name: string, args: { file: pulumi.Input<string>; bytes?: number }, opts?: pulumi.CustomResourceOptions) {
    super(
      "GeneratedSecret",
      name,
      { file: args.file, bytes: args.bytes ?? 24, value: undefined },
      { ...opts, additionalSecretOutputs: ["value"] },
    );
  }

  /** Where the value is kept: the same as `file`, named as a Secret's is. */
  get reference(): pulumi.Output<string> {
    return this.file;
  }
}

const authorities = new WeakMap<object, LocalCertificateAuthority>();

/** Where the stack's authority keeps its certificate, which every client of the stack's engines trusts. */
export function stackAuthorityCertificateFile(dataDir: string): string {
  return path.join(dataDir, "tls", "ca.pem");
}

/**
 * The stack's certificate authority (one per run's platform, created at the
 * first call): `strata-ca`, a child of the stack itself so that no
 * primitive's rename replaces it. Key in `<dataDir>/secrets/strata-ca.key`,
 * certificate in `<dataDir>/tls/ca.pem` for clients to trust.
 */
export function stackAuthority(platform: { context: { dataDir: string; environment: string } }): LocalCertificateAuthority {
  let authority = authorities.get(platform);
  if (authority === undefined) {
    const { dataDir, environment } = platform.context;
    authority = new LocalCertificateAuthority("strata-ca", {
      commonName: `Strata ${environment} certificate authority`,
      keyFile: path.join(dataDir, "secrets", "strata-ca.key"),
      certificateFile: stackAuthorityCertificateFile(dataDir),
    });
    authorities.set(platform, authority);
  }
  return authority;
}

/** How the plugin logs in to a local Cluster (checks, views, contracts): files only, so state holds no password. */
export interface LocalTrinoLogin {
  port: pulumi.Input<number>;
  user: string;
  /** The user's password: a Secret's 0600 file. */
  passwordFile: pulumi.Input<string>;
  /** The stack authority's certificate, which the server's certificate is checked against. */
  caFile: pulumi.Input<string>;
}
