import { describe, expect, test } from "vitest";
import {
  IssueCollector,
  StrataValidationError,
  contextFromConfig,
  formatIssue,
  isDevEnvironment,
  showValue,
  statefulOptions,
  toIdentifier,
  validateName,
} from "@strata/cloud-kernel";

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

describe("validateName", () => {
  test.each(["a", "orders", "orders-db", "db2", "a".repeat(63)])("accepts %s", (name) => {
    expect(validateName("Secret", name)).toEqual([]);
  });

  test.each([
    ["", "is empty"],
    ["Orders", "cannot be used"],
    ["orders_db", "cannot be used"],
    ["orders-", "cannot be used"],
    ["1orders", "cannot be used"],
    ["a/b", "cannot be used"],
    ["..", "cannot be used"],
    ["with space", "cannot be used"],
    ["a".repeat(64), "cannot be used"],
  ])("rejects %j", (name, problem) => {
    const [issue, ...rest] = validateName("Secret", name);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ primitive: "Secret", name, field: "name", value: name });
    expect(issue?.problem).toContain(problem);
    expect(issue?.fix).toMatch(/lower-case letters, digits and "-"/);
  });

  test("reports another field against the primitive's own name", () => {
    expect(validateName("LocalSecretStore", "store", "fileName", "Bad Name")).toEqual([
      expect.objectContaining({ name: "store", field: "fileName", value: "Bad Name" }),
    ]);
  });

  test("maps names to Trino identifiers", () => {
    expect(toIdentifier("orders-db-2")).toBe("orders_db_2");
  });
});

describe("validation errors", () => {
  test("one issue reads as one line naming primitive, field, value and fix", () => {
    const checks = new IssueCollector("Secret", "db");
    checks.add("value", "", "is empty", "give a non-empty value");
    expect(new StrataValidationError(checks.issues).message).toBe('Secret "db": value="" is empty. Fix: give a non-empty value');
  });

  test("several issues are listed together", () => {
    const checks = new IssueCollector("Depot", "x");
    checks.add("a", 1, "is wrong", "fix a");
    checks.add("b", 2, "is wrong", "fix b");
    const error = new StrataValidationError(checks.issues);
    expect(error.message).toBe('2 problems:\n  - Depot "x": a=1 is wrong. Fix: fix a\n  - Depot "x": b=2 is wrong. Fix: fix b');
    expect(error.issues).toHaveLength(2);
    expect(error).toBeInstanceOf(Error);
  });

  test("sensitive values are never printed", () => {
    const issue = { primitive: "Secret", name: "db", field: "value", value: "hunter2", problem: "is weak", fix: "longer", sensitive: true };
    expect(formatIssue(issue)).not.toContain("hunter2");
    expect(formatIssue(issue)).toContain("[secret]");
  });

  test.each([
    [undefined, "undefined"],
    ["x", '"x"'],
    [{ a: 1 }, '{"a":1}'],
    ["y".repeat(200), `"${"y".repeat(78)}…`],
  ])("shows %j as %s", (value, shown) => {
    expect(showValue(value)).toBe(shown);
  });
});

describe("environments", () => {
  test.each(["dev", "test", "dev-alice", "test-ci-7"])("%s is a dev environment", (env) => {
    expect(isDevEnvironment(env)).toBe(true);
    expect(statefulOptions(env)).toEqual({ protect: false, retainOnDelete: false });
  });

  test.each(["prod", "staging", "eu-prod", "develop", "dev_", "production-dev"])("%s keeps its data", (env) => {
    expect(isDevEnvironment(env)).toBe(false);
    expect(statefulOptions(env)).toEqual({ protect: true, retainOnDelete: true });
  });
});

describe("contextFromConfig", () => {
  test("defaults: local target, stack name as environment, data under the home directory", () => {
    const context = contextFromConfig(config({}), "proj", "prod");
    expect(context.target).toBe("local");
    expect(context.environment).toBe("prod");
    expect(context.dataDir).toMatch(/\/\.local\/share\/strata\/proj\/prod$/);
  });

  test("reads strata:* config", () => {
    const values = { target: "local", environment: "dev", dataDir: "/srv/x/../data", trinoHome: "/opt/trino", javaHome: "/opt/jdk" };
    expect(contextFromConfig(config(values), "p", "s")).toEqual({
      target: "local",
      environment: "dev",
      dataDir: "/srv/data",
      tools: { postgresBin: "/usr/lib/postgresql/15/bin", trinoHome: "/opt/trino", javaHome: "/opt/jdk" },
      kubernetes: {
        namespacePrefix: "",
        nodeSelector: {},
        tolerations: [],
        helmCharts: "install",
        awaitWorkloads: true,
        serviceAccountIssuer: "https://kubernetes.default.svc",
      },
    });
  });

  test("an OpenLineage endpoint must be an http(s) URL", () => {
    expect(contextFromConfig(config({ lineageUrl: "http://marquez:5000" }), "p", "s").lineageUrl).toBe("http://marquez:5000");
    expect(() => contextFromConfig(config({ lineageUrl: "marquez:5000" }), "p", "s")).toThrow(
      'Stack config "p/s": strata:lineageUrl="marquez:5000" is not an http(s) URL. Fix: give the OpenLineage endpoint\'s base URL',
    );
  });

  test("reads and checks the Kubernetes settings", () => {
    const values = {
      target: "kubernetes",
      namespacePrefix: "acme-",
      nodeSelector: '{"pool":"data"}',
      tolerations: '[{"key":"dedicated","value":"data","effect":"NoSchedule"}]',
      helmCharts: "values",
      awaitWorkloads: "false",
      serviceAccountIssuer: "https://oidc.example.com/cluster-7",
    };
    expect(contextFromConfig(config(values), "p", "s").kubernetes).toEqual({
      namespacePrefix: "acme-",
      nodeSelector: { pool: "data" },
      tolerations: [{ key: "dedicated", value: "data", effect: "NoSchedule" }],
      helmCharts: "values",
      awaitWorkloads: false,
      serviceAccountIssuer: "https://oidc.example.com/cluster-7",
    });
    const bad = {
      target: "kubernetes",
      namespacePrefix: "Acme",
      nodeSelector: '{"pool":"a b"}',
      tolerations: "[1]",
      helmCharts: "maybe",
      awaitWorkloads: "no",
      serviceAccountIssuer: "kubernetes.default.svc",
    };
    const message = String(
      (() => {
        try {
          contextFromConfig(config(bad), "p", "s");
        } catch (e) {
          return e;
        }
      })(),
    );
    for (const key of [
      "strata:namespacePrefix",
      "strata:nodeSelector.pool",
      "strata:tolerations",
      "strata:helmCharts",
      "strata:awaitWorkloads",
      'strata:serviceAccountIssuer="kubernetes.default.svc" is not an https URL',
    ])
      expect(message).toContain(key);
  });

  test("a cert-manager issuer: ClusterIssuer or Issuer with a name, and always its authority's certificate", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    const read = (values: Record<string, string>) => contextFromConfig(config({ target: "kubernetes", ...values }), "p", "s").kubernetes;
    expect(read({ certManagerIssuer: "ClusterIssuer/internal-ca", certManagerIssuerCertificate: `${pem}\n\n` }).certManager).toEqual({
      kind: "ClusterIssuer",
      name: "internal-ca",
      certificateAuthority: `${pem}\n`,
    });
    expect(read({}).certManager).toBeUndefined();
    expect(() => read({ certManagerIssuer: "Issuer/team-ca" })).toThrow(
      "strata:certManagerIssuerCertificate=undefined is missing: workloads must know which authority signs the Cluster's certificate",
    );
    expect(() => read({ certManagerIssuer: "CertIssuer/x", certManagerIssuerCertificate: pem })).toThrow(
      'strata:certManagerIssuer="CertIssuer/x" is not a cert-manager issuer reference. Fix: give ClusterIssuer/<name>',
    );
    expect(() => read({ certManagerIssuer: "Issuer/x", certManagerIssuerCertificate: "not a pem" })).toThrow(
      'strata:certManagerIssuerCertificate="(not a PEM certificate)" is not a PEM certificate',
    );
    expect(() => read({ certManagerIssuerCertificate: pem })).toThrow("strata:certManagerIssuerCertificate");
  });

  test("rejects an unknown target, a bad environment and a relative data directory at once", () => {
    let error: unknown;
    try {
      contextFromConfig(config({ target: "mainframe", environment: "Prod!", dataDir: "data", trinoHome: "trino" }), "p", "s");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StrataValidationError);
    const issues = (error as StrataValidationError).issues;
    expect(issues.map((i) => [i.field, i.value])).toEqual([
      ["strata:target", "mainframe"],
      ["strata:environment", "Prod!"],
      ["strata:dataDir", "data"],
      ["strata:trinoHome", "trino"],
    ]);
    expect((error as Error).message).toContain('Stack config "p/s": strata:target="mainframe"');
    expect((error as Error).message).toContain("pulumi config set strata:target local");
  });
});
