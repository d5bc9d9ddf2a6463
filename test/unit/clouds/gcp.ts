// What the GCP kernel must register, and the security settings it must give
// them. Mock ids are `${name}-id`, which is how references between children
// (key of a bucket, network of a subnetwork) are followed here.
import { Provider } from "@pulumi/gcp/provider.js";
import { expect } from "vitest";
import type { Registered } from "../../support/mocks.js";
import { type CloudExpectations, ofType, oneOf, prod, secretValue } from "./expectations.js";

const PROJECT = "strata-test-project";
const PROJECT_NUMBER = "123456789012";
const REGION = "europe-west1";

const idOf = (r: Registered) => `${r.name}-id`;

const T = {
  network: "gcp:compute/network:Network",
  subnetwork: "gcp:compute/subnetwork:Subnetwork",
  router: "gcp:compute/router:Router",
  nat: "gcp:compute/routerNat:RouterNat",
  globalAddress: "gcp:compute/globalAddress:GlobalAddress",
  firewall: "gcp:compute/firewall:Firewall",
  peering: "gcp:servicenetworking/connection:Connection",
  cluster: "gcp:container/cluster:Cluster",
  nodePool: "gcp:container/nodePool:NodePool",
  serviceAccount: "gcp:serviceaccount/account:Account",
  projectMember: "gcp:projects/iAMMember:IAMMember",
  serviceIdentity: "gcp:projects/serviceIdentity:ServiceIdentity",
  keyRing: "gcp:kms/keyRing:KeyRing",
  key: "gcp:kms/cryptoKey:CryptoKey",
  keyMember: "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
  bucket: "gcp:storage/bucket:Bucket",
  db: "gcp:sql/databaseInstance:DatabaseInstance",
  dbUser: "gcp:sql/user:User",
  secret: "gcp:secretmanager/secret:Secret",
  secretVersion: "gcp:secretmanager/secretVersion:SecretVersion",
} as const;

const storeAccess: CloudExpectations["capabilities"]["StoreAccess"] = {
  types: [T.serviceAccount, "gcp:storage/bucketIAMMember:BucketIAMMember", "gcp:serviceaccount/iAMMember:IAMMember"],
  secure: [
    [
      "a service account of its own may use the store's objects only, on that bucket only; no key is created",
      (rs, env) => {
        const account = ofType(rs, T.serviceAccount).find((a) => a.name === `access-${env}-account`)!;
        const email = `sa-access-${env}@${PROJECT}.iam.gserviceaccount.com`;
        expect(account.inputs.accountId).toBe(`sa-access-${env}`);
        const grant = oneOf(rs, "gcp:storage/bucketIAMMember:BucketIAMMember");
        // The one bucket here is the store's (named by the mocked cloud).
        oneOf(rs, T.bucket);
        expect(grant.inputs).toMatchObject({
          role: "roles/storage.objectUser",
          member: `serviceAccount:${email}`,
          bucket: "strata-lake-bucket",
        });
        expect(ofType(rs, T.projectMember).filter((m) => String(m.inputs.member).includes(email))).toEqual([]);
        expect(ofType(rs, "gcp:serviceaccount/key:Key")).toEqual([]);
      },
    ],
    [
      "only the Trino service account of the cluster's workload pool may impersonate it",
      (rs, env) => {
        expect(oneOf(rs, "gcp:serviceaccount/iAMMember:IAMMember").inputs).toMatchObject({
          serviceAccountId: `projects/${PROJECT}/serviceAccounts/sa-access-${env}@${PROJECT}.iam.gserviceaccount.com`,
          role: "roles/iam.workloadIdentityUser",
          member: `serviceAccount:${PROJECT}.svc.id.goog[strata/analytics-trino]`,
        });
      },
    ],
  ],
};

/**
 * The capability's one KMS key rotates every 90 days, sits in the region,
 * and exactly one identity may use it, for encryption and decryption only.
 * Returns the key's id, for following references to it.
 */
function oneRotatedKey(resources: Registered[]): string {
  expect(oneOf(resources, T.keyRing).inputs.location).toBe(REGION);
  const key = oneOf(resources, T.key);
  expect(key.inputs).toMatchObject({ keyRing: idOf(oneOf(resources, T.keyRing)), purpose: "ENCRYPT_DECRYPT", rotationPeriod: "7776000s" });
  expect(oneOf(resources, T.keyMember).inputs).toMatchObject({
    cryptoKeyId: idOf(key),
    role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
  });
  return idOf(key);
}

/** The capability creates the Google service agent its key is granted to, so the grant never names a missing account. */
function serviceAgentFor(resources: Registered[], service: string) {
  expect(oneOf(resources, T.serviceIdentity).inputs.service).toBe(service);
}

/** The single node service account and the project roles it holds, sorted. */
function nodeRoles(resources: Registered[]): string[] {
  const account = oneOf(resources, T.serviceAccount);
  const members = ofType(resources, T.projectMember);
  for (const m of members)
    expect(m.inputs).toMatchObject({
      project: PROJECT,
      member: `serviceAccount:${account.inputs.accountId}@${PROJECT}.iam.gserviceaccount.com`,
    });
  return members.map((m) => m.inputs.role as string).sort();
}

const network: CloudExpectations["capabilities"]["Network"] = {
  types: [T.network, T.subnetwork, T.router, T.nat, T.globalAddress, T.peering],
  secure: [
    [
      "a custom-mode VPC: no auto-created subnets in every region",
      (rs) => {
        expect(oneOf(rs, T.network).inputs.autoCreateSubnetworks).toBe(false);
      },
    ],
    [
      "no firewall rule opens the network (GCP's implied rule denies ingress)",
      (rs) => {
        expect(ofType(rs, T.firewall)).toEqual([]);
      },
    ],
    [
      "one private subnetwork in the region, ranges carved from the default CIDR",
      (rs, env) => {
        const subnet = oneOf(rs, T.subnetwork).inputs;
        expect(subnet).toMatchObject({ network: `net-${env}-network-id`, region: REGION, ipCidrRange: "10.40.0.0/20" });
        expect(subnet.secondaryIpRanges).toEqual([
          { rangeName: "pods", ipCidrRange: "10.40.128.0/17" },
          { rangeName: "services", ipCidrRange: "10.40.16.0/20" },
        ]);
      },
    ],
    [
      "Private Google Access and flow logs on the subnetwork",
      (rs) => {
        const subnet = oneOf(rs, T.subnetwork).inputs;
        expect(subnet.privateIpGoogleAccess).toBe(true);
        expect(subnet.logConfig).toMatchObject({ metadata: "INCLUDE_ALL_METADATA" });
        expect(subnet.logConfig.flowSampling).toBeGreaterThan(0);
      },
    ],
    [
      "outbound traffic leaves through Cloud NAT of the subnetwork, errors logged",
      (rs, env) => {
        expect(oneOf(rs, T.router).inputs).toMatchObject({ network: `net-${env}-network-id`, region: REGION });
        expect(oneOf(rs, T.nat).inputs).toMatchObject({
          region: REGION,
          natIpAllocateOption: "AUTO_ONLY",
          sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
          subnetworks: [{ name: `net-${env}-subnet-id`, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
          logConfig: { enable: true, filter: "ERRORS_ONLY" },
        });
      },
    ],
    [
      "private services access: an internal range peered with Google's services",
      (rs, env) => {
        expect(oneOf(rs, T.globalAddress).inputs).toMatchObject({
          network: `net-${env}-network-id`,
          purpose: "VPC_PEERING",
          addressType: "INTERNAL",
          address: "10.40.32.0",
          prefixLength: 20,
        });
        expect(oneOf(rs, T.peering).inputs).toMatchObject({
          network: `net-${env}-network-id`,
          service: "servicenetworking.googleapis.com",
        });
      },
    ],
  ],
};

const kubernetesCluster: CloudExpectations["capabilities"]["KubernetesCluster"] = {
  types: [T.cluster, T.serviceAccount, T.projectMember, T.keyRing, T.key, T.keyMember],
  secure: [
    [
      "private nodes and a private API endpoint, reachable from the network only",
      (rs) => {
        const cluster = oneOf(rs, T.cluster).inputs;
        expect(cluster.privateClusterConfig).toMatchObject({
          enablePrivateNodes: true,
          enablePrivateEndpoint: true,
          masterIpv4CidrBlock: "10.40.48.0/28",
        });
        expect(cluster.masterAuthorizedNetworksConfig).toEqual({
          cidrBlocks: [{ cidrBlock: "10.40.0.0/16", displayName: "10.40.0.0/16" }],
          gcpPublicCidrsAccessEnabled: false,
        });
      },
    ],
    [
      "VPC-native on the private subnetwork's secondary ranges",
      (rs, env) => {
        expect(oneOf(rs, T.cluster).inputs).toMatchObject({
          location: REGION,
          network: `net-${env}-network-id`,
          subnetwork: `net-${env}-subnet-id`,
          networkingMode: "VPC_NATIVE",
          ipAllocationPolicy: { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" },
        });
      },
    ],
    [
      "Workload Identity on, nodes only see the GKE metadata server",
      (rs) => {
        const cluster = oneOf(rs, T.cluster).inputs;
        expect(cluster.workloadIdentityConfig).toEqual({ workloadPool: `${PROJECT}.svc.id.goog` });
        expect(cluster.nodeConfig.workloadMetadataConfig).toEqual({ mode: "GKE_METADATA" });
      },
    ],
    [
      "Kubernetes secrets are encrypted with a rotated key the GKE service agent may use",
      (rs) => {
        const keyId = oneRotatedKey(rs);
        expect(oneOf(rs, T.cluster).inputs.databaseEncryption).toEqual({ state: "ENCRYPTED", keyName: keyId });
        expect(oneOf(rs, T.keyMember).inputs.member).toBe(
          `serviceAccount:service-${PROJECT_NUMBER}@container-engine-robot.iam.gserviceaccount.com`,
        );
      },
    ],
    [
      "no legacy authentication: ABAC and client certificates off, shielded nodes on",
      (rs) => {
        const cluster = oneOf(rs, T.cluster).inputs;
        expect(cluster).toMatchObject({ enableLegacyAbac: false, enableShieldedNodes: true, datapathProvider: "ADVANCED_DATAPATH" });
        expect(cluster.masterAuth).toEqual({ clientCertificateConfig: { issueClientCertificate: false } });
      },
    ],
    [
      "the temporary default pool runs as a minimal node account, not the Compute default",
      (rs) => {
        const cluster = oneOf(rs, T.cluster).inputs;
        expect(cluster.removeDefaultNodePool).toBe(true);
        expect(nodeRoles(rs)).toEqual(["roles/container.defaultNodeServiceAccount"]);
        expect(cluster.nodeConfig.serviceAccount).toBe(
          `${oneOf(rs, T.serviceAccount).inputs.accountId}@${PROJECT}.iam.gserviceaccount.com`,
        );
        expect(cluster.nodeConfig.shieldedInstanceConfig).toEqual({ enableSecureBoot: true, enableIntegrityMonitoring: true });
      },
    ],
    [
      "deletion protection in prod, not in dev",
      (rs, env) => {
        expect(oneOf(rs, T.cluster).inputs.deletionProtection).toBe(prod(env));
      },
    ],
    [
      "the kubeconfig is a secret and holds no credential: it runs gke-gcloud-auth-plugin",
      (rs) => {
        const kubeconfig = JSON.parse(secretValue(oneOf(rs, "pulumi:providers:kubernetes").inputs.kubeconfig) as string);
        expect(kubeconfig.users[0].user.exec).toMatchObject({ command: "gke-gcloud-auth-plugin", provideClusterInfo: true });
        expect(kubeconfig.users[0].user.token).toBeUndefined();
        expect(kubeconfig.clusters[0].cluster.server).toMatch(/^https:\/\//);
      },
    ],
  ],
};

const nodePool: CloudExpectations["capabilities"]["NodePool"] = {
  types: [T.nodePool, T.serviceAccount, T.projectMember],
  secure: [
    [
      "n2-standard-4 for 4 cores and 16 GiB",
      (rs) => {
        expect(oneOf(rs, T.nodePool).inputs.nodeConfig.machineType).toBe("n2-standard-4");
      },
    ],
    [
      "labels and taints reach the node pool",
      (rs) => {
        const config = oneOf(rs, T.nodePool).inputs.nodeConfig;
        expect(config.labels).toEqual({ "strata.dev/compute": "analytics" });
        expect(config.taints).toEqual([{ key: "strata.dev/compute", value: "analytics", effect: "NO_SCHEDULE" }]);
      },
    ],
    [
      "autoscaling between minNodes and maxNodes in total",
      (rs) => {
        expect(oneOf(rs, T.nodePool).inputs.autoscaling).toEqual({
          totalMinNodeCount: 1,
          totalMaxNodeCount: 3,
          locationPolicy: "BALANCED",
        });
      },
    ],
    [
      "private nodes of the cluster, in its region",
      (rs) => {
        const pool = oneOf(rs, T.nodePool).inputs;
        expect(pool.networkConfig).toEqual({ enablePrivateNodes: true });
        expect(pool.location).toBe(REGION);
      },
    ],
    [
      "nodes run as their own account holding exactly the minimal node role",
      (rs) => {
        expect(nodeRoles(rs)).toEqual(["roles/container.defaultNodeServiceAccount"]);
        const account = oneOf(rs, T.serviceAccount).inputs.accountId as string;
        expect(account).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
        expect(oneOf(rs, T.nodePool).inputs.nodeConfig.serviceAccount).toBe(`${account}@${PROJECT}.iam.gserviceaccount.com`);
      },
    ],
    [
      "shielded nodes, GKE metadata server, no legacy metadata endpoints",
      (rs) => {
        const config = oneOf(rs, T.nodePool).inputs.nodeConfig;
        expect(config.shieldedInstanceConfig).toEqual({ enableSecureBoot: true, enableIntegrityMonitoring: true });
        expect(config.workloadMetadataConfig).toEqual({ mode: "GKE_METADATA" });
        expect(config.metadata).toEqual({ "disable-legacy-endpoints": "true" });
      },
    ],
    [
      "nodes are repaired and upgraded automatically",
      (rs) => {
        expect(oneOf(rs, T.nodePool).inputs.management).toEqual({ autoRepair: true, autoUpgrade: true });
      },
    ],
  ],
};

const objectStore: CloudExpectations["capabilities"]["ObjectStore"] = {
  types: [T.bucket, T.keyRing, T.key, T.keyMember],
  secure: [
    [
      "public access prevention enforced and uniform bucket-level access (no ACLs)",
      (rs) => {
        expect(oneOf(rs, T.bucket).inputs).toMatchObject({ publicAccessPrevention: "enforced", uniformBucketLevelAccess: true });
      },
    ],
    [
      "objects are encrypted with a rotated key the Cloud Storage agent may use",
      (rs) => {
        const keyId = oneRotatedKey(rs);
        expect(oneOf(rs, T.bucket).inputs.encryption).toEqual({ defaultKmsKeyName: keyId });
        expect(oneOf(rs, T.keyMember).inputs.member).toBe(
          `serviceAccount:service-${PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com`,
        );
      },
    ],
    [
      "versioning is on",
      (rs) => {
        expect(oneOf(rs, T.bucket).inputs.versioning).toEqual({ enabled: true });
      },
    ],
    [
      "a regional bucket in the network's region",
      (rs) => {
        expect(oneOf(rs, T.bucket).inputs.location).toBe(REGION);
      },
    ],
    [
      "a non-empty bucket is force-destroyed in dev only",
      (rs, env) => {
        expect(oneOf(rs, T.bucket).inputs.forceDestroy).toBe(!prod(env));
      },
    ],
  ],
};

const postgresServer: CloudExpectations["capabilities"]["PostgresServer"] = {
  types: [T.db, T.dbUser, T.serviceIdentity, T.keyRing, T.key, T.keyMember],
  secure: [
    [
      "a private IP only, on the network's private services range",
      (rs, env) => {
        expect(oneOf(rs, T.db).inputs.settings.ipConfiguration).toMatchObject({
          ipv4Enabled: false,
          privateNetwork: `net-${env}-network-id`,
        });
        expect(oneOf(rs, T.db).inputs.settings.ipConfiguration.authorizedNetworks).toBeUndefined();
      },
    ],
    [
      "TLS is required for every connection",
      (rs) => {
        expect(oneOf(rs, T.db).inputs.settings.ipConfiguration.sslMode).toBe("ENCRYPTED_ONLY");
      },
    ],
    [
      "storage is encrypted with a rotated key the Cloud SQL agent may use",
      (rs) => {
        const keyId = oneRotatedKey(rs);
        expect(oneOf(rs, T.db).inputs.encryptionKeyName).toBe(keyId);
        serviceAgentFor(rs, "sqladmin.googleapis.com");
      },
    ],
    [
      "the default size is 2 cores, 8 GiB, 50 GiB of SSD, PostgreSQL 15",
      (rs) => {
        const db = oneOf(rs, T.db).inputs;
        expect(db).toMatchObject({ databaseVersion: "POSTGRES_15", region: REGION });
        expect(db.settings).toMatchObject({ edition: "ENTERPRISE", tier: "db-custom-2-8192", diskType: "PD_SSD", diskSize: 50 });
        expect(oneOf(rs, T.dbUser).inputs).toMatchObject({ name: "strata_admin", type: "BUILT_IN" });
        expect(secretValue(oneOf(rs, T.dbUser).inputs.password)).toBe("not-a-real-password");
      },
    ],
    [
      "backups with point-in-time recovery; connections and lock waits logged",
      (rs) => {
        const settings = oneOf(rs, T.db).inputs.settings;
        expect(settings.backupConfiguration).toMatchObject({ enabled: true, pointInTimeRecoveryEnabled: true });
        expect(settings.databaseFlags).toEqual(
          expect.arrayContaining([
            { name: "log_connections", value: "on" },
            { name: "log_disconnections", value: "on" },
            { name: "log_lock_waits", value: "on" },
          ]),
        );
      },
    ],
    [
      "deletion protection, a regional standby and backups kept after deletion in prod only",
      (rs, env) => {
        const db = oneOf(rs, T.db).inputs;
        expect(db.deletionProtection).toBe(prod(env));
        expect(db.settings.deletionProtectionEnabled).toBe(prod(env));
        expect(db.settings.retainBackupsOnDelete).toBe(prod(env));
        expect(db.settings.availabilityType).toBe(prod(env) ? "REGIONAL" : "ZONAL");
      },
    ],
  ],
};

const secretStore: CloudExpectations["capabilities"]["SecretStore"] = {
  types: [T.secret, T.secretVersion, T.serviceIdentity, T.keyRing, T.key, T.keyMember],
  secure: [
    [
      "the secret stays in the region, encrypted with a rotated key the Secret Manager agent may use",
      (rs) => {
        const keyId = oneRotatedKey(rs);
        expect(oneOf(rs, T.secret).inputs.replication).toEqual({
          userManaged: { replicas: [{ location: REGION, customerManagedEncryption: { kmsKeyName: keyId } }] },
        });
        serviceAgentFor(rs, "secretmanager.googleapis.com");
      },
    ],
    [
      "deletion protection in prod, not in dev",
      (rs, env) => {
        expect(oneOf(rs, T.secret).inputs.deletionProtection).toBe(prod(env));
      },
    ],
    [
      "the value is stored only in the secret's version",
      (rs, env) => {
        expect(JSON.stringify(oneOf(rs, T.secret).inputs)).not.toContain("not-a-real-secret");
        expect(oneOf(rs, T.secretVersion).inputs.secret).toBe(`secret-${env}-secret-id`);
        expect(secretValue(oneOf(rs, T.secretVersion).inputs.secretData)).toBe("not-a-real-secret");
      },
    ],
  ],
};

export default {
  package: "gcp",
  makeProvider: (name: string) => new Provider(name, { project: PROJECT, region: REGION }),
  config: { "gcp:project": PROJECT, "gcp:region": REGION },
  calls: {
    // What the provider reports of itself: the network places everything in its region and project.
    "gcp:organizations/getClientConfig:getClientConfig": () => ({
      id: `projects/${PROJECT}/regions/${REGION}/zones/${REGION}-b`,
      project: PROJECT,
      region: REGION,
      zone: `${REGION}-b`,
      accessToken: "ya29.not-a-real-token",
      defaultLabels: {},
    }),
    // The GKE service agent is named after the project number.
    "gcp:organizations/getProject:getProject": () => ({
      id: `projects/${PROJECT}`,
      projectId: PROJECT,
      number: PROJECT_NUMBER,
      name: PROJECT,
      orgId: "",
      folderId: "",
      billingAccount: "",
      autoCreateNetwork: true,
      deletionPolicy: "PREVENT",
      labels: {},
      effectiveLabels: {},
      pulumiLabels: {},
      tags: {},
    }),
    "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": () => ({
      id: `service-${PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com`,
      emailAddress: `service-${PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com`,
      member: `serviceAccount:service-${PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com`,
      project: PROJECT,
    }),
  },
  outputs: {
    [T.bucket]: (inputs) => ({ name: inputs.name ?? "strata-lake-bucket" }),
    [T.serviceAccount]: (inputs) => ({
      email: `${String(inputs.accountId)}@${PROJECT}.iam.gserviceaccount.com`,
      name: `projects/${PROJECT}/serviceAccounts/${String(inputs.accountId)}@${PROJECT}.iam.gserviceaccount.com`,
    }),
  },
  capabilities: {
    Network: network,
    KubernetesCluster: kubernetesCluster,
    NodePool: nodePool,
    ObjectStore: objectStore,
    PostgresServer: postgresServer,
    SecretStore: secretStore,
    StoreAccess: storeAccess,
  },
} satisfies CloudExpectations;
