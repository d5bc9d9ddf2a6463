import * as pulumi from "@pulumi/pulumi";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime/mocks.js";

/** One resource registered under mocks, with its resolved inputs. */
export type Registered = MockResourceArgs;

/**
 * Installs Pulumi mocks that record every registration. Call before
 * importing the code under test; clear `registered` between tests.
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
  pulumi.runtime.setAllConfig(
    { "strata:dataDir": "/var/lib/strata/test", ...options.config },
    [],
  );
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push(args);
        const extra = options.outputs?.[args.type]?.(args.inputs as Record<string, unknown>) ?? {};
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
    /** Waits until no new registration has arrived for 100 ms (Outputs resolve over several turns). */
    async settle(): Promise<void> {
      let seen = -1;
      while (seen !== registered.length) {
        seen = registered.length;
        await new Promise((resolve) => setTimeout(resolve, 100));
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
