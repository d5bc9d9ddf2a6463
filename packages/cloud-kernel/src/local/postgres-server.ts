import { createHash } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type ValidationIssue } from "../base/index.js";
import type { PostgresServer, PostgresServerArgs } from "../capabilities.js";
import { LocalFile } from "./file.js";
import { LocalServerCertificate, stackAuthority, stackAuthorityCertificateFile } from "./identity.js";
import { FreePort } from "./port.js";
import { type PostgresAdminAccess, PostgresDataDirectory } from "./postgres.js";
import { LocalProcess, supervisionFor } from "./process.js";

/** Arguments of a {@link LocalPostgresServer}: the capability's, and the local target's own. */
export interface LocalPostgresServerArgs extends Partial<PostgresServerArgs> {
  /**
   * TCP port on 127.0.0.1. Changing it restarts the server.
   * @default a free port picked at first deployment and kept
   */
  port?: number;
  /** Memory for shared buffers, in MiB. @default a quarter of `memoryMb`, else 128 */
  sharedBuffersMb?: number;
  /**
   * System user that runs the server when deploying as root (PostgreSQL
   * refuses to run as root). Ignored for other users, who run it themselves.
   * @default "postgres"
   */
  runAs?: string;
}

/** Longest Unix socket path Linux accepts, less the file name PostgreSQL adds (`/.s.PGSQL.65535`). */
const MAX_SOCKET_DIR = 107 - "/.s.PGSQL.65535".length;

/**
 * The server's socket folder: inside its own folder when the path is short
 * enough for a Unix socket, else a short private folder in the system's
 * temporary directory named after a hash of its own folder.
 */
export function socketDirectoryFor(root: string): string {
  const inside = path.join(root, "socket");
  if (inside.length <= MAX_SOCKET_DIR) return inside;
  return path.join(os.tmpdir(), `strata-pg-${createHash("sha256").update(root).digest("hex").slice(0, 16)}`);
}

export function validateLocalPostgresServerArgs(name: string, args: LocalPostgresServerArgs): ValidationIssue[] {
  const checks = new IssueCollector("LocalPostgresServer", name);
  if (args.port !== undefined && (!Number.isInteger(args.port) || args.port < 1024 || args.port > 65535)) {
    checks.add("port", args.port, "is not a usable port", "give an integer from 1024 to 65535, or leave it out to pick a free one");
  }
  if (args.sharedBuffersMb !== undefined && (!Number.isInteger(args.sharedBuffersMb) || args.sharedBuffersMb < 16)) {
    checks.add("sharedBuffersMb", args.sharedBuffersMb, "is below 16 MiB", "give at least 16");
  }
  if (args.memoryMb !== undefined && (!Number.isInteger(args.memoryMb) || args.memoryMb < 64))
    checks.add("memoryMb", args.memoryMb, "is below 64 MiB", "give at least 64");
  if (args.version !== undefined && args.version !== "15") {
    checks.add("version", args.version, "is not the PostgreSQL this machine runs (15)", 'leave version out, or give "15"');
  }
  if (args.highAvailability === true) {
    checks.add("highAvailability", true, "has no meaning on one machine", "leave highAvailability out on the local target");
  }
  return checks.issues;
}

/**
 * The PostgresServer capability on the local target: a PostgreSQL instance
 * of its own (initdb + postgres) in `<dataDir>/postgres/<name>`, listening
 * on 127.0.0.1 only, with peer authentication on its private socket for
 * administration (the administrator is the system user running it, so
 * `adminPassword` is not needed) and SCRAM passwords over TCP. Its data
 * directory is protected and retained outside dev stacks. `cpus` and
 * `storageGb` are the machine's own.
 */
export class LocalPostgresServer extends StrataComponent implements PostgresServer {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** The superuser: the system user running the server. */
  readonly adminUser: pulumi.Output<string>;
  /** How local providers administer it (psql over the socket as the superuser). */
  readonly adminAccess: pulumi.Output<PostgresAdminAccess>;
  readonly dataDirectory: PostgresDataDirectory;
  readonly process: LocalProcess;
  /** The certificate authority clients check the server's certificate against (TCP connections are TLS only). */
  readonly caFile: string;
  /** The server's certificate (key and chain in the server's folder), renewed by `up` before it expires. */
  readonly certificate: LocalServerCertificate;

  constructor(name: string, args: LocalPostgresServerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "LocalPostgresServer" }, name, args, opts, validateLocalPostgresServerArgs(name, args));
    const binDir = this.context.tools.postgresBin;
    const runAs = os.userInfo().uid === 0 ? (args.runAs ?? "postgres") : "";
    const root = path.join(this.context.dataDir, "postgres", name);
    this.port = args.port === undefined ? new FreePort(this.childName("port"), this.childOptions()).port : pulumi.output(args.port);
    this.dataDirectory = new PostgresDataDirectory(
      this.childName("data"),
      { directory: path.join(root, "data"), socketDirectory: socketDirectoryFor(root), binDir, runAs, traverseFrom: this.context.dataDir },
      this.statefulChildOptions(),
    );
    const sharedBuffers = `shared_buffers=${args.sharedBuffersMb ?? (args.memoryMb === undefined ? 128 : Math.floor(args.memoryMb / 4))}MB`;
    // TCP only over TLS with SCRAM: a certificate from the stack's authority, and a host-based
    // authentication file of our own (an adopted data directory keeps its own pg_hba.conf unused).
    this.caFile = stackAuthorityCertificateFile(this.context.dataDir);
    const keyFile = path.join(root, "server.key");
    const certificateFile = path.join(root, "server.crt");
    this.certificate = new LocalServerCertificate(
      this.childName("certificate"),
      {
        authority: stackAuthority(this.platform),
        commonName: "localhost",
        dnsNames: ["localhost"],
        ipAddresses: ["127.0.0.1"],
        pair: { keyFile, certificateFile },
        ...(runAs ? { owner: runAs } : {}),
      },
      this.childOptions({ dependsOn: [this.dataDirectory] }),
    );
    const hbaFile = path.join(root, "pg_hba.conf");
    const hba = new LocalFile(
      this.childName("hba"),
      {
        path: hbaFile,
        mode: 0o644,
        content: [
          "# Written by Strata. The server's own administrator over the socket; anyone else over TCP with TLS and SCRAM.",
          "local all all peer",
          "hostssl all all 127.0.0.1/32 scram-sha-256",
          "host all all all reject",
          "",
        ].join("\n"),
      },
      this.childOptions({ dependsOn: [this.dataDirectory] }),
    );
    this.process = new LocalProcess(
      this.childName("server"),
      {
        supervisor: supervisionFor(this.context),
        command: path.join(binDir, "postgres"),
        args: pulumi
          .all([this.dataDirectory.directory, this.dataDirectory.socketDirectory, this.port])
          .apply(([data, socket, port]) => [
            "-D",
            data,
            "-p",
            String(port),
            "-k",
            socket,
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            sharedBuffers,
            "-c",
            `hba_file=${hbaFile}`,
            "-c",
            "ssl=on",
            "-c",
            `ssl_cert_file=${certificateFile}`,
            "-c",
            `ssl_key_file=${keyFile}`,
            "-c",
            "ssl_min_protocol_version=TLSv1.2",
          ]),
        cwd: root,
        logFile: path.join(root, "server.log"),
        port: this.port,
        health: { kind: "tcp" },
        runAs,
        // A renewed certificate and a changed authentication file are read at start.
        restartTrigger: pulumi.interpolate`${this.certificate.fingerprint}`,
      },
      this.childOptions({ dependsOn: [this.dataDirectory, this.certificate, hba] }),
    );
    this.host = pulumi.output("127.0.0.1");
    this.adminUser = pulumi.output(runAs || os.userInfo().username);
    this.adminAccess = pulumi
      .all([this.dataDirectory.socketDirectory, this.process.port])
      .apply(([socketDirectory, port]) => ({ binDir, socketDirectory, port, runAs }));
    this.finish({ host: this.host, port: this.port, adminUser: this.adminUser });
  }
}
