import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Cluster, Database, Depot, Policy, Secret, Workflow, type WorkflowArgs, strataProgram } from "@strata/user-kernel";
import { runPulumiCli } from "@strata/cli";
import { TestStack } from "../support/engine.js";

/** A Workflow recording its runs in a Database of its own, with the given arguments. */
function workflow(args: Omit<WorkflowArgs, "runs">): void {
  const runs = new Database("runs", { password: new Secret("runs-password", { value: "x" }) });
  new Workflow("daily", { ...args, runs });
}
const sqlStep = (name: string, dependencies: string[] = []) => ({ name, kind: "command" as const, command: ["true"], dependencies });

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
    [
      "a workflow whose steps form a cycle",
      () => workflow({ steps: [sqlStep("load", ["check"]), sqlStep("transform", ["load"]), sqlStep("check", ["transform"])] }),
      'Workflow "daily": steps="load -> transform -> check -> load" form a cycle. Fix: remove one of these dependencies',
    ],
    [
      "a workflow step with an unknown dependency",
      () => workflow({ steps: [sqlStep("load"), sqlStep("report", ["lod"])] }),
      'Workflow "daily": steps[1].dependencies[0]="lod" is an unknown dependency. Fix: name one of the steps: load, report',
    ],
    [
      "a workflow with a bad cron expression",
      () => workflow({ steps: [sqlStep("load")], schedules: ["0 2 * *"] }),
      'Workflow "daily": schedules[0]="0 2 * *" does not have five fields (minute hour day month weekday)',
    ],
    [
      "a workflow in an unknown time zone",
      () => workflow({ steps: [sqlStep("load")], schedules: ["0 2 * * *"], timezone: "Europe/Pariss" }),
      'Workflow "daily": timezone="Europe/Pariss" is an unknown time zone. Fix: give an IANA time zone',
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
