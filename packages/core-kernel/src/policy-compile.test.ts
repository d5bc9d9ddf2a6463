import { describe, expect, test } from "vitest";
import { HEALTH_USER, type PolicySpec, compilePolicies, exactNames, maskExpression, renderRules } from "@strata/core-kernel";

const depots = [
  { name: "warehouse", catalog: "warehouse" },
  { name: "tpch", catalog: "tpch" },
];
const HEALTH_CATALOG = { user: HEALTH_USER, catalog: "system", allow: "read-only" };
const HEALTH_TABLE = { user: HEALTH_USER, catalog: "system", schema: "runtime", table: "nodes", privileges: ["SELECT"] };

const compile = (policies: PolicySpec[]) => compilePolicies(policies, depots);

describe("compilePolicies: sections and default deny", () => {
  test("no policies: every section present, only the readiness rule, so everything else is denied", () => {
    const { rules, problems } = compile([]);
    expect(problems).toEqual([]);
    expect(rules).toEqual({
      catalogs: [HEALTH_CATALOG],
      schemas: [],
      tables: [HEALTH_TABLE],
      queries: [{ allow: ["execute"] }],
      system_information: [],
      system_session_properties: [],
      catalog_session_properties: [],
      impersonation: [],
      authorization: [],
      functions: [],
      procedures: [],
    });
  });
});

describe("compilePolicies: access rules", () => {
  test.each([
    ["read", "read-only", ["SELECT"]],
    ["write", "all", ["SELECT", "INSERT", "UPDATE", "DELETE"]],
    ["all", "all", ["SELECT", "INSERT", "UPDATE", "DELETE", "OWNERSHIP", "GRANT_SELECT"]],
    ["none", "none", []],
  ] as const)("%s on a whole depot", (access, catalogAllow, privileges) => {
    const { rules, problems } = compile([{ name: "p", access: [{ users: ["ann"], depot: "warehouse", access }] }]);
    expect(problems).toEqual([]);
    expect(rules.catalogs).toEqual([HEALTH_CATALOG, { user: "ann", catalog: "warehouse", allow: catalogAllow }]);
    expect(rules.tables).toEqual([HEALTH_TABLE, { user: "ann", catalog: "warehouse", privileges }]);
    expect(rules.schemas).toEqual(access === "all" ? [{ user: "ann", catalog: "warehouse", owner: true }] : []);
  });

  test("groups and users become separate rules; several names one regex", () => {
    const { rules } = compile([{ name: "p", access: [{ users: ["bob", "ann"], groups: ["bi"], depot: "tpch", access: "read" }] }]);
    expect(rules.tables.slice(1)).toEqual([
      { group: "bi", catalog: "tpch", privileges: ["SELECT"] },
      { user: "(ann|bob)", catalog: "tpch", privileges: ["SELECT"] },
    ]);
  });

  test("most specific first; at the same level deny first; a table deny keeps catalog access", () => {
    const { rules, problems } = compile([
      {
        name: "p",
        access: [
          { users: ["ann"], depot: "warehouse", access: "read" },
          { users: ["ann"], depot: "warehouse", schema: "public", table: "salaries", access: "none" },
          { users: ["ann"], depot: "warehouse", schema: "public", access: "write" },
          { users: ["bob"], depot: "warehouse", schema: "public", table: "salaries", access: "read" },
        ],
      },
    ]);
    expect(problems).toEqual([]);
    expect(rules.tables.slice(1)).toEqual([
      { user: "ann", catalog: "warehouse", schema: "public", table: "salaries", privileges: [] },
      { user: "bob", catalog: "warehouse", schema: "public", table: "salaries", privileges: ["SELECT"] },
      { user: "ann", catalog: "warehouse", schema: "public", privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"] },
      { user: "ann", catalog: "warehouse", privileges: ["SELECT"] },
    ]);
    expect(rules.catalogs.slice(1)).toEqual([
      { user: "ann", catalog: "warehouse", allow: "all" },
      { user: "bob", catalog: "warehouse", allow: "read-only" },
    ]);
  });

  test("denying a whole depot denies its catalog even if a schema is granted; deny catalogs come first", () => {
    const { rules } = compile([
      {
        name: "p",
        access: [
          { users: ["eve"], depot: "warehouse", schema: "public", access: "read" },
          { users: ["eve"], depot: "warehouse", access: "none" },
          { users: ["eve"], depot: "tpch", access: "read" },
        ],
      },
    ]);
    expect(rules.catalogs.slice(1)).toEqual([
      { user: "eve", catalog: "warehouse", allow: "none" },
      { user: "eve", catalog: "tpch", allow: "read-only" },
    ]);
  });

  test("names are escaped: a dot matches only a dot", () => {
    expect(exactNames(["j.doe"])).toBe("j\\.doe");
    expect(exactNames(["b", "a", "a"])).toBe("(a|b)");
  });
});

describe("compilePolicies: data policies", () => {
  const analysts: PolicySpec = {
    name: "analysts",
    access: [{ groups: ["analysts"], depot: "warehouse", access: "read" }],
    masks: [
      { groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", column: "email", mask: "email" },
      { groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", column: "card", mask: "redact" },
    ],
    filters: [
      { groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", where: "region = 'EU'" },
      { groups: ["analysts"], depot: "warehouse", schema: "public", table: "customers", where: "active" },
    ],
  };

  test("masks and filters of one table and subject merge into one rule before the grant", () => {
    const { rules, problems } = compile([analysts]);
    expect(problems).toEqual([]);
    expect(rules.tables.slice(1)).toEqual([
      {
        group: "analysts",
        catalog: "warehouse",
        schema: "public",
        table: "customers",
        privileges: ["SELECT"],
        columns: [
          { name: "card", mask: "'****'" },
          { name: "email", mask: `regexp_replace("email", '^[^@]+', '***')` },
        ],
        filter: "(region = 'EU') AND (active)",
      },
      { group: "analysts", catalog: "warehouse", privileges: ["SELECT"] },
    ]);
  });

  test.each([
    ["null", "NULL"],
    ["redact", "'****'"],
    ["hash", `to_hex(sha256(to_utf8(CAST("email" AS varchar))))`],
    ["email", `regexp_replace("email", '^[^@]+', '***')`],
    [{ sql: "substr(email, 1, 2)" }, "substr(email, 1, 2)"],
  ] as const)("mask %j", (mask, sql) => {
    expect(maskExpression("email", mask)).toBe(sql);
  });

  test("a data policy in another Policy than the grant still applies", () => {
    const { problems, rules } = compile([
      { name: "grants", access: [{ users: ["ann"], depot: "warehouse", access: "read" }] },
      { name: "masks", masks: [{ users: ["ann"], depot: "warehouse", schema: "public", table: "t", column: "c", mask: "null" }] },
    ]);
    expect(problems).toEqual([]);
    expect(rules.tables[1]).toMatchObject({ user: "ann", table: "t", columns: [{ name: "c", mask: "NULL" }] });
  });

  test("the same input in any order compiles to the same text", () => {
    const shuffled: PolicySpec = {
      ...analysts,
      masks: [...analysts.masks!].reverse(),
      access: [...analysts.access!, { users: ["zed"], depot: "tpch", access: "read" as const }].reverse(),
    };
    const other: PolicySpec = { name: "admins", access: [{ users: ["root"], depot: "warehouse", access: "all" }] };
    const a = renderRules(compile([{ ...analysts, access: [...analysts.access!, { users: ["zed"], depot: "tpch", access: "read" as const }] }, other]).rules);
    const b = renderRules(compile([other, shuffled]).rules);
    expect(b).toBe(a);
  });
});

describe("compilePolicies: problems", () => {
  const problemsOf = (spec: Omit<PolicySpec, "name">) => compile([{ name: "p", ...spec }]).problems.map((p) => [p.scope, p.field, p.value, p.problem]);

  test("unknown depot lists the known ones", () => {
    const [problem] = compile([{ name: "p", access: [{ users: ["a"], depot: "sales", access: "read" }] }]).problems;
    expect(problem).toEqual({ scope: "depot", policy: "p", field: "access[0].depot", value: "sales", problem: "names no Depot of this Cluster", fix: 'use one of: "tpch", "warehouse"' });
  });

  test.each([
    [{ access: [{ depot: "tpch", access: "read" as const }] }, [["rule", "access[0]", { depot: "tpch", access: "read" }, "names no users or groups"]]],
    [{ access: [{ users: ["a b"], depot: "tpch", access: "read" as const }] }, [["rule", "access[0].users[0]", "a b", "is not a valid name"]]],
    [{ access: [{ users: ["a"], depot: "tpch", schema: "Tiny", access: "read" as const }] }, [["rule", "access[0].schema", "Tiny", "is not a lower-case SQL identifier"]]],
    [{ access: [{ users: ["a"], depot: "tpch", table: "nation", access: "read" as const }] }, [["rule", "access[0].schema", undefined, "is missing while table is given"]]],
    [{ access: [{ users: ["a"], depot: "tpch", access: "admin" as never }] }, [["rule", "access[0].access", "admin", "is not an access level"]]],
    [
      { masks: [{ users: ["a"], depot: "tpch", schema: "tiny", table: "nation", column: "name", mask: "null" as const }] },
      [["grant", "masks[0]", "tpch.tiny.nation", "applies to user a, who has no access to this table"]],
    ],
    [
      {
        access: [{ users: ["a"], depot: "tpch", access: "read" as const }, { users: ["a"], depot: "tpch", schema: "tiny", table: "nation", access: "none" as const }],
        filters: [{ users: ["a"], depot: "tpch", schema: "tiny", table: "nation", where: "true" }],
      },
      [["grant", "filters[0]", "tpch.tiny.nation", "applies to user a, who has no access to this table"]],
    ],
    [
      {
        access: [{ users: ["a"], depot: "tpch", access: "read" as const }],
        masks: [
          { users: ["a"], depot: "tpch", schema: "tiny", table: "nation", column: "name", mask: "null" as const },
          { users: ["a"], depot: "tpch", schema: "tiny", table: "nation", column: "name", mask: "redact" as const },
        ],
      },
      [["rule", "masks[1].column", "name", "is masked twice for the same subject"]],
    ],
  ])("%j", (spec, expected) => {
    expect(problemsOf(spec)).toEqual(expected);
  });
});
