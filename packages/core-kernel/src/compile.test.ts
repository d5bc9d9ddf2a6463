import { describe, expect, test } from "vitest";
import {
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
    const props = compileCatalogProperties("warehouse", { kind: "postgresql", host: "127.0.0.1", port: 5433, database: "wh", user: "wh_owner" });
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
    ["ok", { source: { kind: "postgresql", host: "h", port: 5432, database: "d", user: "", password: {} } }, 'source.user=""', "is missing"],
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
  });

  test("loopback only, heap and query memory from the Compute, concurrency a power of two", () => {
    expect(files["node.properties"]).toBe(
      "node.environment=strata\nnode.id=analytics\nnode.data-dir=/d/data\nnode.internal-address=127.0.0.1\nnode.bind-ip=127.0.0.1\n",
    );
    expect(files["config.properties"]).toBe(
      "coordinator=true\nnode-scheduler.include-coordinator=true\nhttp-server.http.port=18080\n" +
        "discovery.uri=http://127.0.0.1:18080\nplugin.dir=/d/plugin\nquery.max-memory=819MB\n" +
        "query.max-memory-per-node=819MB\ntask.concurrency=2\n",
    );
    expect(files["jvm.config"]).toContain("-Xmx1638m\n");
  });

  test("access rules and groups are reloaded every 2 s", () => {
    expect(files["access-control.properties"]).toBe(
      "access-control.name=file\nsecurity.config-file=/d/etc/rules.json\nsecurity.refresh-period=2s\n",
    );
    expect(files["group-provider.properties"]).toBe("group-provider.name=file\nfile.group-file=/d/etc/groups.txt\nfile.refresh-period=2s\n");
  });

  test("no group file, no group provider", () => {
    const plain = compileTrinoServerFiles({ nodeId: "a", port: 1, heapMb: 1024, cpus: 1, dataDir: "/", pluginDir: "/", rulesFile: "/r" });
    expect(Object.keys(plain).sort()).toEqual(["access-control.properties", "config.properties", "jvm.config", "log.properties", "node.properties"]);
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
