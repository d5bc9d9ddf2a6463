// One-time migration of a stack deployed by a Strata version whose local
// resources were Pulumi dynamic resources (type
// `pulumi-nodejs:dynamic/strata-local:<Type>`, provider code in state) to the
// `strata` provider plugin (type `strata:local:<Type>`). Rewriting the state
// keeps every resource, and the data it stands for, where it is: letting the
// engine see the old resources leave and new ones arrive would delete and
// recreate them (a database included). Pure.

const LEGACY_PREFIX = "pulumi-nodejs:dynamic/strata-local:";

/** A resource of a deployment, as `pulumi stack export` writes it (the fields we touch). */
interface StateResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  provider?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What the migration did: the resources rewritten, old URN -> new. */
export interface MigrationReport {
  readonly migrated: ReadonlyArray<{ from: string; to: string }>;
}

/** True when a deployment holds local resources of the dynamic-provider era. */
export function needsMigration(deployment: { resources?: StateResource[] } | undefined): boolean {
  return (deployment?.resources ?? []).some((r) => r.type.startsWith(LEGACY_PREFIX));
}

/** Input fields the plugin's types leave out at these values (the dynamic resources always recorded them). */
const DEFAULT_INPUTS: Record<string, Record<string, unknown>> = {
  File: { mode: 0o600, allowEmpty: false, settleSeconds: 0 },
  Process: { env: {}, startTimeoutSeconds: 120, runAs: "", restartTrigger: "", staleFiles: [], initialFiles: {} },
};

/** The inputs as the plugin's resource type records them: defaults left out, so nothing looks changed. */
function upgradeInputs(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const defaults = DEFAULT_INPUTS[type] ?? {};
  return Object.fromEntries(
    Object.entries(inputs).filter(
      ([key, value]) => key !== "__provider" && !(key in defaults && JSON.stringify(defaults[key]) === JSON.stringify(value)),
    ),
  );
}

/**
 * Outputs the plugin's resource types need that dynamic resources did not
 * record: the migrations' access and database (for read), taken from their inputs.
 */
function upgradeOutputs(type: string, inputs: Record<string, unknown>, outputs: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _ignored, ...kept } = outputs;
  if (type === "PostgresMigrations") return { access: inputs.access, database: inputs.database, ...kept };
  return kept;
}

/**
 * Rewrites a deployment (the `deployment` part of `pulumi stack export`):
 * every legacy local resource gets its new type and URN, loses the provider
 * code from its inputs and outputs, and is served by a default `strata`
 * provider of `version`, added once. Every reference to a rewritten URN
 * (parents, dependencies, property dependencies) follows. Returns the new
 * deployment; the input is not modified.
 */
export function migrateDeployment<D extends { resources?: StateResource[] }>(
  deployment: D,
  version: string,
  providerId: string,
): { deployment: D; report: MigrationReport } {
  const resources = structuredClone(deployment.resources ?? []);
  const renamed = new Map<string, string>();
  const legacy = resources.filter((r) => r.type.startsWith(LEGACY_PREFIX));
  if (legacy.length === 0) return { deployment, report: { migrated: [] } };
  const sample = legacy[0]!.urn.split("::");
  const providerUrn = `${sample[0]}::${sample[1]}::pulumi:providers:strata::default_${version.replace(/\./g, "_")}`;
  for (const r of legacy) {
    const name = r.type.slice(LEGACY_PREFIX.length);
    const newType = `strata:local:${name}`;
    const parts = r.urn.split("::");
    const chain = (parts[2] ?? "").split("$");
    chain[chain.length - 1] = newType;
    const urn = [...parts.slice(0, 2), chain.join("$"), ...parts.slice(3)].join("::");
    renamed.set(r.urn, urn);
    const inputs = upgradeInputs(name, r.inputs ?? {});
    r.urn = urn;
    r.type = newType;
    r.inputs = inputs;
    r.outputs = upgradeOutputs(name, inputs, r.outputs ?? {});
    r.provider = `${providerUrn}::${providerId}`;
  }
  // References follow the new URNs (a URN never occurs inside another one but as a whole string).
  const text = JSON.stringify(resources, (_key, value: unknown) =>
    typeof value === "string" && renamed.has(value) ? renamed.get(value) : value,
  );
  const rewritten = JSON.parse(text) as StateResource[];
  // The legacy provider is referenced by nothing any more; the new one goes before its first user.
  const used = new Set(rewritten.map((r) => r.provider?.split("::").slice(0, -1).join("::")).filter(Boolean));
  const kept = rewritten.filter((r) => !(r.type === "pulumi:providers:pulumi-nodejs" && !used.has(r.urn)));
  const existing = kept.find((r) => r.urn === providerUrn);
  if (existing) {
    for (const r of kept) if (r.provider === `${providerUrn}::${providerId}`) r.provider = `${providerUrn}::${existing.id}`;
  } else {
    const firstUser = kept.findIndex((r) => r.provider?.startsWith(`${providerUrn}::`));
    const provider: StateResource = {
      urn: providerUrn,
      custom: true,
      id: providerId,
      type: "pulumi:providers:strata",
      inputs: { version },
      outputs: { version },
    };
    kept.splice(firstUser, 0, provider);
  }
  return {
    deployment: { ...deployment, resources: kept },
    report: { migrated: [...renamed].map(([from, to]) => ({ from, to })) },
  };
}
