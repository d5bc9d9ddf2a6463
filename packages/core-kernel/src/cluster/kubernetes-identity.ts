// Who may log in to a Cluster on Kubernetes targets, as Trino coordinator
// properties. Pure: tested without Pulumi, and the identity integration test
// starts a Trino with exactly these properties against a real OpenID Connect
// provider and real service-account tokens.
import { renderProperties } from "../depot/index.js";

/** The environment variable the coordinator reads the identity provider's client secret from (`${ENV:...}`). */
export const CLIENT_SECRET_ENV = "STRATA_OIDC_CLIENT_SECRET";

/** People: the organisation's OpenID Connect provider (Trino's OAUTH2 authenticator). */
export interface PeopleSignIn {
  /** The provider's issuer URL (its discovery document is `<issuer>/.well-known/openid-configuration`). */
  issuer: string;
  clientId: string;
  /** The token claim that names the person. */
  userClaim: string;
  /** The token claim listing the person's groups, which Policies name. */
  groupsClaim: string;
  /** Audiences accepted besides the client id. */
  audiences: string[];
  /** A PEM file of the authority that signed the provider's certificate, when it is not a public one. */
  caFile?: string;
}

/** Workloads: Kubernetes service-account tokens (Trino's JWT authenticator). */
export interface WorkloadSignIn {
  /** The cluster's service-account token issuer (`iss`). */
  issuer: string;
  /** Where its public keys are published (JWKS). */
  jwksUrl: string;
  /** The audience tokens must be bound to: the Cluster's own. */
  audience: string;
  /** A PEM file of the authority that signed the JWKS server's certificate, when it is not a public one. */
  caFile?: string;
  /** Each namespace -> the service accounts in it that log in (the workloads the Policies name). */
  accounts: Record<string, string[]>;
}

export interface KubernetesSignIn {
  people?: PeopleSignIn;
  workloads: WorkloadSignIn;
}

function escape(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A token's subject `system:serviceaccount:<namespace>:<account>` -> the
 * user `<account>`, only for the pairs listed: an account of the same name in
 * another namespace matches nothing, so it is refused.
 */
export function serviceAccountUserPattern(accounts: Record<string, string[]>): string {
  const namespaces = Object.keys(accounts)
    .sort()
    .filter((namespace) => accounts[namespace]!.length > 0)
    .map((namespace) => `${escape(namespace)}(?=:(?:${[...new Set(accounts[namespace])].sort().map(escape).join("|")})$)`);
  // Trino takes the pattern's first capturing group as the user: the namespace is matched by a
  // lookahead per namespace (its accounts only), and the one group is the account.
  return namespaces.length === 0 ? "" : `system:serviceaccount:(?:${namespaces.join("|")}):(.+)`;
}

/**
 * The coordinator's authentication properties. People (when an identity
 * provider is given) present the provider's access token; workloads their
 * projected service-account token. Plain HTTP authenticates nobody (the chart
 * keeps its HTTP port for probes and node traffic, which the internal shared
 * secret signs). A person's name can never be a workload's.
 */
export function compileKubernetesAuthentication(spec: KubernetesSignIn): Record<string, string> {
  const { people, workloads } = spec;
  const workloadNames = [...new Set(Object.values(workloads.accounts).flat())].sort();
  const properties: Record<string, string> = {
    // Service-account tokens first: a workload's login never waits on, or fails with, the identity provider.
    "http-server.authentication.type": people ? "JWT,OAUTH2" : "JWT",
    "http-server.authentication.allow-insecure-over-http": "false",
  };
  if (people) {
    Object.assign(properties, {
      "http-server.authentication.oauth2.issuer": people.issuer,
      "http-server.authentication.oauth2.client-id": people.clientId,
      "http-server.authentication.oauth2.client-secret": `\${ENV:${CLIENT_SECRET_ENV}}`,
      "http-server.authentication.oauth2.principal-field": people.userClaim,
      // Trino 476's name for the groups claim (the plain name is not a 476 property and stops the server).
      "deprecated.http-server.authentication.oauth2.groups-field": people.groupsClaim,
      // Validate the access token itself (signature, issuer, audience) rather than asking the userinfo endpoint.
      "http-server.authentication.oauth2.oidc.use-userinfo-endpoint": "false",
      ...(people.audiences.length > 0 ? { "http-server.authentication.oauth2.additional-audiences": people.audiences.join(",") } : {}),
      ...(workloadNames.length > 0
        ? { "http-server.authentication.oauth2.user-mapping.pattern": `(?!(?:${workloadNames.map(escape).join("|")})$)(.+)` }
        : {}),
      ...(people.caFile ? { "oauth2-jwk.http-client.trust-store-path": people.caFile } : {}),
    });
  }
  const pattern = serviceAccountUserPattern(workloads.accounts);
  Object.assign(properties, {
    "http-server.authentication.jwt.key-file": workloads.jwksUrl,
    "http-server.authentication.jwt.required-issuer": workloads.issuer,
    "http-server.authentication.jwt.required-audience": workloads.audience,
    "http-server.authentication.jwt.principal-field": "sub",
    // No workload named by a Policy: no subject maps to a user, so every service-account token is refused.
    "http-server.authentication.jwt.user-mapping.pattern": pattern === "" ? "(?!)(.+)" : pattern,
    ...(workloads.caFile ? { "jwk.http-client.trust-store-path": workloads.caFile } : {}),
  });
  return properties;
}

/** The same, as the lines of a properties file (the chart's `server.coordinatorExtraConfig`). */
export function renderKubernetesAuthentication(spec: KubernetesSignIn): string {
  return renderProperties(compileKubernetesAuthentication(spec));
}

/** The names a Service's certificate is for: the common name `<service>.<namespace>.svc`, and every name a pod may use. Pure. */
export function serviceCertificateNames(service: string, namespace: string): { commonName: string; dnsNames: string[] } {
  return {
    commonName: `${service}.${namespace}.svc`,
    dnsNames: [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`],
  };
}

/**
 * The cert-manager Certificate (cert-manager.io/v1) of a Cluster's
 * coordinator: the Service's names, signed by the stack's issuer, written to
 * the Secret the chart mounts, with the key and chain also in one PEM
 * (`tls-combined.pem`, cert-manager's CombinedPEM output), which is the
 * keystore Trino reads (it reloads the file within a minute of a renewal).
 * The key is made anew at every renewal. Pure.
 */
export function trinoCertificateSpec(args: {
  issuer: { kind: "Issuer" | "ClusterIssuer"; name: string };
  secretName: string;
  service: string;
  namespace: string;
  /** Labels of the Secret cert-manager writes. */
  labels: Record<string, string>;
}): Record<string, unknown> {
  const { service, namespace } = args;
  return {
    secretName: args.secretName,
    ...serviceCertificateNames(service, namespace),
    usages: ["server auth", "digital signature", "key encipherment"],
    // RSA in PKCS#8, as the stack's own authority issues them: the key format Trino's PEM keystore is tested with.
    privateKey: { algorithm: "RSA", size: 2048, encoding: "PKCS8", rotationPolicy: "Always" },
    // 90 days, renewed 30 days before they end: cert-manager's defaults, written down so that they are visible.
    duration: "2160h",
    renewBefore: "720h",
    additionalOutputFormats: [{ type: "CombinedPEM" }],
    secretTemplate: { labels: args.labels },
    issuerRef: { group: "cert-manager.io", kind: args.issuer.kind, name: args.issuer.name },
  };
}
