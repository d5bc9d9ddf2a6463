// A real OpenID Connect provider for identity tests: Keycloak (built by
// scripts/setup.sh --tests for its file database), started on 127.0.0.1 with
// a database of its own in a temporary folder, realms created through its
// admin REST API, tokens issued by its password grant.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadToolchain } from "@strata/cli";
import { freePort, stopGroup } from "./processes.js";

/** A realm with one confidential client whose access tokens carry its audience and the person's groups. */
export interface TestRealm {
  name: string;
  client: { id: string; secret: string };
  groups: string[];
  users: { name: string; password: string; groups: string[] }[];
}

export interface Keycloak {
  /** `http://127.0.0.1:<port>/realms/<realm>`: what tokens carry as `iss`. */
  issuer(realm: string): string;
  /** An access token of `user` from `realm`'s client (password grant). */
  token(realm: string, user: string): Promise<string>;
  stop(): Promise<void>;
}

async function form(url: string, fields: Record<string, string>, bearer?: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
    body: new URLSearchParams(fields),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Keycloak's representation of a test realm: the client's mappers put its id in `aud` and the groups in `groups`. */
function realmRepresentation(realm: TestRealm): Record<string, unknown> {
  return {
    realm: realm.name,
    enabled: true,
    groups: realm.groups.map((name) => ({ name })),
    clients: [
      {
        clientId: realm.client.id,
        enabled: true,
        publicClient: false,
        secret: realm.client.secret,
        directAccessGrantsEnabled: true,
        standardFlowEnabled: false,
        protocolMappers: [
          {
            name: "audience",
            protocol: "openid-connect",
            protocolMapper: "oidc-audience-mapper",
            config: { "included.client.audience": realm.client.id, "access.token.claim": "true" },
          },
          {
            name: "groups",
            protocol: "openid-connect",
            protocolMapper: "oidc-group-membership-mapper",
            config: { "claim.name": "groups", "full.path": "false", "access.token.claim": "true" },
          },
        ],
      },
    ],
    users: realm.users.map((u) => ({
      username: u.name,
      enabled: true,
      email: `${u.name}@example.test`,
      emailVerified: true,
      firstName: u.name,
      lastName: "Test",
      groups: u.groups,
      credentials: [{ type: "password", value: u.password, temporary: false }],
    })),
  };
}

/** Starts Keycloak and creates `realms`; resolves once they serve their discovery documents. */
export async function startKeycloak(realms: TestRealm[], timeoutSeconds = 180): Promise<Keycloak> {
  const home = loadToolchain().keycloakHome;
  if (!home) throw new Error("the toolchain has no Keycloak: run scripts/setup.sh --tests");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keycloak-"));
  const [port, management] = [await freePort(), await freePort()];
  const adminPassword = `admin-${Math.random().toString(36).slice(2)}`;
  const log = fs.openSync(path.join(dir, "keycloak.log"), "a");
  const child: ChildProcess = spawn(
    path.join(home, "bin", "kc.sh"),
    [
      "start",
      "--optimized",
      "--http-enabled=true",
      "--hostname-strict=false",
      "--http-host=127.0.0.1",
      `--http-port=${port}`,
      `--http-management-port=${management}`,
      `--db-url=jdbc:h2:file:${path.join(dir, "keycloakdb")};NON_KEYWORDS=VALUE`,
    ],
    {
      detached: true,
      stdio: ["ignore", log, log],
      env: {
        ...process.env,
        JAVA_HOME: loadToolchain().javaHome,
        KC_BOOTSTRAP_ADMIN_USERNAME: "admin",
        KC_BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
        JAVA_OPTS_KC_HEAP: "-Xms64m -Xmx512m -XX:MaxMetaspaceSize=256m",
      },
    },
  );
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopGroup(child);
    fs.closeSync(log);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`Keycloak exited ${child.exitCode}: ${fs.readFileSync(path.join(dir, "keycloak.log"), "utf8")}`);
      const ready = await fetch(`${base}/realms/master/.well-known/openid-configuration`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`Keycloak not ready after ${timeoutSeconds} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const admin = (await form(`${base}/realms/master/protocol/openid-connect/token`, {
      grant_type: "password",
      client_id: "admin-cli",
      username: "admin",
      password: adminPassword,
    })) as { access_token: string };
    for (const realm of realms) {
      const created = await fetch(`${base}/admin/realms`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${admin.access_token}` },
        body: JSON.stringify(realmRepresentation(realm)),
      });
      if (created.status !== 201) throw new Error(`creating realm ${realm.name}: ${created.status} ${await created.text()}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const byName = new Map(realms.map((r) => [r.name, r]));
  return {
    issuer: (realm) => `${base}/realms/${realm}`,
    async token(realmName, user) {
      const realm = byName.get(realmName)!;
      const found = realm.users.find((u) => u.name === user)!;
      const answer = (await form(`${base}/realms/${realmName}/protocol/openid-connect/token`, {
        grant_type: "password",
        client_id: realm.client.id,
        client_secret: realm.client.secret,
        username: user,
        password: found.password,
        scope: "openid",
      })) as { access_token: string };
      return answer.access_token;
    },
    stop,
  };
}
