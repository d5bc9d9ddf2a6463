import { describe, expect, test } from "vitest";
import {
  HEALTH_USER,
  type PolicySpec,
  compilePolicies,
  exactNames,
  maskExpression,
  renderRules,
  tpchColumnTypes,
  typedMaskExpression,
} from "@strata/core-kernel";

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
    ["write", "all", ["SELECT", "INSERT", "UPDATE", "DELETE", "OWNERSHIP"]],
    ["all", "all", ["SELECT", "INSERT", "UPDATE", "DELETE", "OWNERSHIP", "GRANT_SELECT"]],
    ["none", "none", []],
  ] as const)("%s on a whole depot", (access, catalogAllow, privileges) => {
    const { rules, problems } = compile([{ name: "p", access: [{ users: ["ann"], depot: "warehouse", access }] }]);
    expect(problems).toEqual([]);
    expect(rules.catalogs).toEqual([HEALTH_CATALOG, { user: "ann", catalog: "warehouse", allow: catalogAllow }]);
    expect(rules.tables).toEqual([HEALTH_TABLE, { user: "ann", catalog: "warehouse", privileges }]);
    expect(rules.schemas).toEqual(access === "all" ? [{ user: "ann", catalog: "warehouse", owner: true }] : []);
  });

  test("group rules reach the group's members; users with the same outcome share one rule", () => {
    const { rules, problems } = compilePolicies(
      [{ name: "p", access: [{ users: ["bob", "ann"], groups: ["bi"], depot: "tpch", access: "read" }] }],
      depots,
      { bi: ["cy", "ann"] },
    );
    expect(problems).toEqual([]);
    expect(rules.tables.slice(1)).toEqual([{ user: "(ann|bob|cy)", catalog: "tpch", privileges: ["SELECT"] }]);
  });

  test("most specific first; every user's rules are its own", () => {
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
      { user: "bob", catalog: "warehouse", schema: "public", table: "salaries", privileges: ["SELECT"] },
      { user: "ann", catalog: "warehouse", schema: "public", table: "salaries", privileges: [] },
      { user: "ann", catalog: "warehouse", schema: "public", privileges: ["SELECT", "INSERT", "UPDATE", "DELETE", "OWNERSHIP"] },
      { user: "ann", catalog: "warehouse", privileges: ["SELECT"] },
    ]);
    expect(rules.catalogs.slice(1)).toEqual([
      { user: "ann", catalog: "warehouse", allow: "all" },
      { user: "bob", catalog: "warehouse", allow: "read-only" },
    ]);
  });

  test("a depot deny with a schema grant: the schema stays readable, the rest is denied", () => {
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
    expect(rules.tables.slice(1)).toEqual([
      { user: "eve", catalog: "warehouse", schema: "public", privileges: ["SELECT"] },
      { user: "eve", catalog: "tpch", privileges: ["SELECT"] },
      { user: "eve", catalog: "warehouse", privileges: [] },
    ]);
    expect(rules.catalogs.slice(1)).toEqual([
      { user: "eve", catalog: "tpch", allow: "read-only" },
      { user: "eve", catalog: "warehouse", allow: "read-only" },
    ]);
  });

  test("a schema rule of another level shadows a depot-wide owner", () => {
    const { rules } = compile([
      {
        name: "p",
        access: [
          { users: ["ann"], depot: "warehouse", access: "all" },
          { users: ["ann"], depot: "warehouse", schema: "hr", access: "read" },
        ],
      },
    ]);
    expect(rules.schemas).toEqual([
      { user: "ann", catalog: "warehouse", schema: "hr", owner: false },
      { user: "ann", catalog: "warehouse", owner: true },
    ]);
  });

  test("names are escaped: a dot matches only a dot", () => {
    expect(exactNames(["j.doe"])).toBe("j\\.doe");
    expect(exactNames(["b", "a", "a"])).toBe("(a|b)");
  });
});

describe("compilePolicies: overlapping policies (user and groups, docs/architecture.md)", () => {
  const SALARIES = { depot: "warehouse", schema: "public", table: "salaries" } as const;
  /** The table rule Trino's first match gives `user` on warehouse.public.<table>, as the compiled rules say. */
  function firstMatch(policies: PolicySpec[], groups: Record<string, string[]>, user: string, table = "salaries") {
    const { rules, problems } = compilePolicies(policies, depots, groups);
    expect(problems).toEqual([]);
    const userGroups = Object.entries(groups)
      .filter(([, m]) => m.includes(user))
      .map(([g]) => g);
    const matches = (pattern: unknown, value: string | undefined) =>
      pattern === undefined || (value !== undefined && new RegExp(`^(?:${pattern as string})$`).test(value));
    return (rules.tables as Array<Record<string, unknown>>).find(
      (r) =>
        (r.user === undefined || matches(r.user, user)) &&
        (r.group === undefined || userGroups.some((g) => matches(r.group, g))) &&
        matches(r.catalog, "warehouse") &&
        matches(r.schema, "public") &&
        matches(r.table, table),
    );
  }

  test("the bug: a user's deny is not overridden by a group's allow with a row filter", () => {
    const policies: PolicySpec[] = [
      {
        name: "analysts",
        access: [{ groups: ["analysts"], depot: "warehouse", access: "read" }],
        filters: [{ groups: ["analysts"], ...SALARIES, where: "band < 5" }],
      },
      {
        name: "ann",
        access: [
          { users: ["ann"], depot: "warehouse", access: "read" },
          { users: ["ann"], ...SALARIES, access: "none" },
        ],
      },
    ];
    const groups = { analysts: ["ann", "raj"] };
    expect(firstMatch(policies, groups, "ann")).toMatchObject({ privileges: [] });
    expect(firstMatch(policies, groups, "ann")).not.toHaveProperty("filter");
    expect(firstMatch(policies, groups, "raj")).toMatchObject({ privileges: ["SELECT"], filter: "(band < 5)" });
  });

  test("user allow vs group deny on the same table: the deny wins", () => {
    const policies: PolicySpec[] = [
      {
        name: "contractors",
        access: [
          { groups: ["contractors"], depot: "warehouse", access: "read" },
          { groups: ["contractors"], ...SALARIES, access: "none" },
        ],
      },
      { name: "bob", access: [{ users: ["bob"], ...SALARIES, access: "read" }] },
    ];
    expect(firstMatch(policies, { contractors: ["bob"] }, "bob")).toMatchObject({ privileges: [] });
  });

  test("a user allow on the table beats a group deny on the whole depot (more specific object)", () => {
    const policies: PolicySpec[] = [
      { name: "contractors", access: [{ groups: ["contractors"], depot: "warehouse", access: "none" }] },
      { name: "bob", access: [{ users: ["bob"], ...SALARIES, access: "read" }] },
    ];
    const groups = { contractors: ["bob"] };
    expect(firstMatch(policies, groups, "bob")).toMatchObject({ privileges: ["SELECT"] });
    expect(firstMatch(policies, groups, "bob", "orders")).toMatchObject({ privileges: [] });
  });

  test("two groups that disagree on one object: a deny wins; two allows give the wider", () => {
    const policies: PolicySpec[] = [
      {
        name: "a",
        access: [
          { groups: ["a"], ...SALARIES, access: "read" },
          { groups: ["w"], ...SALARIES, access: "write" },
        ],
      },
      { name: "d", access: [{ groups: ["d"], ...SALARIES, access: "none" }] },
    ];
    const groups = { a: ["ann", "bea"], d: ["ann"], w: ["bea"] };
    expect(firstMatch(policies, groups, "ann")).toMatchObject({ privileges: [] });
    expect(firstMatch(policies, groups, "bea")).toMatchObject({ privileges: ["SELECT", "INSERT", "UPDATE", "DELETE", "OWNERSHIP"] });
  });

  test("a table rule beats a depot rule whatever its subject", () => {
    const policies: PolicySpec[] = [
      {
        name: "p",
        access: [
          { users: ["ann"], depot: "warehouse", access: "write" },
          { groups: ["g"], ...SALARIES, access: "read" },
        ],
      },
    ];
    expect(firstMatch(policies, { g: ["ann"] }, "ann")).toMatchObject({ privileges: ["SELECT"] });
    expect(firstMatch(policies, { g: ["ann"] }, "ann", "orders")).toMatchObject({
      privileges: ["SELECT", "INSERT", "UPDATE", "DELETE", "OWNERSHIP"],
    });
  });

  test("a masked group with a user-specific grant: the user's grant decides access, the group's mask still applies", () => {
    const policies: PolicySpec[] = [
      {
        name: "analysts",
        access: [{ groups: ["analysts"], depot: "warehouse", access: "read" }],
        masks: [{ groups: ["analysts"], ...SALARIES, column: "amount", mask: "null" }],
      },
      { name: "cara", access: [{ users: ["cara"], ...SALARIES, access: "write" }] },
    ];
    expect(firstMatch(policies, { analysts: ["cara"] }, "cara")).toEqual({
      user: "cara",
      catalog: "warehouse",
      schema: "public",
      table: "salaries",
      privileges: ["SELECT", "INSERT", "UPDATE", "DELETE", "OWNERSHIP"],
      columns: [{ name: "amount", mask: "NULL" }],
    });
  });

  test("masks of a user and its groups add up; filters of all of them are ANDed", () => {
    const policies: PolicySpec[] = [
      {
        name: "p",
        access: [{ groups: ["eu"], depot: "warehouse", access: "read" }],
        masks: [
          { groups: ["eu"], ...SALARIES, column: "email", mask: "email" },
          { users: ["ann"], ...SALARIES, column: "amount", mask: "null" },
        ],
        filters: [
          { groups: ["eu"], ...SALARIES, where: "region = 'EU'" },
          { groups: ["fulltime"], ...SALARIES, where: "active" },
        ],
      },
    ];
    expect(firstMatch(policies, { eu: ["ann"], fulltime: ["ann"] }, "ann")).toMatchObject({
      columns: [
        { name: "amount", mask: "NULL" },
        { name: "email", mask: `regexp_replace("email", '^[^@]+', '***')` },
      ],
      filter: "(active) AND (region = 'EU')",
    });
  });

  test("two different masks meeting on one user's column cannot be expressed: refused, naming the user and both rules", () => {
    const { problems } = compilePolicies(
      [
        {
          name: "a",
          access: [{ groups: ["a"], depot: "warehouse", access: "read" }],
          masks: [{ groups: ["a"], ...SALARIES, column: "email", mask: "email" }],
        },
        { name: "b", masks: [{ groups: ["b"], ...SALARIES, column: "email", mask: "hash" }] },
      ],
      depots,
      { a: ["ann"], b: ["ann"] },
    );
    expect(problems).toEqual([
      {
        scope: "grant",
        policy: "b",
        field: "masks[0].mask",
        value: "warehouse.public.salaries.email",
        problem:
          'gives user ann a second, different mask on this column (the other: Policy "a" masks[0]); Trino applies one mask per column and user',
        fix: "give the column one mask for everyone this user is reached through (user and groups), or take the user out of one of the groups",
      },
    ]);
  });

  test("a group the Cluster does not know is refused (its rules would reach nobody)", () => {
    const { problems } = compilePolicies([{ name: "p", access: [{ groups: ["analyst"], depot: "tpch", access: "read" }] }], depots, {
      analysts: ["ann"],
    });
    expect(problems.map((p) => [p.scope, p.field, p.value, p.problem])).toEqual([
      ["grant", "access[0].groups[0]", "analyst", "is not a group of this Cluster (its groups: analysts)"],
    ]);
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
  const members = { analysts: ["ann", "raj"] };

  test("masks and filters of one table merge into one rule before the grant", () => {
    const { rules, problems } = compilePolicies([analysts], depots, members);
    expect(problems).toEqual([]);
    expect(rules.tables.slice(1)).toEqual([
      {
        user: "(ann|raj)",
        catalog: "warehouse",
        schema: "public",
        table: "customers",
        privileges: ["SELECT"],
        columns: [
          { name: "card", mask: "'****'" },
          { name: "email", mask: `regexp_replace("email", '^[^@]+', '***')` },
        ],
        filter: "(active) AND (region = 'EU')",
      },
      { user: "(ann|raj)", catalog: "warehouse", privileges: ["SELECT"] },
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
      filters: [...analysts.filters!].reverse(),
      access: [...analysts.access!, { users: ["zed"], depot: "tpch", access: "read" as const }].reverse(),
    };
    const other: PolicySpec = { name: "admins", access: [{ users: ["root"], depot: "warehouse", access: "all" }] };
    const a = renderRules(
      compilePolicies(
        [{ ...analysts, access: [...analysts.access!, { users: ["zed"], depot: "tpch", access: "read" as const }] }, other],
        depots,
        members,
      ).rules,
    );
    const b = renderRules(compilePolicies([other, shuffled], [...depots].reverse(), { analysts: ["raj", "ann"] }).rules);
    expect(b).toBe(a);
  });
});

describe("compilePolicies: problems", () => {
  const problemsOf = (spec: Omit<PolicySpec, "name">) =>
    compile([{ name: "p", ...spec }]).problems.map((p) => [p.scope, p.field, p.value, p.problem]);

  test("unknown depot lists the known ones", () => {
    const [problem] = compile([{ name: "p", access: [{ users: ["a"], depot: "sales", access: "read" }] }]).problems;
    expect(problem).toEqual({
      scope: "depot",
      policy: "p",
      field: "access[0].depot",
      value: "sales",
      problem: "names no Depot of this Cluster",
      fix: 'use one of: "tpch", "warehouse"',
    });
  });

  test.each([
    [
      { access: [{ depot: "tpch", access: "read" as const }] },
      [["rule", "access[0]", { depot: "tpch", access: "read" }, "names no users, groups or service accounts"]],
    ],
    [
      { access: [{ users: ["a b"], depot: "tpch", access: "read" as const }] },
      [["rule", "access[0].users[0]", "a b", "is not a valid name"]],
    ],
    [
      { access: [{ users: ["a"], depot: "tpch", schema: "Tiny", access: "read" as const }] },
      [["rule", "access[0].schema", "Tiny", "is not a lower-case SQL identifier"]],
    ],
    [
      { access: [{ users: ["a"], depot: "tpch", table: "nation", access: "read" as const }] },
      [["rule", "access[0].schema", undefined, "is missing while table is given"]],
    ],
    [
      { access: [{ users: ["a"], depot: "tpch", access: "admin" as never }] },
      [["rule", "access[0].access", "admin", "is not an access level"]],
    ],
    [
      { masks: [{ users: ["a"], depot: "tpch", schema: "tiny", table: "nation", column: "name", mask: "null" as const }] },
      [["grant", "masks[0]", "tpch.tiny.nation", "applies to user a, who has no access to this table"]],
    ],
    [
      {
        access: [
          { users: ["a"], depot: "tpch", access: "read" as const },
          { users: ["a"], depot: "tpch", schema: "tiny", table: "nation", access: "none" as const },
        ],
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
    // Untyped input (plain JavaScript, YAML): each missing or wrong field is named.
    [
      {
        access: [{ users: ["a"], depot: "tpch", access: "read" as const }],
        filters: [{ users: ["a"], depot: "tpch", schema: "tiny", table: "nation" } as never],
      },
      [["rule", "filters[0].where", undefined, "is missing or empty"]],
    ],
    [
      {
        access: [{ users: ["a"], depot: "tpch", access: "read" as const }],
        masks: [{ users: ["a"], depot: "tpch", schema: "tiny", table: "nation", mask: "null" } as never],
      },
      [["rule", "masks[0].column", undefined, "is missing"]],
    ],
    [
      {
        access: [{ users: ["a"], depot: "tpch", access: "read" as const }],
        masks: [{ users: ["a"], depot: "tpch", schema: "tiny", table: "nation", column: "name", mask: "scramble" } as never],
      },
      [["rule", "masks[0].mask", "scramble", "is not a mask"]],
    ],
    [
      { access: [{ users: ["a"], depot: "tpch", access: "READ" as never }] },
      [["rule", "access[0].access", "READ", "is not an access level"]],
    ],
    [
      { access: [{ users: "a" as never, depot: "tpch", access: "read" as const }] },
      [
        ["rule", "access[0].users", "a", "is not a list of names"],
        ["rule", "access[0]", { users: "a", depot: "tpch", access: "read" }, "names no users, groups or service accounts"],
      ],
    ],
    [{ access: { users: ["a"] } as never }, [["rule", "access", { users: ["a"] }, "is not a list"]]],
    [
      { filters: [{ users: ["a"], schema: "tiny", table: "nation", where: "true" } as never] },
      [["rule", "filters[0].depot", undefined, "is missing"]],
    ],
  ])("%j", (spec, expected) => {
    expect(problemsOf(spec)).toEqual(expected);
  });
});

describe("compilePolicies: masks fitted to column types (Trino refuses a mask of another type)", () => {
  test.each([
    ["null", "integer", "NULL"],
    ["null", "timestamp(6)", "NULL"],
    ["redact", "varchar", "'****'"],
    ["redact", "varchar(3)", "CAST('****' AS varchar(3))"],
    ["email", "varchar(255)", `CAST(regexp_replace("c", '^[^@]+', '***') AS varchar(255))`],
    ["hash", "char(8)", `CAST(to_hex(sha256(to_utf8(CAST("c" AS varchar)))) AS char(8))`],
    ["hash", "integer", undefined],
    ["email", "date", undefined],
    ["redact", "decimal(10,2)", undefined],
    ["redact", undefined, "'****'"],
    [{ sql: "0" }, "decimal(10,2)", "0"],
  ] as const)("%j on %s", (mask, type, expected) => {
    expect(typedMaskExpression("c", mask, type)).toBe(expected);
  });

  // TPC-H's schema is fixed, so policies on it are checked without a server.
  const tpch = [{ name: "tpch", catalog: "tpch", complete: true }];
  const problemsOn = (masks: PolicySpec["masks"]) =>
    compilePolicies(
      [{ name: "p", access: [{ users: ["a"], depot: "tpch", access: "read" }], masks }],
      tpch,
      {},
      tpchColumnTypes("tpch"),
    ).problems.map((p) => [p.scope, p.field, p.value, p.problem, p.fix]);

  test("a text mask on a bigint column is refused, naming the type", () => {
    expect(problemsOn([{ users: ["a"], depot: "tpch", schema: "tiny", table: "nation", column: "nationkey", mask: "hash" }])).toEqual([
      [
        "column",
        "masks[0].mask",
        "hash",
        "produces text, but tpch.tiny.nation.nationkey is bigint, and Trino refuses a mask of another type",
        'use mask "null", or { sql: "..." } returning bigint',
      ],
    ]);
  });

  test("unknown tables and columns are refused", () => {
    expect(problemsOn([{ users: ["a"], depot: "tpch", schema: "tiny", table: "nations", column: "name", mask: "null" }])).toEqual([
      [
        "column",
        "masks[0].table",
        "tiny.nations",
        "is not a table of depot tpch",
        "use one of: customer, lineitem, nation, orders, part, partsupp, region, supplier",
      ],
    ]);
    expect(problemsOn([{ users: ["a"], depot: "tpch", schema: "sf1", table: "nation", column: "title", mask: "null" }])).toEqual([
      ["column", "masks[0].column", "title", "is not a column of tpch.sf1.nation", "use one of: comment, name, nationkey, regionkey"],
    ]);
  });

  test("a fitting mask on a bounded column is cast to its length", () => {
    const { rules, problems } = compilePolicies(
      [
        {
          name: "p",
          access: [{ users: ["a"], depot: "tpch", access: "read" }],
          masks: [{ users: ["a"], depot: "tpch", schema: "tiny", table: "customer", column: "phone", mask: "redact" }],
        },
      ],
      tpch,
      {},
      tpchColumnTypes("tpch"),
    );
    expect(problems).toEqual([]);
    expect(rules.tables[1]).toMatchObject({ columns: [{ name: "phone", mask: "CAST('****' AS varchar(15))" }] });
  });
});

describe("compilePolicies: the identity provider's groups (Kubernetes targets)", () => {
  const policies: PolicySpec[] = [
    { name: "analysts", access: [{ groups: ["analysts"], depot: "warehouse", access: "read" }] },
    {
      name: "no-orders",
      access: [
        { groups: ["contractors"], depot: "warehouse", access: "write" },
        { groups: ["contractors"], depot: "warehouse", schema: "public", table: "orders", access: "none" },
      ],
    },
    { name: "admin", access: [{ users: ["root"], depot: "tpch", access: "all" }] },
  ];

  test("without the option, a group the Cluster does not list is refused", () => {
    const { problems } = compilePolicies(policies, depots);
    expect(problems.map((p) => [p.value, p.problem])).toContainEqual(["analysts", "is not a group of this Cluster (its groups: none)"]);
  });

  test("with it, the group's rules name the group, after every user's rules; a deny comes before a grant at one object", () => {
    const { rules, problems } = compilePolicies(policies, depots, {}, {}, { identityProviderGroups: true });
    expect(problems).toEqual([]);
    expect(rules.catalogs).toEqual([
      HEALTH_CATALOG,
      { user: "root", catalog: "tpch", allow: "all" },
      { group: "contractors", catalog: "warehouse", allow: "all" },
      { group: "analysts", catalog: "warehouse", allow: "read-only" },
    ]);
    expect(rules.tables).toEqual([
      HEALTH_TABLE,
      { user: "root", catalog: "tpch", privileges: ["SELECT", "INSERT", "UPDATE", "DELETE", "OWNERSHIP", "GRANT_SELECT"] },
      // The most specific object first, whatever the group: a contractor who is also an analyst is still denied orders.
      { group: "contractors", catalog: "warehouse", schema: "public", table: "orders", privileges: [] },
      { group: "contractors", catalog: "warehouse", privileges: ["SELECT", "INSERT", "UPDATE", "DELETE", "OWNERSHIP"] },
      { group: "analysts", catalog: "warehouse", privileges: ["SELECT"] },
    ]);
  });

  test("a group the Cluster lists keeps its members' own rules", () => {
    const { rules } = compilePolicies(policies, depots, { analysts: ["ann"] }, {}, { identityProviderGroups: true });
    expect(rules.catalogs).toContainEqual({ user: "ann", catalog: "warehouse", allow: "read-only" });
    expect(JSON.stringify(rules)).not.toContain('"group":"analysts"');
  });
});
