// YAML manifests, the pure part: the published schema is current, the demo's
// manifests load in dependency order, and every kind of bad manifest is one
// located line naming the primitive, the field, the value and the fix.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { ManifestError, keyOf, loadManifestSources, loadManifests, referencesOf } from "./load.js";

const cli = path.resolve(import.meta.dirname, "..", "..");
const stacks = path.resolve(cli, "..", "..", "stacks");

/** The problems of one manifest file's text (a throw-away path, under a root). */
function problems(text: string, environment: Parameters<typeof loadManifestSources>[1] = {}): string[] {
  try {
    loadManifestSources([{ file: "/stack/m.yaml", text }], { exists: () => true, ...environment });
  } catch (error) {
    if (error instanceof ManifestError) return [...error.problems];
    throw error;
  }
  return [];
}

const SECRET = "kind: Secret\nname: pw\nspec:\n  value: { config: pw }\n---\n";

describe("the manifest schema", () => {
  test("schemas/strata-manifest.schema.json is what the types give (run npm run build after changing types.ts)", () => {
    execFileSync(process.execPath, [path.join(cli, "scripts", "manifest-schema.mjs"), "--check"], { stdio: "pipe" });
  });

  test("is published with the package", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(cli, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("schemas");
  });
});

describe("stacks/local-yaml", () => {
  const folder = path.join(stacks, "local-yaml");

  test("loads every primitive of the demo, each after the primitives it names", () => {
    const loaded = loadManifests(folder, { root: folder });
    const order = loaded.map((m) => keyOf(m.manifest));
    expect([...order].sort()).toEqual(
      [
        "Cluster/analytics",
        "Compute/analytics-compute",
        "Contract/daily-revenue",
        "Contract/orders",
        "Database/lake-catalog",
        "Database/strata-runs",
        "Database/warehouse",
        "Depot/lake",
        "Depot/tpch",
        "LocalObjectStore/lake-files",
        "Model/sales",
        "ModelApi/sales-api",
        "Policy/admins",
        "Policy/analysts",
        "Policy/contract-checks",
        "Policy/lake-readers",
        "Policy/models",
        "Policy/pipelines",
        "Secret/warehouse-password",
        "Workflow/daily-revenue",
        "Workspace/marketing",
      ].sort(),
    );
    for (const m of loaded)
      for (const target of m.refs.values())
        expect(order.indexOf(target), `${keyOf(m.manifest)} -> ${target}`).toBeLessThan(order.indexOf(keyOf(m.manifest)));
    const cluster = loaded.find((m) => keyOf(m.manifest) === "Cluster/analytics")!;
    expect(Object.fromEntries(cluster.refs)).toMatchObject({
      "spec.depots[0]": "Database/warehouse",
      "spec.depots[1]": "Depot/tpch",
      "spec.depots[2]": "Depot/lake",
      "spec.compute": "Compute/analytics-compute",
    });
  });

  test("its migrations and contracts are the TypeScript demo's, byte for byte (copies, so the folder works wherever it is copied)", () => {
    for (const sub of ["migrations", "contracts"]) {
      const files = fs.readdirSync(path.join(stacks, "local", sub)).sort();
      expect(fs.readdirSync(path.join(folder, sub)).sort()).toEqual(files);
      for (const f of files)
        expect(fs.readFileSync(path.join(folder, sub, f), "utf8"), f).toBe(fs.readFileSync(path.join(stacks, "local", sub, f), "utf8"));
    }
  });

  test("never holds a secret value: its Secret reads stack config", () => {
    const secret = loadManifests(folder, { root: folder }).find((m) => m.manifest.kind === "Secret")!;
    expect(secret.manifest.spec).toMatchObject({ value: { config: "warehousePassword" } });
  });
});

describe("identity in manifests", () => {
  test("a Cluster's identity provider names its client secret, and a Service the Cluster it logs in to", () => {
    expect(
      referencesOf({
        kind: "Cluster",
        name: "k",
        spec: { identityProvider: { issuer: "https://login.example.com", clientId: "trino", clientSecret: "oidc" } },
      }),
    ).toEqual([{ at: ["spec", "identityProvider", "clientSecret"], ref: "oidc", kinds: ["Secret"] }]);
    expect(referencesOf({ kind: "Service", name: "api", spec: { command: ["/usr/bin/true"], cluster: "k" } })).toEqual([
      { at: ["spec", "cluster"], ref: "k", kinds: ["Cluster"] },
    ]);
  });
});

describe("bad manifests: one located line each, naming primitive, field, value and fix", () => {
  const cases: [string, string, string[]][] = [
    [
      "an unknown kind",
      "kind: Databse\nname: db\nspec: {}\n",
      [
        '/stack/m.yaml:1:1 Manifest "db": kind="Databse" is not one of the accepted values. Fix: use one of: "Cluster", "Compute", "Contract", "Database", "Depot", "LocalObjectStore", "Model", "ModelApi", "Policy", "Secret", "Service", "Workflow", "Workspace"',
      ],
    ],
    [
      "a wrong type",
      "kind: Compute\nname: c\nspec:\n  memoryMb: 2048.5\n",
      ['/stack/m.yaml:4:3 Compute "c": spec.memoryMb=2048.5 is not a whole number. Fix: give a whole number'],
    ],
    [
      "below a minimum",
      "kind: Compute\nname: c\nspec:\n  memoryMb: 512\n",
      ['/stack/m.yaml:4:3 Compute "c": spec.memoryMb=512 is not >= 1024. Fix: give a value >= 1024'],
    ],
    [
      "a missing field",
      `${SECRET}kind: Database\nname: db\nspec:\n  owner: me\n`,
      ['/stack/m.yaml:8:1 Database "db": spec.password is missing. Fix: add password: a name (Password of the owner role (a Secret))'],
    ],
    [
      "an unknown field",
      "kind: Compute\nname: c\nspec:\n  memory: 2048\n",
      [
        '/stack/m.yaml:4:3 Compute "c": spec.memory is not a field of the Compute spec. Fix: remove it, or use one of: owner, domain, description, tags, memoryMb, cpus, nodes, nodeSelector, tolerations',
      ],
    ],
    [
      "a union's wrong kind",
      "kind: Depot\nname: d\nspec:\n  source: { kind: postgres }\n",
      [
        '/stack/m.yaml:4:13 Depot "d": spec.source.kind="postgres" is not one of the accepted values. Fix: use one of: "postgresql", "memory", "tpch", "lakehouse"',
      ],
    ],
    [
      "a union branch's own error",
      "kind: Depot\nname: d\nspec:\n  source: { kind: lakehouse, metastore: m }\n",
      [
        '/stack/m.yaml:4:3 Depot "d": spec.source.storage is missing. Fix: add storage: a name (Where data files are written (a LocalObjectStore))',
      ],
    ],
    [
      "a value of none of a union's forms",
      "kind: Policy\nname: p\nspec:\n  masks: [{ depot: w, schema: s, table: t, column: c, mask: emial }]\n",
      [
        '/stack/m.yaml:4:55 Policy "p": spec.masks[0].mask="emial" is none of the accepted forms. Fix: give "null" or "redact" or "hash" or "email" or a mapping with sql',
      ],
    ],
    [
      "a literal secret (its value is never printed)",
      "kind: Secret\nname: s\nspec:\n  value: hunter2\n",
      [
        '/stack/m.yaml:4:3 Secret "s": spec.value is not read from stack config (a secret is never written in a manifest). Fix: write { config: <key> } and set the key once with `pulumi config set --secret <key>` in the stack folder',
      ],
    ],
    [
      "a bad name",
      "kind: Workspace\nname: Sales Team\nspec: {}\n",
      [
        '/stack/m.yaml:2:1 Workspace "Sales Team": name="Sales Team" is not a valid primitive name. Fix: use 1-63 characters: lower-case letters, digits and "-", starting with a letter and not ending with "-" (a reference may start with Kind/)',
      ],
    ],
    [
      "an unknown reference",
      `${SECRET}kind: Database\nname: db\nspec:\n  password: pwd\n`,
      ['/stack/m.yaml:9:3 Database "db": spec.password="pwd" names no Secret manifest. Fix: name one of: pw'],
    ],
    [
      "an identity provider's client secret that is not a Secret",
      `${SECRET}kind: Compute\nname: c\nspec: {}\n---\nkind: Cluster\nname: k\nspec:\n  identityProvider: { issuer: "https://login.example.com", clientId: trino, clientSecret: c }\n`,
      [
        '/stack/m.yaml:13:77 Cluster "k": spec.identityProvider.clientSecret="c" names a Compute, where a Secret is expected. Fix: name one of: pw',
      ],
    ],
    [
      "a Service's cluster that names no Cluster",
      "kind: Service\nname: api\nspec:\n  command: [/usr/bin/true]\n  cluster: analytics\n",
      [
        '/stack/m.yaml:5:3 Service "api": spec.cluster="analytics" names no Cluster manifest. Fix: declare a Cluster manifest with that name',
      ],
    ],
    [
      "a reference to another kind",
      `${SECRET}kind: Cluster\nname: k\nspec:\n  depots: [pw]\n`,
      [
        '/stack/m.yaml:9:12 Cluster "k": spec.depots[0]="pw" names a Secret, where a Depot or Database is expected. Fix: declare a Depot manifest with that name',
      ],
    ],
    [
      "an ambiguous reference",
      "kind: Depot\nname: w\nspec: { source: { kind: tpch } }\n---\nkind: Secret\nname: w\nspec: { value: { config: w } }\n---\nkind: Database\nname: w\nspec: { password: w }\n---\nkind: Cluster\nname: k\nspec: { depots: [w] }\n",
      [
        '/stack/m.yaml:15:18 Cluster "k": spec.depots[0]="w" is ambiguous: Depot/w and Database/w have that name. Fix: write Depot/w or Database/w',
      ],
    ],
    [
      "a cycle",
      `${SECRET}kind: Database\nname: a\nspec: { password: pw, server: b }\n---\nkind: Database\nname: b\nspec: { password: pw, server: a }\n`,
      [
        '/stack/m.yaml:12:23 Database "b": spec.server="a" makes a cycle: Database/a -> Database/b -> Database/a. Fix: remove one of these references: a primitive can only name primitives created before it',
      ],
    ],
    [
      "a name declared twice",
      "kind: Workspace\nname: w\nspec: {}\n---\nkind: Workspace\nname: w\nspec: {}\n",
      [
        '/stack/m.yaml:6:1 Workspace "w": name="w" is already declared at /stack/m.yaml:2:1. Fix: give each primitive of a kind its own name',
      ],
    ],
    [
      "a file outside the stack folder",
      "kind: Contract\nname: c\nspec: { fromFile: ../elsewhere/c.yaml, depot: d, cluster: k }\n---\nkind: Depot\nname: d\nspec: { source: { kind: tpch } }\n---\nkind: Cluster\nname: k\nspec: {}\n",
      [
        '/stack/m.yaml:3:9 Contract "c": spec.fromFile="../elsewhere/c.yaml" is outside the stack folder /stack. Fix: copy the file into the stack folder and name it relative to the manifest: a version records that folder only',
      ],
    ],
    [
      "YAML that does not parse",
      "kind: Workspace\nname: [w\n",
      ["/stack/m.yaml:3:1 Flow sequence in block collection must be sufficiently indented and end with a ]. Fix: correct the YAML syntax"],
    ],
    [
      "a document that is not a mapping",
      "- kind: Workspace\n",
      [
        '/stack/m.yaml:1:1 (document)=[{"kind":"Workspace"}] is not a manifest. Fix: write a mapping with kind (Secret, Compute, Database, Depot, LocalObjectStore, Policy, Cluster, Workspace, Contract, Workflow, Model, ModelApi, Service), name and spec',
      ],
    ],
  ];
  test.each(cases)("%s", (_name, text, expected) => {
    expect(problems(text, { root: "/stack" })).toEqual(expected);
  });

  test("a missing file named by a manifest", () => {
    expect(
      problems("kind: Database\nname: db\nspec: { password: pw, migrations: { directory: sql } }\n---\n" + SECRET.replace("---\n", ""), {
        exists: () => false,
      }),
    ).toEqual([
      '/stack/m.yaml:3:37 Database "db": spec.migrations.directory="sql" names no folder (/stack/sql). Fix: give a folder path relative to /stack/m.yaml',
    ]);
  });

  test("every problem of every file at once, in file and line order", () => {
    const all = problems("kind: Compute\nname: c\nspec: { memoryMb: 1 }\n---\nkind: Compute\nname: d\nspec: { cpus: 0 }\n");
    expect(all.map((p) => p.split(" ")[0])).toEqual(["/stack/m.yaml:3:9", "/stack/m.yaml:7:9"]);
  });
});
