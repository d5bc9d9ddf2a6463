// What the Azure kernel must register, and the security settings it must
// give them. Mock ids are `${name}-id`, which is how references between
// children (subnet of a cluster, identity of a storage account) are followed here.
import { Provider } from "@pulumi/azure-native/provider.js";
import { expect } from "vitest";
import type { Registered } from "../../support/mocks.js";
import { type CloudExpectations, type Environment, ofType, oneOf, prod, secretValue } from "./expectations.js";

const LOCATION = "westeurope";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIDNTCCAh2gAwIBAgIRAL\n-----END CERTIFICATE-----\n").toString("base64");
// The shape AKS returns for listClusterUserCredential on an Entra ID cluster.
const USER_KUBECONFIG = [
  "apiVersion: v1",
  "clusters:",
  "- cluster:",
  `    certificate-authority-data: ${CA}`,
  "    server: https://k8s-dev-3f9a1b2c.privatelink.westeurope.azmk8s.io:443",
  "  name: k8s-dev-cluster",
  "contexts:",
  "- context:",
  "    cluster: k8s-dev-cluster",
  "    user: clusterUser_rg_k8s-dev-cluster",
  "  name: k8s-dev-cluster",
  "current-context: k8s-dev-cluster",
  "kind: Config",
  "users:",
  "- name: clusterUser_rg_k8s-dev-cluster",
  "  user:",
  "    exec:",
  "      apiVersion: client.authentication.k8s.io/v1beta1",
  "      command: kubelogin",
  "      args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]",
  "",
].join("\n");

const ROLE = {
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
  managedIdentityOperator: "f1a07417-d97a-45cb-824c-7a7467783830",
  keyVaultCryptoUser: "12338af0-0e69-4776-bea7-57ae8d297424",
  keyVaultCryptoServiceEncryptionUser: "e147488a-f6f5-4113-8e2d-b22465e65bf6",
};
const roleId = (guid: string) => `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

const T = {
  resourceGroup: "azure-native:resources:ResourceGroup",
  vnet: "azure-native:network:VirtualNetwork",
  subnet: "azure-native:network:Subnet",
  nsg: "azure-native:network:NetworkSecurityGroup",
  publicIp: "azure-native:network:PublicIPAddress",
  nat: "azure-native:network:NatGateway",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  role: "azure-native:authorization:RoleAssignment",
  lock: "azure-native:authorization:ManagementLockByScope",
  vault: "azure-native:keyvault:Vault",
  key: "azure-native:keyvault:Key",
  secret: "azure-native:keyvault:Secret",
  cluster: "azure-native:containerservice:ManagedCluster",
  agentPool: "azure-native:containerservice:AgentPool",
  workspace: "azure-native:operationalinsights:Workspace",
  diagnostics: "azure-native:monitor:DiagnosticSetting",
  account: "azure-native:storage:StorageAccount",
  blobService: "azure-native:storage:BlobServiceProperties",
  container: "azure-native:storage:BlobContainer",
  server: "azure-native:dbforpostgresql:Server",
  configuration: "azure-native:dbforpostgresql:Configuration",
  dnsZone: "azure-native:privatedns:PrivateZone",
  dnsLink: "azure-native:privatedns:VirtualNetworkLink",
  federated: "azure-native:managedidentity:FederatedIdentityCredential",
} as const;

const named = (resources: Registered[], name: string) => {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}; found ${resources.map((r) => r.name).join(", ")}`);
  return found;
};

type Checks = CloudExpectations["capabilities"]["Network"]["secure"];
/** The role assignments of a component as [role, scope], sorted. */
function grants(resources: Registered[]): string[][] {
  return ofType(resources, T.role)
    .map((r) => [r.inputs.roleDefinitionId as string, r.inputs.scope as string])
    .sort((a, b) => a.join().localeCompare(b.join()));
}

/**
 * A customer-managed key named `${component}-key`-ish: a rotated RSA key in
 * an RBAC vault with purge protection, the one `role` granted on the key
 * alone, and the vault locked outside dev.
 */
function customerKey(resources: Registered[], environment: Environment, keyPrefix: string, role: string, vaultAcl: "Deny" | "Allow") {
  const vault = named(resources, `${keyPrefix}-vault`);
  expect(vault.inputs.properties).toMatchObject({
    tenantId: TENANT,
    enableRbacAuthorization: true,
    enableSoftDelete: true,
    enablePurgeProtection: true,
    softDeleteRetentionInDays: prod(environment) ? 90 : 7,
    networkAcls: { defaultAction: vaultAcl, bypass: "AzureServices" },
  });
  expect(vault.inputs.properties.accessPolicies ?? []).toEqual([]);
  const key = named(resources, `${keyPrefix}-key`);
  expect(key.inputs.properties).toMatchObject({
    kty: "RSA",
    rotationPolicy: { lifetimeActions: [{ trigger: { timeAfterCreate: "P90D" }, action: { type: "rotate" } }] },
  });
  expect(key.inputs.properties.keySize).toBeGreaterThanOrEqual(2048);
  expect(named(resources, `${keyPrefix}-key-access`).inputs).toEqual(
    expect.objectContaining({
      roleDefinitionId: roleId(role),
      scope: `${keyPrefix}-key-id`,
      principalType: "ServicePrincipal",
    }),
  );
  const locks = ofType(resources, T.lock).filter((l) => l.inputs.scope === `${keyPrefix}-vault-id`);
  expect(locks.map((l) => l.inputs.level)).toEqual(prod(environment) ? ["CanNotDelete"] : []);
}

/** Exactly one CanNotDelete lock on `scope` outside dev, none in dev. */
function lockedOutsideDev(resources: Registered[], environment: Environment, scope: string) {
  const locks = ofType(resources, T.lock).filter((l) => l.inputs.scope === scope);
  expect(locks.map((l) => l.inputs.level)).toEqual(prod(environment) ? ["CanNotDelete"] : []);
}

const network: Checks = [
  [
    "the VNet spans the network range; nodes and databases get their own subnets of it",
    (rs, env) => {
      expect(oneOf(rs, T.vnet).inputs.addressSpace).toEqual({ addressPrefixes: ["10.40.0.0/16"] });
      expect(named(rs, `net-${env}-nodes`).inputs.addressPrefix).toBe("10.40.0.0/17");
      expect(named(rs, `net-${env}-database`).inputs.addressPrefix).toBe("10.40.128.0/18");
    },
  ],
  [
    "no subnet has default outbound access; nodes leave through the NAT gateway",
    (rs, env) => {
      for (const subnet of ofType(rs, T.subnet)) {
        expect(subnet.inputs, subnet.name).toMatchObject({
          defaultOutboundAccess: false,
          networkSecurityGroup: { id: `net-${env}-nsg-id` },
        });
      }
      expect(named(rs, `net-${env}-nodes`).inputs.natGateway).toEqual({ id: `net-${env}-nat-id` });
      expect(oneOf(rs, T.nat).inputs).toMatchObject({ sku: { name: "Standard" }, publicIpAddresses: [{ id: `net-${env}-nat-ip-id` }] });
    },
  ],
  [
    "the only public IP is the NAT gateway's",
    (rs) => {
      expect(oneOf(rs, T.publicIp).inputs).toMatchObject({ sku: { name: "Standard" }, publicIPAllocationMethod: "Static" });
    },
  ],
  [
    "the security group denies inbound internet traffic and allows nothing of its own",
    (rs) => {
      const rules = oneOf(rs, T.nsg).inputs.securityRules as Array<Record<string, unknown>>;
      expect(rules).toEqual([
        expect.objectContaining({ direction: "Inbound", access: "Deny", sourceAddressPrefix: "Internet", destinationPortRange: "*" }),
      ]);
    },
  ],
  [
    "the database subnet is delegated to PostgreSQL flexible servers",
    (rs, env) => {
      expect(named(rs, `net-${env}-database`).inputs.delegations).toEqual([
        expect.objectContaining({ serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }),
      ]);
    },
  ],
  [
    "storage and key vaults are reached from the node subnet over service endpoints",
    (rs, env) => {
      const endpoints = (named(rs, `net-${env}-nodes`).inputs.serviceEndpoints as Array<{ service: string }>).map((e) => e.service);
      expect(endpoints.sort()).toEqual(["Microsoft.KeyVault", "Microsoft.Storage"]);
    },
  ],
];

const kubernetesCluster: Checks = [
  [
    "the API server has a private endpoint only, and no run command",
    (rs) => {
      const access = oneOf(rs, T.cluster).inputs.apiServerAccessProfile;
      expect(access).toEqual({
        enablePrivateCluster: true,
        enablePrivateClusterPublicFQDN: false,
        privateDNSZone: "system",
        disableRunCommand: true,
      });
    },
  ],
  [
    "Entra ID authentication only, authorized with Azure RBAC",
    (rs) => {
      expect(oneOf(rs, T.cluster).inputs).toMatchObject({
        aadProfile: { managed: true, enableAzureRBAC: true, tenantID: TENANT },
        disableLocalAccounts: true,
        enableRBAC: true,
      });
    },
  ],
  [
    "workload identity and the OIDC issuer are on",
    (rs) => {
      expect(oneOf(rs, T.cluster).inputs).toMatchObject({
        oidcIssuerProfile: { enabled: true },
        securityProfile: { workloadIdentity: { enabled: true } },
      });
    },
  ],
  [
    "Kubernetes secrets are encrypted with a rotated customer-managed key (KMS)",
    (rs, env) => {
      expect(oneOf(rs, T.cluster).inputs.securityProfile.azureKeyVaultKms).toMatchObject({
        enabled: true,
        keyVaultNetworkAccess: "Public",
      });
      customerKey(rs, env, `k8s-${env}-secrets-key`, ROLE.keyVaultCryptoUser, "Allow");
    },
  ],
  [
    "the control plane holds exactly its three roles, each on one resource; the kubelet identity holds none",
    (rs, env) => {
      expect(grants(rs)).toEqual(
        [
          [roleId(ROLE.keyVaultCryptoUser), `k8s-${env}-secrets-key-key-id`],
          [roleId(ROLE.networkContributor), `net-${env}-nodes-id`],
          [roleId(ROLE.managedIdentityOperator), `k8s-${env}-kubelet-identity-id`],
        ].sort((a, b) => a.join().localeCompare(b.join())),
      );
      const cluster = oneOf(rs, T.cluster).inputs;
      expect(cluster.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: [`k8s-${env}-identity-id`] });
      expect(cluster.identityProfile.kubeletidentity.resourceId).toBe(`k8s-${env}-kubelet-identity-id`);
    },
  ],
  [
    "system nodes: private subnet, no public IP, no SSH, secure boot",
    (rs, env) => {
      const [pool, ...others] = oneOf(rs, T.cluster).inputs.agentPoolProfiles;
      expect(others).toEqual([]);
      expect(pool).toMatchObject({
        mode: "System",
        vnetSubnetID: `net-${env}-nodes-id`,
        enableNodePublicIP: false,
        osSKU: "AzureLinux",
        securityProfile: { sshAccess: "Disabled", enableSecureBoot: true, enableVTPM: true },
      });
    },
  ],
  [
    "egress through the NAT gateway; network policies enforced; pod and service ranges outside the VNet",
    (rs) => {
      expect(oneOf(rs, T.cluster).inputs.networkProfile).toMatchObject({
        outboundType: "userAssignedNATGateway",
        networkPlugin: "azure",
        networkPluginMode: "overlay",
        networkPolicy: "cilium",
        podCidr: "10.244.0.0/15",
        serviceCidr: "10.246.0.0/16",
      });
    },
  ],
  [
    "API server audit logs go to Log Analytics",
    (rs, env) => {
      const setting = oneOf(rs, T.diagnostics).inputs;
      expect(setting).toMatchObject({ resourceUri: `k8s-${env}-cluster-id`, workspaceId: `k8s-${env}-audit-logs-id` });
      expect(setting.logs).toContainEqual({ category: "kube-audit-admin", enabled: true });
      expect(oneOf(rs, T.workspace).inputs).toMatchObject({ retentionInDays: prod(env) ? 90 : 30, features: { disableLocalAuth: true } });
    },
  ],
  [
    "the control plane has the uptime SLA outside dev; versions follow patches",
    (rs, env) => {
      expect(oneOf(rs, T.cluster).inputs).toMatchObject({
        sku: { tier: prod(env) ? "Standard" : "Free" },
        kubernetesVersion: "1.33",
        autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
      });
    },
  ],
  [
    "the kubeconfig is a secret and holds no credential: it runs kubelogin with the Azure CLI login",
    (rs) => {
      const kubeconfig = JSON.parse(secretValue(oneOf(rs, "pulumi:providers:kubernetes").inputs.kubeconfig) as string);
      expect(kubeconfig.clusters[0].cluster["certificate-authority-data"]).toBe(CA);
      expect(kubeconfig.users[0].user.exec).toMatchObject({
        command: "kubelogin",
        args: expect.arrayContaining(["get-token", "azurecli"]),
      });
      expect(kubeconfig.users[0].user.token).toBeUndefined();
      expect(kubeconfig.users[0].user["client-key-data"]).toBeUndefined();
    },
  ],
];

const nodePool: Checks = [
  [
    "4 cpus and 16 GiB get a Standard_D4s_v5",
    (rs) => {
      expect(oneOf(rs, T.agentPool).inputs.vmSize).toBe("Standard_D4s_v5");
    },
  ],
  [
    "labels and taints reach the nodes",
    (rs) => {
      expect(oneOf(rs, T.agentPool).inputs).toMatchObject({
        nodeLabels: { "strata.dev/compute": "analytics" },
        nodeTaints: ["strata.dev/compute=analytics:NoSchedule"],
      });
    },
  ],
  [
    "a user pool autoscaled from 1 to 3 nodes",
    (rs) => {
      expect(oneOf(rs, T.agentPool).inputs).toMatchObject({ mode: "User", enableAutoScaling: true, minCount: 1, maxCount: 3, count: 1 });
    },
  ],
  [
    "nodes in the private node subnet, no public IP, no SSH, secure boot",
    (rs, env) => {
      expect(oneOf(rs, T.agentPool).inputs).toMatchObject({
        vnetSubnetID: `net-${env}-nodes-id`,
        enableNodePublicIP: false,
        securityProfile: { sshAccess: "Disabled", enableSecureBoot: true, enableVTPM: true },
      });
    },
  ],
  [
    "nodes get no Azure role or identity of their own",
    (rs) => {
      expect(ofType(rs, T.role)).toEqual([]);
      expect(ofType(rs, T.identity)).toEqual([]);
    },
  ],
];

const objectStore: Checks = [
  [
    "no anonymous, shared-key or local-user access",
    (rs, env) => {
      expect(oneOf(rs, T.account).inputs).toMatchObject({
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        isLocalUserEnabled: false,
        isSftpEnabled: false,
        allowCrossTenantReplication: false,
      });
      expect(named(rs, `lake-${env}-container`).inputs.publicAccess).toBe("None");
    },
  ],
  [
    "reachable from the node subnet and trusted Azure services only",
    (rs, env) => {
      expect(oneOf(rs, T.account).inputs.networkRuleSet).toEqual({
        defaultAction: "Deny",
        bypass: "AzureServices",
        virtualNetworkRules: [{ virtualNetworkResourceId: `net-${env}-nodes-id`, action: "Allow" }],
      });
    },
  ],
  [
    "HTTPS only, TLS 1.2 or later",
    (rs) => {
      expect(oneOf(rs, T.account).inputs).toMatchObject({ enableHttpsTrafficOnly: true, minimumTlsVersion: "TLS1_2" });
    },
  ],
  [
    "encrypted with a rotated customer-managed key through the account's own identity, on top of infrastructure encryption",
    (rs, env) => {
      const account = oneOf(rs, T.account).inputs;
      expect(account.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: [`lake-${env}-identity-id`] });
      expect(account.encryption).toMatchObject({
        keySource: "Microsoft.Keyvault",
        encryptionIdentity: { encryptionUserAssignedIdentity: `lake-${env}-identity-id` },
        requireInfrastructureEncryption: true,
        services: { blob: { enabled: true, keyType: "Account" } },
      });
      customerKey(rs, env, `lake-${env}-key`, ROLE.keyVaultCryptoServiceEncryptionUser, "Deny");
      expect(grants(rs)).toHaveLength(1);
    },
  ],
  [
    "versioning and soft delete of blobs and containers",
    (rs, env) => {
      const days = prod(env) ? 30 : 7;
      expect(oneOf(rs, T.blobService).inputs).toMatchObject({
        isVersioningEnabled: true,
        deleteRetentionPolicy: { enabled: true, days },
        containerDeleteRetentionPolicy: { enabled: true, days },
      });
    },
  ],
  [
    "zone-redundant and locked against deletion outside dev",
    (rs, env) => {
      expect(oneOf(rs, T.account).inputs.sku).toEqual({ name: prod(env) ? "Standard_ZRS" : "Standard_LRS" });
      lockedOutsideDev(rs, env, `lake-${env}-account-id`);
    },
  ],
  [
    "the account name is valid and unique to the resource group",
    (rs) => {
      expect(oneOf(rs, T.account).inputs.accountName).toMatch(/^lake(dev|prod)[0-9a-f]{8}$/);
    },
  ],
];

const postgresServer: Checks = [
  [
    "private access only: delegated subnet, private DNS zone linked to the VNet, no public network access",
    (rs, env) => {
      expect(oneOf(rs, T.server).inputs.network).toEqual({
        delegatedSubnetResourceId: `net-${env}-database-id`,
        privateDnsZoneArmResourceId: `pg-${env}-dns-id`,
        publicNetworkAccess: "Disabled",
      });
      expect(oneOf(rs, T.dnsZone).inputs.privateZoneName).toBe(`pg-${env}.private.postgres.database.azure.com`);
      expect(oneOf(rs, T.dnsLink).inputs).toMatchObject({ virtualNetwork: { id: `net-${env}-vnet-id` }, registrationEnabled: false });
    },
  ],
  [
    "TLS 1.2 or later required; connections logged",
    (rs) => {
      const parameters = Object.fromEntries(ofType(rs, T.configuration).map((c) => [c.inputs.configurationName, c.inputs.value]));
      expect(parameters).toMatchObject({ require_secure_transport: "on", ssl_min_protocol_version: "TLSv1.2", log_connections: "on" });
    },
  ],
  [
    "storage and backups encrypted with a rotated customer-managed key through the server's own identity",
    (rs, env) => {
      const server = oneOf(rs, T.server).inputs;
      expect(server.dataEncryption).toMatchObject({ type: "AzureKeyVault", primaryUserAssignedIdentityId: `pg-${env}-identity-id` });
      expect(server.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: { [`pg-${env}-identity-id`]: {} } });
      customerKey(rs, env, `pg-${env}-key`, ROLE.keyVaultCryptoServiceEncryptionUser, "Deny");
      expect(grants(rs)).toHaveLength(1);
    },
  ],
  [
    "the administrator password is sent as a secret; Entra ID sign-in is on",
    (rs) => {
      const server = oneOf(rs, T.server).inputs;
      expect(secretValue(server.administratorLoginPassword)).toBe("not-a-real-password");
      expect(server).toMatchObject({
        administratorLogin: "strata_admin",
        authConfig: { activeDirectoryAuth: "Enabled", tenantId: TENANT },
      });
    },
  ],
  [
    "2 cpus and 8 GiB get a Standard_D2ds_v5; 50 GiB rounds up to a 64 GiB disk",
    (rs) => {
      expect(oneOf(rs, T.server).inputs).toMatchObject({
        sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
        storage: { storageSizeGB: 64, autoGrow: "Enabled" },
        version: "15",
      });
    },
  ],
  [
    "outside dev: 35 days of backups, a zone-redundant standby, a deletion lock",
    (rs, env) => {
      expect(oneOf(rs, T.server).inputs).toMatchObject({
        backup: { backupRetentionDays: prod(env) ? 35 : 7 },
        highAvailability: { mode: prod(env) ? "ZoneRedundant" : "Disabled" },
      });
      lockedOutsideDev(rs, env, `pg-${env}-server-id`);
    },
  ],
];

const secretStore: Checks = [
  [
    "the vault authorizes with Azure RBAC only",
    (rs) => {
      const properties = oneOf(rs, T.vault).inputs.properties;
      expect(properties).toMatchObject({ enableRbacAuthorization: true, tenantId: TENANT });
      expect(properties.accessPolicies ?? []).toEqual([]);
    },
  ],
  [
    "the vault admits the node subnet and trusted Azure services only",
    (rs, env) => {
      expect(oneOf(rs, T.vault).inputs.properties.networkAcls).toEqual({
        defaultAction: "Deny",
        bypass: "AzureServices",
        virtualNetworkRules: [{ id: `net-${env}-nodes-id` }],
      });
    },
  ],
  [
    "the value is sent as a secret",
    (rs) => {
      const properties = secretValue(oneOf(rs, T.secret).inputs.properties) as { value: unknown };
      expect(properties.value).toBe("not-a-real-secret");
    },
  ],
  [
    "purge protection and 90 days of soft delete outside dev; 7 days and purgeable in dev",
    (rs, env) => {
      const properties = oneOf(rs, T.vault).inputs.properties;
      expect(properties.enableSoftDelete).toBe(true);
      expect(properties.enablePurgeProtection).toBe(prod(env) ? true : undefined);
      expect(properties.softDeleteRetentionInDays).toBe(prod(env) ? 90 : 7);
    },
  ],
  [
    "the vault is locked against deletion outside dev",
    (rs, env) => {
      lockedOutsideDev(rs, env, `secret-${env}-vault-id`);
    },
  ],
];

const AKS_ISSUER = "https://westeurope.oic.prod-aks.azure.com/tenant/cluster/";

const storeAccess: Array<[string, (resources: Registered[], environment: Environment) => void]> = [
  [
    "a federated credential trusts only the Trino service account, from the cluster's OIDC issuer, for token exchange",
    (rs) => {
      expect(oneOf(rs, T.federated).inputs).toMatchObject({
        issuer: AKS_ISSUER,
        subject: "system:serviceaccount:strata:analytics-trino",
        audiences: ["api://AzureADTokenExchange"],
      });
    },
  ],
  [
    "the identity may read and write blobs of the store's container only (not the account), and nothing else",
    (rs, env) => {
      const assignments = ofType(rs, T.role).filter((r) => !r.name.startsWith(`access-${env}-lake`));
      expect(assignments).toHaveLength(1);
      expect(assignments[0]!.inputs).toMatchObject({
        scope: `${oneOf(rs, T.container).name}-id`,
        principalType: "ServicePrincipal",
        roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe`,
      });
    },
  ],
];

export default {
  package: "azure-native",
  makeProvider: (name: string) => new Provider(name, { location: LOCATION }),
  config: { "azure-native:location": LOCATION },
  calls: {
    // The deploying identity's tenant and subscription, read once by the network.
    "azure-native:authorization:getClientConfig": () => ({
      clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
      objectId: "5f6c2a1e-8f1e-4b0e-9d2c-3a7b6c1d2e3f",
      subscriptionId: SUBSCRIPTION,
      tenantId: TENANT,
    }),
    // Only source of the cluster's CA certificate.
    "azure-native:containerservice:listManagedClusterUserCredentials": () => ({
      kubeconfigs: [{ name: "clusterUser", value: Buffer.from(USER_KUBECONFIG).toString("base64") }],
    }),
  },
  outputs: {
    [T.identity]: (inputs) => ({
      clientId: `client-of-${String(inputs.resourceName ?? "identity")}`,
      principalId: "principal-of-identity",
    }),
    [T.cluster]: () => ({ oidcIssuerProfile: { enabled: true, issuerURL: AKS_ISSUER } }),
  },
  capabilities: {
    Network: { types: [T.resourceGroup, T.vnet, T.subnet, T.nsg, T.publicIp, T.nat], secure: network },
    KubernetesCluster: {
      types: [T.cluster, T.identity, T.role, T.vault, T.key, T.workspace, T.diagnostics],
      secure: kubernetesCluster,
    },
    NodePool: { types: [T.agentPool], secure: nodePool },
    ObjectStore: { types: [T.account, T.blobService, T.container, T.identity, T.vault, T.key, T.role], secure: objectStore },
    PostgresServer: {
      types: [T.server, T.configuration, T.dnsZone, T.dnsLink, T.identity, T.vault, T.key, T.role],
      secure: postgresServer,
    },
    SecretStore: { types: [T.vault, T.secret], secure: secretStore },
    StoreAccess: { types: [T.identity, T.federated, T.role], secure: storeAccess },
  },
} satisfies CloudExpectations;
