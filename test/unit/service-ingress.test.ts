// A Service's TLS Ingress on a Kubernetes target, under mocks: the exact
// object (host, TLS secret, backend Service and port), and none without
// `ingress`.
import { beforeEach, describe, expect, test } from "vitest";
import { installMocks } from "../support/mocks.js";

const mocks = await installMocks({
  config: { "strata:target": "kubernetes", "strata:kubeconfig": "apiVersion: v1\nkind: Config\n", "strata:namespacePrefix": "acme-" },
});
const { Service, Workspace, strataProgram } = await import("@strata/user-kernel");

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";

beforeEach(() => {
  mocks.registered.length = 0;
});

/** Runs a program on the kubernetes target and resolves with every Ingress registered. */
async function ingresses(declare: () => void) {
  await strataProgram(() => {
    declare();
    return {};
  })();
  await mocks.settle();
  return mocks.registered.filter((r) => r.type === INGRESS);
}

describe("a Service's Ingress (kubernetes target, mocks)", () => {
  test("in the platform namespace, with the default TLS secret", async () => {
    const found = await ingresses(
      () => new Service("orders-api", { image: "ghcr.io/acme/orders-api:1.4.2", port: 9090, ingress: { host: "orders.example.com" } }),
    );
    expect(found.map((r) => r.name)).toEqual(["orders-api-workload-ingress"]);
    expect(found[0]!.inputs).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: "orders-api",
        namespace: "acme-strata",
        labels: { "app.kubernetes.io/managed-by": "strata", "strata.dev/kind": "service", "strata.dev/name": "orders-api" },
        // HTTP is redirected to HTTPS; no ingressClassName: the cluster's default IngressClass serves it.
        annotations: { "nginx.ingress.kubernetes.io/ssl-redirect": "true" },
      },
      spec: {
        tls: [{ hosts: ["orders.example.com"], secretName: "orders-api-tls" }],
        rules: [
          {
            host: "orders.example.com",
            http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "orders-api", port: { name: "http" } } } }] },
          },
        ],
      },
    });
    // The backend's port name is the Service's port of that name, which targets the container's port.
    const service = mocks.registered.find((r) => r.type === "kubernetes:core/v1:Service" && r.name === "orders-api-workload-service")!;
    expect((service.inputs.spec as { ports: unknown }).ports).toEqual([{ name: "http", port: 9090, targetPort: "http" }]);
  });

  test("in its Workspace's namespace, with the TLS secret it names", async () => {
    const found = await ingresses(() => {
      const marketing = new Workspace("marketing");
      new Service("campaigns", {
        image: "ghcr.io/acme/campaigns:2.0.1",
        workspace: marketing,
        ingress: { host: "campaigns.acme.example", tlsSecretName: "wildcard-acme-tls" },
      });
    });
    expect(found).toHaveLength(1);
    const { metadata, spec } = found[0]!.inputs as { metadata: { namespace: string; name: string }; spec: unknown };
    expect(metadata).toMatchObject({ name: "campaigns", namespace: "acme-marketing" });
    expect(spec).toEqual({
      tls: [{ hosts: ["campaigns.acme.example"], secretName: "wildcard-acme-tls" }],
      rules: [
        {
          host: "campaigns.acme.example",
          http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "campaigns", port: { name: "http" } } } }] },
        },
      ],
    });
  });

  test("none without `ingress`: the Service stays inside the cluster", async () => {
    expect(await ingresses(() => new Service("internal-api", { image: "ghcr.io/acme/internal-api:0.3.0" }))).toEqual([]);
    const services = mocks.registered.filter((r) => r.type === "kubernetes:core/v1:Service");
    expect(services.map((r) => (r.inputs.spec as { type: string }).type)).toEqual(["ClusterIP"]);
  });
});
