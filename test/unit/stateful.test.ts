// Stateful data is protected and retained outside dev stacks
// (docs/architecture.md, "Stateful data: protect and retain"): a program
// holding every data-bearing primitive (Database, Workspace, Secret) is
// deployed under mocks on every target, in a dev and in a prod stack, and the
// resources the engine would get with `protect` and `retainOnDelete` are
// compared with lists written out by hand. Pulumi gives a component's
// `protect` to all its children, and the Strata base copies `retainOnDelete`
// on, so a protected cloud server or secret store protects its parts unless
// a part opts out.
import { describe, expect, test } from "vitest";
import { type Registered, installMocks } from "../support/mocks.js";
import { cloudMockOptions } from "./clouds/mock-options.js";

const targets = ["local", "kubernetes", "aws", "gcp", "azure"] as const;
type Target = (typeof targets)[number];
const environments = ["dev", "prod"] as const;
const HOST = "pg.internal.example";

/** Every resource a prod stack must protect and retain, and no other. */
const PROTECTED_IN_PROD: Record<Target, string[]> = {
  // The PostgreSQL data directory, the database in it, the Workspace's directory.
  local: ["marketing-directory", "warehouse-database", "warehouse-server-data"],
  // Databases live on an existing server and a Secret only in Kubernetes: the Workspace's namespace alone.
  kubernetes: ["marketing-namespace"],
  aws: [
    "marketing-namespace",
    // The EKS cluster's key for Kubernetes secrets.
    "platform-cluster-secrets-key",
    // The Secret's Secrets Manager store; not its version, so a new value can replace it.
    "warehouse-password-store",
    "warehouse-password-store-key",
    "warehouse-password-store-secret",
    // The Database's RDS server and all its parts.
    "warehouse-server",
    "warehouse-server-db",
    "warehouse-server-key",
    "warehouse-server-params",
    "warehouse-server-sg",
    "warehouse-server-subnets",
  ],
  gcp: [
    "marketing-namespace",
    // The GKE cluster's key ring and key for Kubernetes secrets.
    "platform-cluster-key",
    "platform-cluster-keyring",
    // The Secret's Secret Manager store and its parts (not its version, so a new value can replace it).
    "warehouse-password-store",
    "warehouse-password-store-key",
    "warehouse-password-store-key-grant",
    "warehouse-password-store-keyring",
    "warehouse-password-store-secret",
    "warehouse-password-store-secrets-agent",
    // The Database's Cloud SQL server and all its parts.
    "warehouse-server",
    "warehouse-server-admin",
    "warehouse-server-key",
    "warehouse-server-key-grant",
    "warehouse-server-keyring",
    "warehouse-server-server",
    "warehouse-server-sql-agent",
  ],
  azure: [
    "marketing-namespace",
    // The AKS cluster's key vault and key for Kubernetes secrets (not the role on it, nor the lock).
    "platform-cluster-secrets-key-key",
    "platform-cluster-secrets-key-vault",
    // The Secret's key vault, the secret and the vault's lock.
    "warehouse-password-store",
    "warehouse-password-store-lock",
    "warehouse-password-store-secret",
    "warehouse-password-store-vault",
    // The Database's flexible server and all its parts, its customer key included.
    "warehouse-server",
    "warehouse-server-dns",
    "warehouse-server-dns-link",
    "warehouse-server-identity",
    "warehouse-server-key",
    "warehouse-server-key-key",
    "warehouse-server-key-key-access",
    "warehouse-server-key-lock",
    "warehouse-server-key-vault",
    "warehouse-server-lock",
    "warehouse-server-log-connections",
    "warehouse-server-log-disconnections",
    "warehouse-server-require-tls",
    "warehouse-server-server",
    "warehouse-server-tls-version",
  ],
};

/** Retained but not protected in prod, besides the above. */
const ALSO_RETAINED_IN_PROD: Record<Target, string[]> = {
  local: [],
  kubernetes: [],
  // A new value replaces the version: the one it replaces stays in the secret's history.
  aws: ["warehouse-password-store-value"],
  gcp: ["warehouse-password-store-value"],
  azure: [],
};

const mockOptions = await cloudMockOptions(HOST);
// The environment comes from the stack's name, as in a real deployment: one mocks installation per stack.
let mocks = await installMocks({ ...mockOptions, stack: "dev" });
const pulumi = await import("@pulumi/pulumi");
const { Database, Secret, Workspace, strataProgram } = await import("@strata/user-kernel");

const program = strataProgram(() => {
  const password = new Secret("warehouse-password", { value: pulumi.secret("mock-warehouse-password-31") });
  new Database("warehouse", { password });
  new Workspace("marketing");
  return {};
});

/** Deploys the program on a target under mocks; resolves with every registration. */
async function deploy(target: Target): Promise<Registered[]> {
  pulumi.runtime.setAllConfig(
    {
      "strata:target": target,
      "strata:dataDir": "/var/lib/strata/test",
      "strata:supervisorHome": "/opt/supervisor",
      "aws:region": "eu-west-1",
      "gcp:project": "acme-data",
      "gcp:region": "europe-west1",
      "azure-native:location": "westeurope",
      "strata:kubeconfig": "apiVersion: v1\nkind: Config\n",
      "strata:postgresHost": HOST,
      "strata:postgresAdminUser": "strata_admin",
      "strata:postgresAdminPassword": "mock-admin-password-77",
    },
    ["strata:kubeconfig", "strata:postgresAdminPassword"],
  );
  mocks.registered.length = 0;
  await program();
  await mocks.settle();
  return [...mocks.registered];
}

const deployed = new Map<string, Registered[]>();
for (const environment of environments) {
  if (environment !== "dev") mocks = await installMocks({ ...mockOptions, stack: environment });
  for (const target of targets) deployed.set(`${target}/${environment}`, await deploy(target));
}

const names = (registered: Registered[], keep: (r: Registered) => boolean) =>
  registered
    .filter(keep)
    .map((r) => r.name)
    .sort();

describe.each(targets)("stateful data on %s (mocks)", (target) => {
  test("prod: exactly the data-bearing resources are protected and retained", () => {
    const registered = deployed.get(`${target}/prod`)!;
    expect(names(registered, (r) => r.protect)).toEqual(PROTECTED_IN_PROD[target]);
    expect(names(registered, (r) => r.retainOnDelete)).toEqual([...PROTECTED_IN_PROD[target], ...ALSO_RETAINED_IN_PROD[target]].sort());
  });

  test("dev: the same resources exist, none protected or retained", () => {
    const registered = deployed.get(`${target}/dev`)!;
    // Management locks exist outside dev stacks only.
    const inDev = [...PROTECTED_IN_PROD[target], ...ALSO_RETAINED_IN_PROD[target]].filter((name) => !name.endsWith("-lock")).sort();
    expect(names(registered, (r) => inDev.includes(r.name))).toEqual(inDev);
    expect(names(registered, (r) => r.protect)).toEqual([]);
    expect(names(registered, (r) => r.retainOnDelete)).toEqual([]);
  });
});
