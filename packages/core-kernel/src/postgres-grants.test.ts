import { describe, expect, test } from "vitest";
import { depotRoleGrantsSql } from "@strata/cloud-kernel";
import { depotRoleName } from "./cluster/local.js";
import type { PolicySpec } from "./policy/compile.js";
import { compilePostgresGrants } from "./policy/postgres-grants.js";

const WRITE = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"];

describe("compilePostgresGrants: what a Cluster's role needs on one depot", () => {
  test("one table read gives SELECT on that table alone; other depots and denies give nothing", () => {
    const policies: PolicySpec[] = [
      {
        name: "analysts",
        access: [
          { groups: ["analysts"], depot: "shop", schema: "public", table: "orders", access: "read" },
          { users: ["bob"], depot: "shop", schema: "finance", access: "none" },
          { users: ["ann"], depot: "crm", access: "all" },
        ],
      },
    ];
    expect(compilePostgresGrants(policies, "shop")).toEqual([{ schema: "public", table: "orders", privileges: ["SELECT"] }]);
    expect(compilePostgresGrants(policies, "other")).toEqual([]);
  });

  test("the widest access of every policy on one part wins; write may create tables, all on the depot also schemas", () => {
    const policies: PolicySpec[] = [
      { name: "a", access: [{ users: ["ann"], depot: "shop", schema: "public", access: "read" }] },
      { name: "b", access: [{ users: ["bob"], depot: "shop", schema: "public", access: "write" }] },
      { name: "c", access: [{ users: ["cy"], depot: "shop", access: "all" }] },
      { name: "d", access: [{ users: ["dee"], depot: "shop", schema: "sales", access: "all" }] },
    ];
    expect(compilePostgresGrants(policies, "shop")).toEqual([{ privileges: WRITE, createTables: true, createSchemas: true }]);
    expect(compilePostgresGrants(policies.slice(0, 2), "shop")).toEqual([{ schema: "public", privileges: WRITE, createTables: true }]);
    expect(compilePostgresGrants([policies[3]!], "shop")).toEqual([{ schema: "sales", privileges: WRITE, createTables: true }]);
  });

  test("a grant covered by a wider one is left out; one that asks more stays; the order is database, schemas, tables", () => {
    const policies: PolicySpec[] = [
      {
        name: "p",
        access: [
          { users: ["a"], depot: "shop", schema: "sales", table: "orders", access: "write" },
          { users: ["b"], depot: "shop", schema: "sales", table: "items", access: "read" },
          { users: ["c"], depot: "shop", schema: "sales", access: "read" },
          { users: ["d"], depot: "shop", schema: "hr", table: "people", access: "read" },
          { users: ["e"], depot: "shop", schema: "audit", access: "read" },
        ],
      },
    ];
    expect(compilePostgresGrants(policies, "shop")).toEqual([
      { schema: "audit", privileges: ["SELECT"] },
      { schema: "sales", privileges: ["SELECT"] },
      { schema: "hr", table: "people", privileges: ["SELECT"] },
      { schema: "sales", table: "orders", privileges: WRITE, createTables: true },
    ]);
  });

  test("a table without a schema is the whole depot (the compiler refuses it elsewhere): no table-level grant is made of it", () => {
    expect(compilePostgresGrants([{ name: "p", access: [{ users: ["a"], depot: "shop", table: "t", access: "read" }] }], "shop")).toEqual([
      { privileges: ["SELECT"] },
    ]);
  });
});

describe("depotRoleName", () => {
  test("<database>_<cluster>, the cluster's name made an identifier; long names are cut with a hash of the whole", () => {
    expect(depotRoleName("warehouse", "analytics")).toBe("warehouse_analytics");
    expect(depotRoleName("hr", "governed-2")).toBe("hr_governed_2");
    const long = depotRoleName("a".repeat(40), "b".repeat(40));
    expect(long).toHaveLength(63);
    expect(long).not.toBe(depotRoleName("a".repeat(40), `${"b".repeat(39)}c`));
  });
});

describe("depotRoleGrantsSql", () => {
  test("quotes every name, revokes before it grants, and grants a table only once it exists", () => {
    const sql = depotRoleGrantsSql("shop", "shop_owner", 'odd"role', [{ schema: "sales", table: "o'rders", privileges: ["SELECT"] }]);
    expect(sql).toContain('REVOKE ALL ON DATABASE "shop" FROM "odd""role";');
    expect(sql.indexOf("REVOKE ALL ON %s")).toBeLessThan(sql.indexOf('GRANT SELECT ON TABLE "sales"."o\'rders" TO "odd""role";'));
    expect(sql).toContain(`IF to_regclass('"sales"."o''rders"') IS NOT NULL THEN`);
    expect(sql).not.toContain("CREATE ON DATABASE");
  });
});
