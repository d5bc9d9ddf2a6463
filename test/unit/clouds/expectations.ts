// What the shared cloud suite (capabilities.test.ts) asserts for one cloud:
// per capability, the child resource types it must create and the
// security-relevant inputs of those children.
import * as pulumi from "@pulumi/pulumi";
import { expect } from "vitest";
import type { Registered } from "../../support/mocks.js";

export const CAPABILITIES = [
  "Network",
  "KubernetesCluster",
  "NodePool",
  "ObjectStore",
  "PostgresServer",
  "SecretStore",
  "StoreAccess",
] as const;
export type CapabilityName = (typeof CAPABILITIES)[number];

/** The environment a capability was deployed in: "dev" (unprotected) or "prod" (data protected). */
export type Environment = "dev" | "prod";

export interface CapabilityCheck {
  /** Resource types (e.g. "aws:s3/bucket:Bucket") the capability must register, each at least once. */
  types: string[];
  /**
   * Security checks: a description and an assertion (vitest `expect`) over
   * every resource the capability registered (its own children only).
   */
  secure: Array<[string, (resources: Registered[], environment: Environment) => void]>;
}

export interface CloudExpectations {
  /** Package prefix of the cloud's resource types, e.g. "aws" or "azure-native". */
  readonly package: string;
  /** A provider of the cloud, passed as the caller's provider: every child must use it. */
  makeProvider(name: string): pulumi.ProviderResource;
  /** Stack config the cloud's SDK reads (region, project, location). */
  readonly config: Record<string, string>;
  /** Answers to the provider function calls (invokes) the cloud's components make, by token. */
  readonly calls?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
  /** What the cloud computes for a resource type beyond its inputs (ARNs, emails, client ids), by type. */
  readonly outputs?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
  readonly capabilities: Record<CapabilityName, CapabilityCheck>;
}

/** Resources of one type. */
export function ofType(resources: Registered[], type: string): Registered[] {
  return resources.filter((r) => r.type === type);
}

/** The one resource of a type; fails when there is none or more than one. */
export function oneOf(resources: Registered[], type: string): Registered {
  const found = ofType(resources, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}: ${resources.map((r) => r.type).join(", ")}`);
  return found[0]!;
}

/** Whether checks run for the protected environment. */
export function prod(environment: Environment): boolean {
  return environment === "prod";
}

/** The plain value of an input that must have been sent as a secret; fails if it was not. */
export function secretValue(input: unknown): unknown {
  expect(input, "sent as a secret").toMatchObject({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig });
  return (input as { value: unknown }).value;
}
