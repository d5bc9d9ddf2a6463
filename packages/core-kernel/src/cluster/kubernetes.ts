import * as pulumi from "@pulumi/pulumi";
import {
  type ChildFactory,
  HelmChartRelease,
  LocalRandomValue,
  LocalServerCertificate,
  type StoreAccess,
  capabilitiesFor,
  configMapObject,
  customObject,
  ingressPolicy,
  issuerDiscoveryBinding,
  secretObject,
  stackAuthority,
  strataLabels,
  workloadServiceAccount,
} from "@strata/cloud-kernel";
import { compilePolicies, renderRules } from "../policy/compile.js";
import {
  HTTPS_PORT,
  IDENTITY_PROVIDER_CA_DIRECTORY,
  IN_CLUSTER_JWKS_URL,
  PLAIN_PORT,
  SERVICE_ACCOUNT_CA_FILE,
  TLS_KEYSTORE_KEY,
  TRINO_CHART,
  compileTrinoHelmValues,
} from "./helm-values.js";
import { type Cluster, type ClusterNative, type ClusterSpec, depotRefs, staticColumnTypes } from "./index.js";
import { CLIENT_SECRET_ENV, renderKubernetesAuthentication, serviceCertificateNames, trinoCertificateSpec } from "./kubernetes-identity.js";
import { SHARED_SECRET_ENV, renderGroups } from "./trino-config.js";

/** The labels the chart gives a release's Trino pods (coordinator and workers). */
export function trinoPodLabels(release: string): Record<string, string> {
  return { "app.kubernetes.io/name": "trino", "app.kubernetes.io/instance": release };
}

/** The chart's service name for a release: the release name, suffixed "-trino" unless it contains it (Helm's fullname rule). */
export function trinoServiceName(release: string): string {
  return release.includes("trino") ? release : `${release}-trino`;
}

/**
 * Kubernetes targets: a Secret with the catalogs' credentials (read by Trino
 * as environment variables through `${ENV:...}`), a ConfigMap with the access
 * rules (and one with the groups), and the official Trino chart, its
 * coordinator and workers sized and placed by the Compute. The coordinator
 * serves HTTPS on 8443 with a certificate from the stack's authority; people
 * sign in with their identity provider's access token, workloads with their
 * projected service-account token (audience `trino.<namespace>.<name>`); the
 * nodes sign their own calls with a generated shared secret; and a
 * NetworkPolicy lets in only Trino's own pods and the pods of the workloads
 * its Policies name.
 */
export function deployClusterOnKubernetes(
  children: ChildFactory,
  spec: ClusterSpec,
): {
  endpoint: pulumi.Output<string>;
  port: pulumi.Output<number>;
  native: ClusterNative;
  workloadLogin: { tokenAudience: pulumi.Output<string>; caConfigMap: string; certificateAuthority: pulumi.Output<string> };
} {
  const cluster = children.platform.kubernetes!;
  const { name, depots, compute } = spec;
  const namespace = cluster.namespace;
  const labels = strataLabels("Cluster", name);
  const groups = Object.keys(spec.groups).length > 0 ? spec.groups : undefined;
  // With an identity provider, groups the Cluster does not list come from people's tokens.
  const { rules } = compilePolicies(spec.policies, depotRefs(depots), spec.groups, staticColumnTypes(depots), {
    identityProviderGroups: spec.identityProvider !== undefined,
  });
  const environment = pulumi.all(depots.map((d) => d.environment)).apply((envs) => Object.assign({}, ...envs) as Record<string, string>);
  const credentials = secretObject(children, "depot-credentials", { name: `${name}-depot-credentials`, namespace, labels }, environment);
  const accessRules = configMapObject(
    children,
    "access-rules",
    { name: `${name}-access-rules`, namespace, labels },
    { "rules.json": renderRules(rules) },
  );
  const groupsMap = groups
    ? configMapObject(children, "groups", { name: `${name}-groups`, namespace, labels }, { "groups.txt": renderGroups(groups) })
    : undefined;
  // Lakehouse stores are reached with the pods' own service account, mapped to a cloud identity (no keys).
  const stores = depots.flatMap((d) => (d.source.kind === "lakehouse" ? [d.source.storage] : []));
  const serviceAccount = `${name}-trino`;
  let storeAccess: StoreAccess | undefined;
  if (stores.length > 0) {
    const Access = capabilitiesFor(children.platform.context.target).StoreAccess!;
    storeAccess = new Access(
      children.name("store-access"),
      { platform: children.platform, network: cluster.cloud!.network, stores, cluster: cluster.cloud!.cluster, namespace, serviceAccount },
      children.options(),
    );
  }
  const identity = storeAccess
    ? storeAccess.serviceAccountAnnotations.apply((annotations) => ({ serviceAccount, annotations, podLabels: storeAccess!.podLabels }))
    : pulumi.output(undefined);
  const platform = children.platform;
  const service = trinoServiceName(name);
  // HTTPS: a certificate for the coordinator's Service names in the Secret `<name>-trino-tls`, from the
  // cluster's cert-manager when the stack names its issuer, else from the stack's own authority.
  const { tls, certificateAuthority } = serverCertificate(children, name, service, namespace, labels);
  const caConfigMap = `${name}-trino-ca`;
  const ca = configMapObject(children, "ca", { name: caConfigMap, namespace, labels }, { "ca.crt": certificateAuthority });
  const sharedSecret = new LocalRandomValue(children.name("shared-secret"), { bytes: 48 }, children.options());
  const people = spec.identityProvider;
  const securityEnvironment = secretObject(
    children,
    "security",
    { name: `${name}-trino-security`, namespace, labels },
    {
      [SHARED_SECRET_ENV]: sharedSecret.value,
      ...(people ? { [CLIENT_SECRET_ENV]: people.clientSecret.value } : {}),
    },
  );
  const idpCa = people?.certificateAuthority
    ? configMapObject(
        children,
        "identity-provider-ca",
        { name: `${name}-identity-provider-ca`, namespace, labels },
        {
          "ca.crt": people.certificateAuthority,
        },
      )
    : undefined;
  // Workloads: tokens from the cluster's own issuer, bound to this Cluster. Which workloads is known once the
  // program is declared (a Workflow declared after the Cluster is one of them).
  const tokenAudience = pulumi.output(namespace).apply((ns) => `trino.${ns}.${name}`);
  const issuer = cluster.cloud ? cluster.cloud.cluster.oidcIssuer : pulumi.output(cluster.settings.serviceAccountIssuer);
  const named = new Set(spec.serviceAccounts);
  const clients = pulumi.output(
    platform.allDeclared.then(() => platform.clusterClients.filter((c) => c.cluster === name && named.has(c.account))),
  );
  const clientsResolved = clients.apply((list) =>
    pulumi.all(list.map((c) => pulumi.all([pulumi.output(c.namespace), c.account, c.podLabels]))),
  );
  const authentication = pulumi.all([clientsResolved, issuer, tokenAudience]).apply(([list, issuer, audience]) => {
    const accounts: Record<string, string[]> = {};
    for (const [ns, account] of list) (accounts[ns] ??= []).push(account);
    return renderKubernetesAuthentication({
      ...(people
        ? {
            people: {
              issuer: people.issuer,
              clientId: people.clientId,
              userClaim: people.userClaim ?? "preferred_username",
              groupsClaim: people.groupsClaim ?? "groups",
              audiences: people.audiences ?? [],
              ...(people.certificateAuthority ? { caFile: `${IDENTITY_PROVIDER_CA_DIRECTORY}/ca.crt` } : {}),
            },
          }
        : {}),
      workloads: { issuer, jwksUrl: IN_CLUSTER_JWKS_URL, audience, caFile: SERVICE_ACCOUNT_CA_FILE, accounts },
    });
  });
  // Trino fetches the API server's public keys without credentials of its own.
  const discovery = issuerDiscoveryBinding(children, "issuer-discovery", pulumi.interpolate`${namespace}-${name}-issuer-discovery`, labels);
  // In: Trino's own pods (coordinator and workers talk to each other) and the pods of the workloads the Policies name.
  const network = ingressPolicy(children, "network-policy", {
    meta: { name: `${name}-trino`, namespace, labels },
    podLabels: trinoPodLabels(name),
    from: pulumi
      .all([pulumi.output(namespace), clientsResolved])
      .apply(([ns, list]) => [
        { namespace: ns, labels: trinoPodLabels(name) },
        ...list.map(([clientNamespace, , podLabels]) => ({ namespace: clientNamespace, labels: podLabels })),
      ]),
    ports: [HTTPS_PORT, PLAIN_PORT],
  });
  const values = pulumi
    .all([pulumi.all(depots.map((d) => pulumi.all([d.catalogName, d.catalogProperties]))), identity, authentication])
    .apply(([catalogs, identity, authentication]) =>
      compileTrinoHelmValues({
        catalogs: Object.fromEntries(catalogs),
        credentialsSecret: `${name}-depot-credentials`,
        rulesConfigMap: `${name}-access-rules`,
        ...(groups ? { groupsConfigMap: `${name}-groups` } : {}),
        security: {
          authentication,
          environmentSecret: `${name}-trino-security`,
          tlsSecret: `${name}-trino-tls`,
          ...(idpCa ? { identityProviderCaConfigMap: `${name}-identity-provider-ca` } : {}),
        },
        cpus: compute.cpus,
        podMemoryMb: compute.podMemoryMb,
        heapMb: compute.heapMb,
        workers: compute.nodes,
        placement: compute.placement,
        ...(identity === undefined ? {} : { identity }),
      }),
    );
  const release = new HelmChartRelease(
    children.name("trino"),
    { platform: children.platform, chart: TRINO_CHART, namespace, releaseName: name, values },
    children.options({
      dependsOn: [
        credentials,
        accessRules,
        tls,
        ca,
        securityEnvironment,
        discovery,
        ...(groupsMap ? [groupsMap] : []),
        ...(idpCa ? [idpCa] : []),
      ],
    }),
  );
  return {
    endpoint: pulumi.interpolate`https://${service}.${namespace}.svc.cluster.local:${HTTPS_PORT}`,
    port: pulumi.output(HTTPS_PORT),
    native: { kind: "kubernetes", release, credentials, accessRules, networkPolicy: network, ...(storeAccess ? { storeAccess } : {}) },
    workloadLogin: { tokenAudience, caConfigMap, certificateAuthority },
  };
}

/**
 * The coordinator's certificate as the Secret `<name>-trino-tls` (key
 * `tls-combined.pem`: key and chain), and the authority clients check it
 * against. With `strata:certManagerIssuer`, cert-manager issues and renews it
 * in the cluster (a Certificate object; the key never leaves the cluster);
 * otherwise the stack's authority signs it at deployment and the Secret is
 * written from here.
 */
function serverCertificate(
  children: ChildFactory,
  name: string,
  service: string,
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
): { tls: pulumi.Resource; certificateAuthority: pulumi.Output<string> } {
  const secretName = `${name}-trino-tls`;
  const issuer = children.platform.context.kubernetes.certManager;
  if (issuer) {
    const certificate = customObject(children, "cert-manager-certificate", {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: `${name}-trino`, namespace, labels },
      spec: pulumi.output(namespace).apply((ns) => trinoCertificateSpec({ issuer, secretName, service, namespace: ns, labels })),
    });
    return { tls: certificate, certificateAuthority: pulumi.output(issuer.certificateAuthority) };
  }
  const authority = stackAuthority(children.platform);
  const names = pulumi.output(namespace).apply((ns) => serviceCertificateNames(service, ns));
  const certificate = new LocalServerCertificate(
    children.name("certificate"),
    {
      authority,
      commonName: names.apply((n) => n.commonName),
      dnsNames: names.apply((n) => n.dnsNames),
      ipAddresses: [],
      inline: true,
    },
    children.options(),
  );
  const tls = secretObject(
    children,
    "tls",
    { name: secretName, namespace, labels },
    { [TLS_KEYSTORE_KEY]: certificate.keystorePem.apply((pem) => pem ?? "") },
  );
  return { tls, certificateAuthority: authority.certificatePem };
}

/**
 * What a workload needs to log in to a Cluster on Kubernetes as `user`: the
 * check that a Policy of the Cluster names it (at preview), a service account
 * of that name without a mounted token, the Cluster's authority as the
 * ConfigMap `<name>-trino-ca` of the workload's namespace, and its record
 * with the platform, so the Cluster accepts its tokens and lets its pods in.
 */
export function clusterClientObjects(
  children: ChildFactory,
  cluster: Cluster,
  workload: {
    user: string;
    primitive: string;
    name: string;
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    podLabels: Record<string, string>;
  },
) {
  const login = cluster.workloadLogin!;
  cluster.requireServiceAccount(workload.user, workload.primitive, workload.name);
  const { namespace, labels } = workload;
  const account = workloadServiceAccount(children, "service-account", { name: workload.user, namespace, labels });
  const caConfigMap = `${workload.name}-trino-ca`;
  const ca = configMapObject(children, "trino-ca", { name: caConfigMap, namespace, labels }, { "ca.crt": login.certificateAuthority });
  children.platform.clusterClients.push({
    cluster: cluster.resourceName,
    account: workload.user,
    namespace,
    podLabels: workload.podLabels,
  });
  return { account, ca, caConfigMap, tokenAudience: login.tokenAudience };
}
