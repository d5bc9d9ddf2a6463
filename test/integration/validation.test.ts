import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Cluster, Database, Depot, Policy, Secret, strataProgram } from "@strata/user-kernel";
import { runPulumiCli } from "@strata/cli";
import { TestStack } from "../support/engine.js";

// A deployed stack holding one Secret; each bad variant of its program must
// fail at preview and leave it exactly as it was.
let variant: () => void = () => undefined;
const stack = new TestStack(
  "strata-it-validation",
  strataProgram(() => {
    const token = new Secret("token", { value: "kept-value" });
    variant();
    return { tokenFile: token.reference };
  }),
);
const tokenFile = () => path.join(stack.dataDir, "secrets", "token");

beforeAll(async () => {
  await stack.run("up");
});
afterAll(async () => {
  await stack.run("destroy").catch(() => undefined);
  stack.remove();
});

describe("bad input fails at preview, naming primitive, field, value and fix, and changes nothing", () => {
  const cases: Array<[string, () => void, string]> = [
    [
      "a depot name Trino reserves",
      () => void new Depot("system", { source: { kind: "tpch" } }),
      'Depot "system": name="system" is reserved by Trino. Fix: choose another name',
    ],
    [
      "a depot name Trino cannot take",
      () => void new Depot("Sales DB", { source: { kind: "tpch" } }),
      'Depot "Sales DB": name="Sales DB" cannot be used as a file name, Kubernetes name and Trino identifier',
    ],
    [
      "a policy naming an unknown depot",
      () => {
        const tpch = new Depot("tpch", { source: { kind: "tpch" } });
        const policy = new Policy("readers", { access: [{ users: ["ann"], depot: "sales", access: "read" }] });
        new Cluster("analytics", { depots: [tpch], policies: [policy] });
      },
      'Policy "readers": access[0].depot="sales" names no Depot of this Cluster (Cluster "analytics"). Fix: use one of: "tpch"',
    ],
    [
      "two Clusters on one port",
      () => {
        new Cluster("first", { port: 18123 });
        new Cluster("second", { port: 18123 });
      },
      'Cluster "second": port=18123 is already taken by Cluster "first". Fix: give each Cluster its own port, or leave port out',
    ],
    [
      "a migration without SQL",
      () => void new Database("db", { password: new Secret("db-password", { value: "x" }), migrations: [{ id: "001_empty", sql: " " }] }),
      'Database "db": migrations[0].sql=" " is empty. Fix: give the SQL to run',
    ],
  ];

  test.each(cases)("%s", async (_label, bad, message) => {
    const before = await stack.resourceTypes();
    variant = bad;
    try {
      await expect(stack.run("preview")).rejects.toThrow(message);
      await expect(stack.run("up")).rejects.toThrow(message);
    } finally {
      variant = () => undefined;
    }
    expect(await stack.resourceTypes()).toEqual(before);
    expect(fs.readFileSync(tokenFile(), "utf8")).toBe("kept-value");
  });
});

describe("stateful data outside dev stacks", () => {
  const prod = new TestStack(
    "strata-it-prod",
    strataProgram(() => {
      const db = new Database("ledger", { password: new Secret("ledger-password", { value: pulumi.secret("ledger-pw-1") }) });
      return { port: db.port };
    }),
    "prod",
  );
  const dataDir = () => path.join(prod.dataDir, "postgres", "ledger-server", "data");
  afterAll(async () => {
    // Whatever happened above, no server is left running: lift the protection, then destroy.
    await runPulumiCli(prod.target(), ["state", "unprotect", "--all", "--yes"]).catch(() => undefined);
    await prod.run("destroy").catch(() => undefined);
    prod.remove();
  });

  test("destroy is refused while the database is protected, and its data stays", async () => {
    await prod.run("up");
    expect(fs.existsSync(path.join(dataDir(), "PG_VERSION"))).toBe(true);
    await expect(prod.run("destroy")).rejects.toThrow(/protected/);
    expect(fs.existsSync(path.join(dataDir(), "PG_VERSION"))).toBe(true);
  });

  test("after a deliberate unprotect, destroy stops the server but retains the data directory", async () => {
    await runPulumiCli(prod.target(), ["state", "unprotect", "--all", "--yes"]);
    await prod.run("destroy");
    expect(await prod.resourceTypes()).toEqual([]);
    expect(fs.existsSync(path.join(dataDir(), "PG_VERSION"))).toBe(true);
  });
});
