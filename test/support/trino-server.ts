// A Trino server a test starts itself: the local target's own server files
// (compileTrinoServerFiles) with the authentication replaced by the given
// properties, HTTPS with a certificate of a throw-away authority, and, like
// the chart's coordinator, a plain HTTP port too. For checking, on a real
// server, the properties Strata generates for other targets.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { loadToolchain } from "@strata/cli";
import { freePort, stopGroup } from "./processes.js";
import { createCertificateAuthority, issueServerCertificate } from "@strata/cloud-kernel";
import { SHARED_SECRET_ENV, compileTrinoServerFiles, renderProperties } from "@strata/user-kernel";

export interface TestTrino {
  /** `https://127.0.0.1:<port>`. */
  endpoint: string;
  /** `http://127.0.0.1:<port>`: the plain port the chart keeps. */
  plainEndpoint: string;
  /** The authority of the server's certificate (PEM). */
  ca: string;
  stop(): Promise<void>;
}

/** Parses a properties file's text (`key=value` lines). */
export function parseProperties(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split("\n")
      .filter((line) => line.includes("=") && !line.startsWith("#"))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

/** Starts Trino with `authentication` (coordinator properties), the access rules `rules` and a tpch catalog; resolves when it serves. */
export async function startTestTrino(options: {
  authentication: Record<string, string>;
  rules: string;
  environment?: Record<string, string>;
  timeoutSeconds?: number;
}): Promise<TestTrino> {
  const toolchain = loadToolchain();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "test-trino-"));
  const etc = path.join(root, "etc");
  const plugins = path.join(root, "plugin");
  fs.mkdirSync(path.join(etc, "catalog"), { recursive: true });
  fs.mkdirSync(plugins);
  for (const plugin of ["tpch"]) fs.symlinkSync(path.join(toolchain.trinoHome!, "plugin", plugin), path.join(plugins, plugin));
  const authority = createCertificateAuthority("Test authority", 2);
  const certificate = issueServerCertificate(
    authority,
    { commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] },
    2,
  );
  const keystoreFile = path.join(root, "keystore.pem");
  const caFile = path.join(root, "ca.pem");
  fs.writeFileSync(keystoreFile, `${certificate.keyPem}${certificate.certificatePem}${authority.certificatePem}`, { mode: 0o600 });
  fs.writeFileSync(caFile, authority.certificatePem);
  const [port, plainPort] = [await freePort(), await freePort()];
  const files = compileTrinoServerFiles({
    nodeId: "test",
    port,
    heapMb: 1024,
    cpus: 2,
    dataDir: path.join(root, "data"),
    pluginDir: plugins,
    rulesFile: path.join(etc, "rules.json"),
    keystoreFile,
    caFile,
    passwordFile: path.join(etc, "password.db"),
  });
  // The local target's server, with the given authentication instead of its password file.
  const config = parseProperties(files["config.properties"]!);
  delete config["http-server.authentication.type"];
  delete files["password-authenticator.properties"];
  Object.assign(config, { "http-server.http.enabled": "true", "http-server.http.port": String(plainPort) }, options.authentication);
  files["config.properties"] = renderProperties(config);
  files["catalog/tpch.properties"] = renderProperties({ "connector.name": "tpch" });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(etc, name), content);
  fs.writeFileSync(path.join(etc, "rules.json"), options.rules);
  const log = fs.openSync(path.join(root, "server.log"), "a");
  const child: ChildProcess = spawn(
    path.join(toolchain.trinoHome!, "bin", "launcher"),
    ["run", `--etc-dir=${etc}`, `--data-dir=${path.join(root, "data")}`],
    {
      detached: true,
      stdio: ["ignore", log, log],
      env: {
        ...process.env,
        JAVA_HOME: toolchain.javaHome,
        PATH: `${toolchain.javaHome}/bin:${process.env.PATH}`,
        [SHARED_SECRET_ENV]: "test-shared-secret-of-the-nodes-0123456789",
        ...options.environment,
      },
    },
  );
  const stop = async () => {
    await stopGroup(child);
    fs.closeSync(log);
    fs.rmSync(root, { recursive: true, force: true });
  };
  const endpoint = `https://127.0.0.1:${port}`;
  const info = () =>
    new Promise<boolean>((resolve) => {
      https
        .get(`${endpoint}/v1/info`, { ca: authority.certificatePem }, (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk.toString()));
          response.on("end", () => resolve(/"starting":false/.test(text)));
        })
        .on("error", () => resolve(false));
    });
  const deadline = Date.now() + (options.timeoutSeconds ?? 180) * 1000;
  while (!(await info())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const text = fs.readFileSync(path.join(root, "server.log"), "utf8");
      await stop();
      throw new Error(`Trino did not start:\n${text.split("\n").slice(-60).join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { endpoint, plainEndpoint: `http://127.0.0.1:${plainPort}`, ca: authority.certificatePem, stop };
}

/** The outcome of one statement: the HTTP status of the first request, and the final state, error and rows. */
export interface StatementOutcome {
  status: number;
  state?: string;
  error?: string;
  rows?: unknown[][];
}

/** Runs `sql` through Trino's REST API with the given headers (a bearer token, a user), following `nextUri` to the end. */
export async function statement(
  endpoint: string,
  options: { ca: string; headers: Record<string, string>; sql: string },
): Promise<StatementOutcome> {
  const request = (method: string, url: string, body?: string) =>
    new Promise<{ status: number; json?: Record<string, unknown> }>((resolve, reject) => {
      const secure = url.startsWith("https:");
      const send = secure ? https.request : http.request;
      const req = send(url, { method, headers: options.headers, ...(secure ? { ca: options.ca } : {}) }, (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => (text += chunk.toString()));
        response.on("end", () => {
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, ...(json ? { json } : {}) });
        });
      });
      req.on("error", reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  const once = async (): Promise<StatementOutcome> => {
    const first = await request("POST", `${endpoint}/v1/statement`, options.sql);
    if (first.status !== 200) return { status: first.status };
    const rows: unknown[][] = [];
    let page = first.json!;
    for (;;) {
      if (Array.isArray(page.data)) rows.push(...(page.data as unknown[][]));
      const error = page.error as { message?: string; errorName?: string } | undefined;
      if (error) return { status: first.status, state: "FAILED", error: `${error.errorName}: ${error.message}` };
      if (typeof page.nextUri !== "string") return { status: first.status, state: (page.stats as { state: string }).state, rows };
      await new Promise((resolve) => setTimeout(resolve, 50));
      page = (await request("GET", page.nextUri)).json!;
    }
  };
  // A server that has just said it started still has no node to run on for a few seconds: asked again, for up to 30 s.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const outcome = await once();
    if (!outcome.error?.startsWith("NO_NODES_AVAILABLE") || Date.now() > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
