import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The optional peer dependencies (provider SDKs), and the targets that need each. */
export const OPTIONAL_PEERS = {
  "@pulumi/aws": "aws",
  "@pulumi/gcp": "gcp",
  "@pulumi/azure-native": "azure",
  "@pulumi/kubernetes": "kubernetes, aws, gcp and azure",
} as const;

export type OptionalPeer = keyof typeof OPTIONAL_PEERS;

/** The range of a peer this package declares (its package.json), for the error's fix. */
function declaredRange(pkg: OptionalPeer): string | undefined {
  try {
    const own = require("../../package.json") as { peerDependencies?: Record<string, string> };
    return own.peerDependencies?.[pkg];
  } catch {
    return undefined;
  }
}

/** Thrown when a target needs a provider SDK the program's project has not installed. */
export class MissingPeerError extends Error {
  constructor(
    readonly pkg: OptionalPeer,
    cause: unknown,
  ) {
    const range = declaredRange(pkg);
    super(
      `${pkg} is not installed, and the ${OPTIONAL_PEERS[pkg]} target${pkg === "@pulumi/kubernetes" ? "s need" : " needs"} it ` +
        `(it is an optional peer dependency of @strata/cloud-kernel: the local target does without it). ` +
        `Fix: npm install ${pkg}${range ? `@"${range}"` : ""} in the program's project`,
      { cause },
    );
    this.name = "MissingPeerError";
  }
}

function isMissing(error: unknown, specifier: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === "MODULE_NOT_FOUND" && typeof e.message === "string" && e.message.includes(`'${specifier}'`);
}

/** Loads a module of a provider SDK now; a missing SDK is a {@link MissingPeerError}. */
export function requirePeer<T>(pkg: OptionalPeer, specifier: string): T {
  try {
    return require(specifier) as T;
  } catch (error) {
    if (isMissing(error, specifier)) throw new MissingPeerError(pkg, error);
    throw error;
  }
}

/**
 * A module of a provider SDK, loaded at its first use: importing the cloud
 * kernel loads none of them, so a program on the local target needs none
 * installed, and a program on a cloud target loads only its cloud's. The
 * provider SDKs are CommonJS packages, loaded with `require` from the same
 * place an `import` would resolve them.
 *
 * ```ts
 * import type * as ec2Module from "@pulumi/aws/ec2/index.js";
 * const ec2 = lazyPeer<typeof ec2Module>("@pulumi/aws", "@pulumi/aws/ec2/index.js");
 * new ec2.Vpc(...); // loads @pulumi/aws/ec2 here
 * ```
 */
export function lazyPeer<T extends object>(pkg: OptionalPeer, specifier: string): T {
  let loaded: T | undefined;
  const load = (): T => (loaded ??= requirePeer<T>(pkg, specifier));
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(load(), key) as unknown,
    has: (_target, key) => Reflect.has(load(), key),
  });
}
