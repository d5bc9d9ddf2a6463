import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime/mocks.js";

/** A resource as its constructor handed it to Pulumi, recorded synchronously inside the constructor. */
export interface Constructed {
  type: string;
  name: string;
  custom: boolean;
  /** What the engine would get: the resource's own `protect`, else its parent's (Pulumi inherits it). */
  protect: boolean;
  /** What the engine would get: the resource's own `retainOnDelete` (Pulumi does not inherit it). */
  retainOnDelete: boolean;
}

/** One resource registered under mocks: its resolved inputs, and the options the engine would get. */
export type Registered = MockResourceArgs & Pick<Constructed, "protect" | "retainOnDelete">;

type Options = { protect?: boolean; retainOnDelete?: boolean };
type Hook = (type: string, name: string, custom: boolean, opts: Options) => void;

/**
 * The SDK module every Resource constructor calls to register or read a
 * resource, through its exports object (`resource_1.registerResource(...)`),
 * synchronously and after option inheritance. It is the one place that sees
 * each construction with its final options: `setMocks`' newResource sees no
 * options and only runs once inputs have resolved, and stack transforms need
 * a root stack resource, which programs run under mocks do not have.
 */
interface RegistrationRuntime {
  registerResource(
    res: unknown,
    parent: unknown,
    type: string,
    name: string,
    custom: boolean,
    remote: boolean,
    newDependency: unknown,
    props: unknown,
    opts: Options,
    ...rest: unknown[]
  ): void;
  readResource(res: unknown, parent: unknown, type: string, name: string, props: unknown, opts: Options, ...rest: unknown[]): void;
}

const HOOK = Symbol.for("strata.test.registrationHook");
const requireHere = createRequire(import.meta.url);

/** Makes `hook` see every resource construction from now on (patching the SDK once per process). */
function hookRegistrations(hook: Hook): void {
  const sdk = requireHere("@pulumi/pulumi") as typeof pulumi;
  if (sdk.runtime !== pulumi.runtime)
    throw new Error("two copies of @pulumi/pulumi are loaded: the registration hook would miss resources");
  const runtime = requireHere("@pulumi/pulumi/runtime/resource.js") as RegistrationRuntime & { [HOOK]?: Hook };
  if (typeof runtime.registerResource !== "function" || typeof runtime.readResource !== "function") {
    throw new Error("@pulumi/pulumi no longer exports runtime registerResource/readResource: update test/support/mocks.ts");
  }
  if (runtime[HOOK] === undefined) {
    const register = runtime.registerResource;
    const read = runtime.readResource;
    runtime.registerResource = (res, parent, type, name, custom, remote, newDependency, props, opts, ...rest) => {
      runtime[HOOK]!(type, name, custom, opts);
      register(res, parent, type, name, custom, remote, newDependency, props, opts, ...rest);
    };
    runtime.readResource = (res, parent, type, name, props, opts, ...rest) => {
      runtime[HOOK]!(type, name, true, opts);
      read(res, parent, type, name, props, opts, ...rest);
    };
  }
  runtime[HOOK] = hook;
}

/** Resolves once every RPC begun so far (registrations, reads, invokes) has finished, its outputs resolved. */
function waitForRPCs(): Promise<void> {
  const wait = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (typeof wait !== "function") throw new Error("@pulumi/pulumi no longer exports runtime.waitForRPCs: update test/support/mocks.ts");
  return wait();
}

/**
 * Installs Pulumi mocks that record every resource construction
 * (`constructed`, synchronously) and every registration (`registered`, once
 * its inputs resolved). Call before importing the code under test; clear
 * `registered` (and `constructed`) between tests.
 */
export async function installMocks(
  options: {
    preview?: boolean;
    stack?: string;
    config?: Record<string, string>;
    /** Outputs a resource type has beyond its inputs (e.g. a database's address), by type. */
    outputs?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
    /** Answers to provider function calls (invokes), by token; any other call fails the test. */
    calls?: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;
  } = {},
) {
  const registered: Registered[] = [];
  const constructed: Constructed[] = [];
  // Constructions not yet answered, by type and name, so a registration gets its constructor's options.
  const unanswered = new Map<string, Constructed[]>();
  const key = (type: string, name: string) => `${type}::${name}`;
  let constructions = 0;
  hookRegistrations((type, name, custom, opts) => {
    const record = { type, name, custom, protect: opts.protect === true, retainOnDelete: opts.retainOnDelete === true };
    constructed.push(record);
    constructions += 1;
    unanswered.set(key(type, name), [...(unanswered.get(key(type, name)) ?? []), record]);
  });
  pulumi.runtime.setAllConfig(
    { "strata:dataDir": "/var/lib/strata/test", "strata:supervisorHome": "/opt/supervisor", ...options.config },
    [],
  );
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const record = unanswered.get(key(args.type, args.name))?.shift();
        if (!record) throw new Error(`${args.type} ${args.name} reached the mocks without passing the registration hook`);
        registered.push({ ...args, protect: record.protect, retainOnDelete: record.retainOnDelete });
        // What the plugin computes: a generated value (deterministic here, so tests can compare runs).
        const computed = ["strata:local:RandomValue", "strata:local:GeneratedSecret"].includes(args.type)
          ? { value: `random-${args.name}` }
          : {};
        const extra = { ...computed, ...(options.outputs?.[args.type]?.(args.inputs as Record<string, unknown>) ?? {}) };
        return { id: args.custom ? `${args.name}-id` : undefined, state: { ...args.inputs, ...extra } };
      },
      call(args) {
        const answer = options.calls?.[args.token];
        if (answer) return answer(args.inputs as Record<string, unknown>);
        throw new Error(`unexpected call ${args.token} under mocks`);
      },
    },
    "strata-test",
    options.stack ?? "dev",
    options.preview ?? false,
  );
  return {
    registered,
    constructed,
    /**
     * Waits until every resource constructed so far has been registered (or
     * failed) and no further one is being constructed: the SDK's own RPC
     * count drains, then one macrotask lets any continuation of what just
     * resolved (an `apply` constructing a resource) run; repeated until no
     * construction happened meanwhile.
     */
    async settle(): Promise<void> {
      for (;;) {
        const seen = constructions;
        await waitForRPCs();
        await new Promise((resolve) => setImmediate(resolve));
        if (constructions === seen) return;
      }
    },
    /** The registration of the resource named `name`; fails the test if absent. */
    byName(name: string): Registered {
      const found = registered.find((r) => r.name === name);
      if (!found) throw new Error(`no resource named ${name}; registered: ${registered.map((r) => r.name).join(", ")}`);
      return found;
    },
  };
}

/** Resolves an Output to its value (undefined while unknown in preview). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Whether an Output is marked secret. */
export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
  return pulumi.isSecret(output);
}

/** The error `fn` throws; fails the test if it does not throw. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, none was thrown");
}
