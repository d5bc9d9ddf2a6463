import { describe, expect, test } from "vitest";
import {
  compileTrinoHelmValues,
  compileCatalogProperties,
  compileTrinoServerFiles,
  parseExactJson,
  passwordVariable,
  renderGroups,
  renderProperties,
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
  const files = compileTrinoServerFiles({
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
  });

  test("loopback only, heap and query memory from the Compute, concurrency a power of two", () => {
    expect(files["node.properties"]).toBe(
      "node.environment=strata\nnode.id=analytics\nnode.data-dir=/d/data\nnode.internal-address=127.0.0.1\nnode.bind-ip=127.0.0.1\n",
    );
    expect(files["config.properties"]).toContain(
      "plugin.dir=/d/plugin\nquery.max-memory=819MB\nquery.max-memory-per-node=819MB\ntask.concurrency=2\n",
    );
    expect(files["jvm.config"]).toContain("-Xmx1638m\n");
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
