import { describe, expect, test } from "vitest";
import {
  compileKubernetesAuthentication,
  compileTrinoHelmValues,
  compileCatalogProperties,
  compileTrinoServerFiles,
  parseExactJson,
  passwordVariable,
  renderGroups,
  renderKubernetesAuthentication,
  renderProperties,
  serviceAccountUserPattern,
  trinoAotCacheFile,
  validateDepotArgs,
} from "@strata/core-kernel";

describe("catalog properties", () => {
  test("postgresql: JDBC URL, user, and the password only as an ${ENV:...} reference", () => {
    const props = compileCatalogProperties("warehouse", {
      kind: "postgresql",
      host: "127.0.0.1",
      port: 5433,
      database: "wh",
      user: "wh_owner",
    });
    expect(renderProperties(props)).toBe(
      "connector.name=postgresql\n" +
        "connection-url=jdbc:postgresql://127.0.0.1:5433/wh\n" +
        "connection-user=wh_owner\n" +
        "connection-password=${ENV:STRATA_DEPOT_WAREHOUSE_PASSWORD}\n",
    );
    expect(passwordVariable("sales_eu")).toBe("STRATA_DEPOT_SALES_EU_PASSWORD");
  });

  test.each(["memory", "tpch"])("%s needs only its connector", (kind) => {
    expect(compileCatalogProperties(kind, { kind })).toEqual({ "connector.name": kind });
  });
});

describe("validateDepotArgs", () => {
  test.each([
    ["system", {}, 'name="system"', "is reserved by Trino"],
    ["ok", { catalogName: "information_schema" }, 'catalogName="information_schema"', "is reserved by Trino"],
    ["ok", { catalogName: "Sales" }, 'catalogName="Sales"', "is not a Trino catalog name"],
    ["ok", { source: { kind: "oracle" } }, 'source.kind="oracle"', "is not a supported source"],
    [
      "ok",
      { source: { kind: "postgresql", host: "h", port: 5432, database: "d", user: "", password: {} } },
      'source.user=""',
      "is missing",
    ],
  ])("%s %j", (name, extra, shown, problem) => {
    const issues = validateDepotArgs(name, { source: { kind: "tpch" }, ...(extra as object) } as never);
    expect(issues).toHaveLength(1);
    expect(`${issues[0]!.field}=${JSON.stringify(issues[0]!.value)}`).toBe(shown);
    expect(issues[0]!.problem).toBe(problem);
  });
});

describe("Trino server files", () => {
  const spec = {
    nodeId: "analytics",
    port: 18080,
    heapMb: 1638,
    cpus: 3,
    dataDir: "/d/data",
    pluginDir: "/d/plugin",
    rulesFile: "/d/etc/rules.json",
    groupsFile: "/d/etc/groups.txt",
    keystoreFile: "/d/secrets/keystore.pem",
    caFile: "/d/tls/ca.pem",
    passwordFile: "/d/etc/password.db",
  };
  const files = compileTrinoServerFiles(spec);

  test("loopback only, heap and query memory from the Compute, concurrency a power of two", () => {
    expect(files["node.properties"]).toBe(
      "node.environment=strata\nnode.id=analytics\nnode.data-dir=/d/data\nnode.internal-address=127.0.0.1\nnode.bind-ip=127.0.0.1\n",
    );
    expect(files["config.properties"]).toContain(
      "plugin.dir=/d/plugin\nquery.max-memory=819MB\nquery.max-memory-per-node=819MB\ntask.concurrency=2\n",
    );
    expect(files["jvm.config"]).toContain("-Xmx1638m\n");
    expect(files["jvm.config"]).not.toContain("AOTCache");
  });

  test("the JDK's ahead-of-time cache, when setup built one for this Trino and JDK", () => {
    expect(trinoAotCacheFile("/opt/trino", "25.0.3")).toBe("/opt/trino/aot/jdk-25.0.3.aot");
    const withCache = compileTrinoServerFiles({ ...spec, aotCache: "/opt/trino/aot/jdk-25.0.3.aot" });
    expect(withCache["jvm.config"]!.split("\n")).toContain("-XX:AOTCache=/opt/trino/aot/jdk-25.0.3.aot");
  });

  test("HTTPS only, password logins, and a shared secret between nodes read from the environment", () => {
    expect(files["config.properties"]).toContain(
      "http-server.http.enabled=false\nhttp-server.https.enabled=true\nhttp-server.https.port=18080\n" +
        "http-server.https.keystore.path=/d/secrets/keystore.pem\nhttp-server.authentication.type=PASSWORD\n" +
        "internal-communication.shared-secret=${ENV:STRATA_TRINO_SHARED_SECRET}\ninternal-communication.https.required=true\n" +
        "internal-communication.https.truststore.path=/d/tls/ca.pem\ndiscovery.uri=https://127.0.0.1:18080\n",
    );
    expect(files["password-authenticator.properties"]).toBe(
      "password-authenticator.name=file\nfile.password-file=/d/etc/password.db\nfile.refresh-period=2s\n",
    );
    expect(Object.values(files).join("\n")).not.toMatch(/http-server\.http\.port|allow-insecure/);
  });

  test("access rules and groups are reloaded every 2 s", () => {
    expect(files["access-control.properties"]).toBe(
      "access-control.name=file\nsecurity.config-file=/d/etc/rules.json\nsecurity.refresh-period=2s\n",
    );
    expect(files["group-provider.properties"]).toBe(
      "group-provider.name=file\nfile.group-file=/d/etc/groups.txt\nfile.refresh-period=2s\n",
    );
  });

  test("no group file, no group provider", () => {
    const plain = compileTrinoServerFiles({
      nodeId: "a",
      port: 1,
      heapMb: 1024,
      cpus: 1,
      dataDir: "/",
      pluginDir: "/",
      rulesFile: "/r",
      keystoreFile: "/k",
      caFile: "/c",
      passwordFile: "/p",
    });
    expect(Object.keys(plain).sort()).toEqual([
      "access-control.properties",
      "config.properties",
      "jvm.config",
      "log.properties",
      "node.properties",
      "password-authenticator.properties",
    ]);
  });

  test("groups file: sorted groups, sorted unique members", () => {
    expect(renderGroups({ b: ["y", "x", "x"], a: ["z"] })).toBe("a:z\nb:x,y\n");
  });
});

describe("parseExactJson", () => {
  test("keeps integers beyond 2^53 exact and leaves the rest alone", () => {
    expect(parseExactJson('{"data":[[9007199254740993, 12, 1.5, "9007199254740993", -9223372036854775808]]}')).toEqual({
      data: [[9007199254740993n, 12, 1.5, "9007199254740993", -9223372036854775808n]],
    });
  });
});

describe("Trino chart values", () => {
  // The chart's own default values (trino chart 1.40.0, values.yaml), as documented there.
  const CHART_DEFAULTS = {
    catalogs: {
      tpch: "connector.name=tpch\ntpch.splits-per-node=4\n",
      tpcds: "connector.name=tpcds\ntpcds.splits-per-node=4\n",
    },
  };
  /** Helm's merge of user values into a chart's defaults: maps merge key by key, and a null deletes the key. */
  function helmMerge(defaults: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...defaults };
    for (const [key, value] of Object.entries(values)) {
      if (value === null) delete merged[key];
      else if (typeof value === "object" && !Array.isArray(value) && typeof defaults[key] === "object" && defaults[key] !== null) {
        merged[key] = helmMerge(defaults[key] as Record<string, unknown>, value as Record<string, unknown>);
      } else merged[key] = value;
    }
    return merged;
  }
  const values = (catalogs: Record<string, string>) =>
    compileTrinoHelmValues({
      catalogs,
      credentialsSecret: "c",
      rulesConfigMap: "r",
      cpus: 2,
      podMemoryMb: 4096,
      heapMb: 3276,
      workers: { min: 1, max: 1 },
      placement: { nodeSelector: {}, tolerations: [] },
      security: { authentication: "http-server.authentication.type=JWT\n", environmentSecret: "s", tlsSecret: "t" },
    });

  test("the served catalogs are exactly the Cluster's Depots: the chart's default tpcds (and tpch) are removed", () => {
    const served = helmMerge(CHART_DEFAULTS, values({ warehouse: "connector.name=postgresql\n" })).catalogs as Record<string, string>;
    expect(served).toEqual({ warehouse: "connector.name=postgresql\n" });
  });

  test("a Depot named like a chart default keeps its own properties", () => {
    const served = helmMerge(CHART_DEFAULTS, values({ tpch: "connector.name=tpch\n" })).catalogs as Record<string, string>;
    expect(served).toEqual({ tpch: "connector.name=tpch\n" });
  });
});

describe("Kubernetes sign-in (coordinator authentication properties)", () => {
  const workloads = {
    issuer: "https://kubernetes.default.svc",
    jwksUrl: "https://kubernetes.default.svc/openid/v1/jwks",
    audience: "trino.strata.analytics",
    caFile: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
    accounts: { pipelines: ["workflow-nightly"], "team.b": ["workflow-export", "workflow-b"] },
  };
  const people = {
    issuer: "https://login.example.com/realms/data",
    clientId: "trino",
    userClaim: "preferred_username",
    groupsClaim: "groups",
    audiences: ["trino-cli"],
  };
  /** Trino's user mapping: the whole subject must match, the first group is the user. */
  const mapped = (pattern: string, subject: string) => new RegExp(`^(?:${pattern})$`).exec(subject)?.[1];

  test("workloads only: service-account tokens of the named accounts, nobody over plain HTTP", () => {
    const properties = compileKubernetesAuthentication({ workloads });
    expect(properties).toEqual({
      "http-server.authentication.type": "JWT",
      "http-server.authentication.allow-insecure-over-http": "false",
      "http-server.authentication.jwt.key-file": workloads.jwksUrl,
      "http-server.authentication.jwt.required-issuer": workloads.issuer,
      "http-server.authentication.jwt.required-audience": workloads.audience,
      "http-server.authentication.jwt.principal-field": "sub",
      "http-server.authentication.jwt.user-mapping.pattern": serviceAccountUserPattern(workloads.accounts),
      "jwk.http-client.trust-store-path": workloads.caFile,
    });
  });

  test("a subject maps to its account only in the account's own namespace", () => {
    const pattern = serviceAccountUserPattern(workloads.accounts);
    expect(mapped(pattern, "system:serviceaccount:pipelines:workflow-nightly")).toBe("workflow-nightly");
    expect(mapped(pattern, "system:serviceaccount:team.b:workflow-export")).toBe("workflow-export");
    expect(mapped(pattern, "system:serviceaccount:team.b:workflow-b")).toBe("workflow-b");
    // Same name, another namespace; another account; a dot that is not a wildcard.
    expect(mapped(pattern, "system:serviceaccount:default:workflow-nightly")).toBeUndefined();
    expect(mapped(pattern, "system:serviceaccount:pipelines:workflow-export")).toBeUndefined();
    expect(mapped(pattern, "system:serviceaccount:teamxb:workflow-b")).toBeUndefined();
    // No workload named: no subject maps to anyone.
    const none = compileKubernetesAuthentication({ workloads: { ...workloads, accounts: {} } })[
      "http-server.authentication.jwt.user-mapping.pattern"
    ]!;
    expect(mapped(none, "system:serviceaccount:pipelines:workflow-nightly")).toBeUndefined();
  });

  test("people: the provider's access tokens, checked by the server itself; a person cannot take a workload's name", () => {
    const properties = compileKubernetesAuthentication({
      people: { ...people, caFile: "/etc/trino/identity-provider-ca/ca.crt" },
      workloads,
    });
    expect(properties).toMatchObject({
      "http-server.authentication.type": "JWT,OAUTH2",
      "http-server.authentication.oauth2.issuer": people.issuer,
      "http-server.authentication.oauth2.client-id": "trino",
      "http-server.authentication.oauth2.client-secret": "${ENV:STRATA_OIDC_CLIENT_SECRET}",
      "http-server.authentication.oauth2.principal-field": "preferred_username",
      "deprecated.http-server.authentication.oauth2.groups-field": "groups",
      "http-server.authentication.oauth2.oidc.use-userinfo-endpoint": "false",
      "http-server.authentication.oauth2.additional-audiences": "trino-cli",
      "oauth2-jwk.http-client.trust-store-path": "/etc/trino/identity-provider-ca/ca.crt",
    });
    const pattern = properties["http-server.authentication.oauth2.user-mapping.pattern"]!;
    expect(mapped(pattern, "alice")).toBe("alice");
    expect(mapped(pattern, "workflow-nightly-2")).toBe("workflow-nightly-2");
    expect(mapped(pattern, "workflow-nightly")).toBeUndefined();
    expect(mapped(pattern, "workflow-b")).toBeUndefined();
  });

  test("the chart values: HTTPS with the Secret's keystore, the shared secret and client secret from a Secret, never a ConfigMap", () => {
    const authentication = renderKubernetesAuthentication({ people, workloads });
    const values = compileTrinoHelmValues({
      catalogs: {},
      credentialsSecret: "analytics-depot-credentials",
      rulesConfigMap: "analytics-access-rules",
      cpus: 2,
      podMemoryMb: 4096,
      heapMb: 3276,
      workers: { min: 1, max: 2 },
      placement: { nodeSelector: {}, tolerations: [] },
      security: {
        authentication,
        environmentSecret: "analytics-trino-security",
        tlsSecret: "analytics-trino-tls",
        identityProviderCaConfigMap: "analytics-identity-provider-ca",
      },
    }) as Record<string, Record<string, unknown>>;
    expect(values.server).toMatchObject({
      config: { https: { enabled: true, port: 8443, keystore: { path: "/etc/trino/tls/tls-combined.pem" } } },
      coordinatorExtraConfig: authentication,
    });
    expect(values.coordinator!.secretMounts).toEqual([{ name: "tls", secretName: "analytics-trino-tls", path: "/etc/trino/tls" }]);
    expect(values.envFrom).toEqual([
      { secretRef: { name: "analytics-depot-credentials" } },
      { secretRef: { name: "analytics-trino-security" } },
    ]);
    expect(values.additionalConfigProperties).toEqual(["internal-communication.shared-secret=${ENV:STRATA_TRINO_SHARED_SECRET}"]);
    expect(values.configMounts).toContainEqual({
      name: "identity-provider-ca",
      configMap: "analytics-identity-provider-ca",
      path: "/etc/trino/identity-provider-ca",
    });
    // What the chart renders into ConfigMaps holds references only: no secret value can be there.
    expect(authentication).toContain("client-secret=${ENV:STRATA_OIDC_CLIENT_SECRET}");
  });
});
