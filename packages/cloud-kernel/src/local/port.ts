import * as pulumi from "@pulumi/pulumi";

interface PortOutputs {
  port: number;
}

/** Asks the kernel for a free port on 127.0.0.1. */
async function pickFreePort(): Promise<number> {
  const net = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const freePortProvider: pulumi.dynamic.ResourceProvider<Record<string, never>, PortOutputs> = {
  async create() {
    const port = await pickFreePort();
    return { id: String(port), outs: { port } };
  },
  // No update: the port is chosen once and kept for the life of the resource.
};

/**
 * A TCP port on 127.0.0.1 picked free when first deployed and then kept, so
 * later deployments see no change. Used when a primitive is given no port.
 */
export class FreePort extends pulumi.dynamic.Resource {
  declare readonly port: pulumi.Output<number>;

  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(freePortProvider, name, { port: undefined }, opts, "strata-local", "FreePort");
  }
}
