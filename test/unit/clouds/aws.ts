// What the AWS kernel must register, and the security settings it must give
// them. Mock ids are `${name}-id`, which is how references between children
// (subnet of a route table, key of a bucket) are followed here.
import { Provider } from "@pulumi/aws/provider.js";
import { expect } from "vitest";
import type { Registered } from "../../support/mocks.js";
import { type CloudExpectations, type Environment, ofType, oneOf, prod, secretValue } from "./expectations.js";

const REGION = "eu-west-1";
const ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];

const idOf = (r: Registered) => `${r.name}-id`;
const named = (resources: Registered[], type: string, name: string) => {
  const found = ofType(resources, type).find((r) => r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};

const T = {
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  igw: "aws:ec2/internetGateway:InternetGateway",
  nat: "aws:ec2/natGateway:NatGateway",
  eip: "aws:ec2/eip:Eip",
  routeTable: "aws:ec2/routeTable:RouteTable",
  association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  cluster: "aws:eks/cluster:Cluster",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  addon: "aws:eks/addon:Addon",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  key: "aws:kms/key:Key",
  bucket: "aws:s3/bucket:Bucket",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  db: "aws:rds/instance:Instance",
  dbSubnets: "aws:rds/subnetGroup:SubnetGroup",
  dbParams: "aws:rds/parameterGroup:ParameterGroup",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
} as const;

/**
 * The capability's one KMS key rotates and waits before deletion. (Mocks give
 * resources no ARN, so that a resource is wired to this key's ARN cannot be
 * seen here; that the key exists, that it is the only one and how it is set are.)
 */
function oneRotatedKey(resources: Registered[], environment: Environment) {
  expect(oneOf(resources, T.key).inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: prod(environment) ? 30 : 7 });
}

/** Policy ARNs attached to the role named `roleName` (attachments are named after their role), sorted. */
function policiesOf(resources: Registered[], roleName: string): string[] {
  expect(ofType(resources, T.role).map((r) => r.name)).toContain(roleName);
  return ofType(resources, T.attachment)
    .filter((a) => a.name.startsWith(`${roleName}-`))
    .map((a) => a.inputs.policyArn as string)
    .sort();
}

const privateSubnetIds = (environment: Environment) => [1, 2, 3].map((i) => `net-${environment}-private-${i}-id`);

const network: CloudExpectations["capabilities"]["Network"] = {
  types: [T.vpc, T.subnet, T.igw, T.nat, T.eip, T.routeTable, T.association, T.endpoint, T.defaultSg],
  secure: [
    [
      "the VPC has the default range and DNS",
      (rs) => {
        expect(oneOf(rs, T.vpc).inputs).toMatchObject({ cidrBlock: "10.40.0.0/16", enableDnsSupport: true, enableDnsHostnames: true });
      },
    ],
    [
      "no subnet gives instances a public address",
      (rs) => {
        for (const s of ofType(rs, T.subnet)) expect(s.inputs.mapPublicIpOnLaunch, s.name).toBe(false);
      },
    ],
    [
      "three private subnets, one per zone, carved from the range",
      (rs) => {
        const privates = ofType(rs, T.subnet).filter((s) => s.inputs.tags?.["kubernetes.io/role/internal-elb"] === "1");
        expect(privates.map((s) => s.inputs.cidrBlock)).toEqual(["10.40.0.0/18", "10.40.64.0/18", "10.40.128.0/18"]);
        expect(privates.map((s) => s.inputs.availabilityZone)).toEqual(ZONES);
      },
    ],
    [
      "private subnets reach the internet only through NAT",
      (rs) => {
        const privates = new Set(
          ofType(rs, T.subnet)
            .filter((s) => s.inputs.tags?.["kubernetes.io/role/internal-elb"] === "1")
            .map(idOf),
        );
        const tables = new Map(ofType(rs, T.routeTable).map((t) => [idOf(t), t]));
        const links = ofType(rs, T.association).filter((a) => privates.has(a.inputs.subnetId));
        expect(links).toHaveLength(3);
        for (const link of links) {
          const routes = tables.get(link.inputs.routeTableId)?.inputs.routes as Array<Record<string, unknown>>;
          expect(routes).toHaveLength(1);
          expect(routes[0]).toMatchObject({ cidrBlock: "0.0.0.0/0" });
          expect(routes[0]?.natGatewayId).toBeTruthy();
          expect(routes[0]?.gatewayId).toBeUndefined();
        }
      },
    ],
    [
      "one NAT gateway per zone in prod, a single one in dev",
      (rs, env) => {
        expect(ofType(rs, T.nat)).toHaveLength(prod(env) ? 3 : 1);
        expect(ofType(rs, T.eip)).toHaveLength(prod(env) ? 3 : 1);
      },
    ],
    [
      "the default security group is stripped of all rules",
      (rs) => {
        const sg = oneOf(rs, T.defaultSg);
        expect(sg.inputs.ingress ?? []).toEqual([]);
        expect(sg.inputs.egress ?? []).toEqual([]);
      },
    ],
    [
      "S3 traffic from private subnets uses a gateway endpoint, not NAT",
      (rs) => {
        const endpoint = oneOf(rs, T.endpoint);
        expect(endpoint.inputs).toMatchObject({ vpcEndpointType: "Gateway", serviceName: `com.amazonaws.${REGION}.s3` });
        expect(endpoint.inputs.routeTableIds).toHaveLength(3);
      },
    ],
  ],
};

const kubernetesCluster: CloudExpectations["capabilities"]["KubernetesCluster"] = {
  types: [T.cluster, T.role, T.attachment, T.rolePolicy, T.key, T.sg, T.oidc, T.addon],
  secure: [
    [
      "the API endpoint is private only, in the private subnets",
      (rs, env) => {
        const vpc = oneOf(rs, T.cluster).inputs.vpcConfig;
        expect(vpc).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: false });
        expect(vpc.publicAccessCidrs).toBeUndefined();
        expect(vpc.subnetIds).toEqual(privateSubnetIds(env));
      },
    ],
    [
      "the API security group admits HTTPS from the network only",
      (rs) => {
        expect(oneOf(rs, T.sg).inputs.ingress).toEqual([
          expect.objectContaining({ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.40.0.0/16"] }),
        ]);
      },
    ],
    [
      "Kubernetes secrets are encrypted with a rotated customer key",
      (rs, env) => {
        const encryption = oneOf(rs, T.cluster).inputs.encryptionConfig;
        expect(encryption.resources).toEqual(["secrets"]);
        expect(encryption.provider).toBeDefined();
        oneRotatedKey(rs, env);
      },
    ],
    [
      "access entries, not the aws-auth ConfigMap",
      (rs) => {
        expect(oneOf(rs, T.cluster).inputs.accessConfig).toMatchObject({ authenticationMode: "API" });
      },
    ],
    [
      "audit and authenticator logs are on",
      (rs) => {
        expect(oneOf(rs, T.cluster).inputs.enabledClusterLogTypes).toEqual(["audit", "authenticator"]);
      },
    ],
    [
      "deletion protection in prod, not in dev",
      (rs, env) => {
        expect(oneOf(rs, T.cluster).inputs.deletionProtection).toBe(prod(env));
      },
    ],
    [
      "the control plane role has only the EKS cluster policy and use of its key",
      (rs, env) => {
        expect(policiesOf(rs, `k8s-${env}-role`)).toEqual(["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);
        const statement = JSON.parse(oneOf(rs, T.rolePolicy).inputs.policy).Statement;
        expect(statement).toEqual([
          expect.objectContaining({ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"] }),
        ]);
      },
    ],
    [
      "workload identity: an IAM OIDC provider for STS",
      (rs) => {
        expect(oneOf(rs, T.oidc).inputs.clientIdLists).toEqual(["sts.amazonaws.com"]);
      },
    ],
    [
      "the VPC CNI runs under its own role, trusted by kube-system/aws-node only",
      (rs, env) => {
        expect(oneOf(rs, T.addon).inputs).toMatchObject({ addonName: "vpc-cni", resolveConflictsOnCreate: "OVERWRITE" });
        expect(policiesOf(rs, `k8s-${env}-cni-role`)).toEqual(["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]);
        const trust = JSON.parse(named(rs, T.role, `k8s-${env}-cni-role`).inputs.assumeRolePolicy);
        expect(trust.Statement).toHaveLength(1);
        expect(trust.Statement[0].Action).toBe("sts:AssumeRoleWithWebIdentity");
        expect(Object.values(trust.Statement[0].Condition.StringEquals)).toEqual([
          "system:serviceaccount:kube-system:aws-node",
          "sts.amazonaws.com",
        ]);
      },
    ],
    [
      "the kubeconfig is a secret and holds no credential: it runs aws eks get-token",
      (rs) => {
        const kubeconfig = JSON.parse(secretValue(oneOf(rs, "pulumi:providers:kubernetes").inputs.kubeconfig) as string);
        expect(kubeconfig.users[0].user.exec).toMatchObject({ command: "aws", args: expect.arrayContaining(["eks", "get-token"]) });
        expect(kubeconfig.users[0].user.token).toBeUndefined();
      },
    ],
  ],
};

const nodePool: CloudExpectations["capabilities"]["NodePool"] = {
  types: [T.nodeGroup, T.role, T.attachment, T.launchTemplate],
  secure: [
    [
      "m7i.xlarge for 4 cores and 16 GiB",
      (rs) => {
        expect(oneOf(rs, T.nodeGroup).inputs.instanceTypes).toEqual(["m7i.xlarge"]);
      },
    ],
    [
      "labels and taints reach the node group",
      (rs) => {
        const inputs = oneOf(rs, T.nodeGroup).inputs;
        expect(inputs.labels).toEqual({ "strata.dev/compute": "analytics" });
        expect(inputs.taints).toEqual([{ key: "strata.dev/compute", value: "analytics", effect: "NO_SCHEDULE" }]);
      },
    ],
    [
      "autoscaling between minNodes and maxNodes",
      (rs) => {
        expect(oneOf(rs, T.nodeGroup).inputs.scalingConfig).toEqual({ minSize: 1, maxSize: 3, desiredSize: 1 });
      },
    ],
    [
      "nodes live in the private subnets",
      (rs, env) => {
        expect(oneOf(rs, T.nodeGroup).inputs.subnetIds).toEqual(privateSubnetIds(env));
      },
    ],
    [
      "the node role holds exactly the worker and image-pull policies",
      (rs, env) => {
        expect(policiesOf(rs, `pool-${env}-role`)).toEqual([
          "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
          "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        ]);
        const trust = JSON.parse(named(rs, T.role, `pool-${env}-role`).inputs.assumeRolePolicy);
        expect(trust.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]);
      },
    ],
    [
      "instance metadata needs tokens and is out of pods' reach",
      (rs) => {
        expect(oneOf(rs, T.launchTemplate).inputs.metadataOptions).toEqual({
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
        });
      },
    ],
    [
      "root volumes are encrypted",
      (rs) => {
        const mappings = oneOf(rs, T.launchTemplate).inputs.blockDeviceMappings as Array<{ ebs: { encrypted: string } }>;
        expect(mappings.map((m) => m.ebs.encrypted)).toEqual(["true"]);
      },
    ],
  ],
};

const LAKE_BUCKET_ARN = "arn:aws:s3:::strata-lake";
const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/lake";
const OIDC_HOST = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";
const OIDC_ARN = `arn:aws:iam::111122223333:oidc-provider/${OIDC_HOST}`;

const storeAccess: CloudExpectations["capabilities"]["StoreAccess"] = {
  types: [T.role, T.rolePolicy],
  secure: [
    [
      "only the Trino service account of the cluster may assume the role, through the cluster's OIDC provider",
      (rs, env) => {
        const trust = JSON.parse(named(rs, T.role, `access-${env}-role`).inputs.assumeRolePolicy);
        expect(trust.Statement).toEqual([
          {
            Effect: "Allow",
            Principal: { Federated: OIDC_ARN },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: {
                [`${OIDC_HOST}:sub`]: "system:serviceaccount:strata:analytics-trino",
                [`${OIDC_HOST}:aud`]: "sts.amazonaws.com",
              },
            },
          },
        ]);
      },
    ],
    [
      "the role may only list, read, write and delete the store's objects and use its key; no static key exists",
      (rs, env) => {
        const policy = JSON.parse(named(rs, T.rolePolicy, `access-${env}-policy`).inputs.policy);
        expect(policy.Statement).toEqual([
          { Sid: "ListBuckets", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [LAKE_BUCKET_ARN] },
          {
            Sid: "ReadWriteObjects",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            Resource: [`${LAKE_BUCKET_ARN}/*`],
          },
          { Sid: "UseBucketKeys", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [KEY_ARN] },
        ]);
        expect(ofType(rs, "aws:iam/accessKey:AccessKey")).toEqual([]);
      },
    ],
  ],
};

const objectStore: CloudExpectations["capabilities"]["ObjectStore"] = {
  types: [T.bucket, T.key, T.publicAccess, T.ownership, T.encryption, T.versioning, T.bucketPolicy],
  secure: [
    [
      "every public access path is blocked",
      (rs) => {
        expect(oneOf(rs, T.publicAccess).inputs).toMatchObject({
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
      },
    ],
    [
      "ACLs are disabled",
      (rs) => {
        expect(oneOf(rs, T.ownership).inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
      },
    ],
    [
      "objects are encrypted with a rotated customer key, SSE-C refused",
      (rs, env) => {
        const rules = oneOf(rs, T.encryption).inputs.rules;
        expect(rules).toHaveLength(1);
        expect(rules[0]).toMatchObject({
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" },
          bucketKeyEnabled: true,
          blockedEncryptionTypes: ["SSE-C"],
        });
        oneRotatedKey(rs, env);
      },
    ],
    [
      "versioning is on",
      (rs) => {
        expect(oneOf(rs, T.versioning).inputs.versioningConfiguration).toEqual({ status: "Enabled" });
      },
    ],
    [
      "requests without TLS 1.2 are denied",
      (rs) => {
        const statements = JSON.parse(oneOf(rs, T.bucketPolicy).inputs.policy).Statement as Array<Record<string, unknown>>;
        expect(statements).toEqual([
          expect.objectContaining({
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
          expect.objectContaining({
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
          }),
        ]);
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
  types: [T.db, T.key, T.dbSubnets, T.dbParams, T.sg],
  secure: [
    [
      "no public address, private subnets only",
      (rs, env) => {
        expect(oneOf(rs, T.db).inputs.publiclyAccessible).toBe(false);
        expect(oneOf(rs, T.dbSubnets).inputs.subnetIds).toEqual(privateSubnetIds(env));
      },
    ],
    [
      "PostgreSQL is reachable from the network's range only, with no egress",
      (rs) => {
        const sg = oneOf(rs, T.sg).inputs;
        expect(sg.ingress).toEqual([
          expect.objectContaining({ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.40.0.0/16"] }),
        ]);
        expect(sg.egress ?? []).toEqual([]);
      },
    ],
    [
      "TLS 1.2 or later is forced",
      (rs) => {
        const params = oneOf(rs, T.dbParams).inputs;
        expect(params.family).toBe("postgres15");
        expect(params.parameters).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ name: "rds.force_ssl", value: "1" }),
            expect.objectContaining({ name: "ssl_min_protocol_version", value: "TLSv1.2" }),
          ]),
        );
      },
    ],
    [
      "storage is encrypted with a rotated customer key",
      (rs, env) => {
        expect(oneOf(rs, T.db).inputs).toMatchObject({ storageEncrypted: true, storageType: "gp3" });
        oneRotatedKey(rs, env);
      },
    ],
    [
      "the admin password is kept secret",
      (rs) => {
        expect(secretValue(oneOf(rs, T.db).inputs.password)).toBe("not-a-real-password");
      },
    ],
    [
      "the default size is db.m7g.large with 50 GiB",
      (rs) => {
        expect(oneOf(rs, T.db).inputs).toMatchObject({
          instanceClass: "db.m7g.large",
          allocatedStorage: 50,
          engine: "postgres",
          engineVersion: "15",
          username: "strata_admin",
        });
      },
    ],
    [
      "deletion protection, Multi-AZ, final snapshot and two weeks of backups in prod only",
      (rs, env) => {
        const db = oneOf(rs, T.db).inputs;
        expect(db.deletionProtection).toBe(prod(env));
        expect(db.multiAz).toBe(prod(env));
        expect(db.skipFinalSnapshot).toBe(!prod(env));
        expect(db.finalSnapshotIdentifier).toBe(prod(env) ? "strata-test-prod-pg-prod-final" : undefined);
        expect(db.backupRetentionPeriod).toBe(prod(env) ? 14 : 1);
      },
    ],
  ],
};

const secretStore: CloudExpectations["capabilities"]["SecretStore"] = {
  types: [T.secret, T.secretVersion, T.key],
  secure: [
    [
      "the secret is encrypted with a rotated customer key",
      (rs, env) => {
        oneRotatedKey(rs, env);
      },
    ],
    [
      "a deleted secret stays recoverable for 30 days in prod, none in dev",
      (rs, env) => {
        expect(oneOf(rs, T.secret).inputs.recoveryWindowInDays).toBe(prod(env) ? 30 : 0);
      },
    ],
    [
      "the value is stored only in the secret's version",
      (rs) => {
        expect(JSON.stringify(oneOf(rs, T.secret).inputs)).not.toContain("not-a-real-secret");
        expect(secretValue(oneOf(rs, T.secretVersion).inputs.secretString)).toBe("not-a-real-secret");
      },
    ],
  ],
};

export default {
  package: "aws",
  makeProvider: (name: string) => new Provider(name, { region: REGION }),
  config: { "aws:region": REGION },
  calls: {
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
      id: REGION,
      region: REGION,
      names: ZONES,
      zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"],
      groupNames: [REGION],
      state: "available",
    }),
  },
  outputs: {
    [T.bucket]: () => ({ arn: LAKE_BUCKET_ARN, region: REGION }),
    [T.key]: () => ({ arn: KEY_ARN }),
    [T.oidc]: () => ({ arn: OIDC_ARN }),
    [T.cluster]: () => ({ identities: [{ oidcs: [{ issuer: `https://${OIDC_HOST}` }] }] }),
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
