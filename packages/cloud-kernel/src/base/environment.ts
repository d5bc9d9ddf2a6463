/**
 * Dev stacks are where data may be thrown away: `dev`, `test`, or either
 * followed by `-something` (`dev-alice`, `test-ci`). Everything else
 * (`staging`, `prod`, `eu-prod`, ...) keeps its data.
 */
export const DEV_ENVIRONMENT = /^(dev|test)(-[a-z0-9-]+)?$/;

export function isDevEnvironment(environment: string): boolean {
  return DEV_ENVIRONMENT.test(environment);
}

/** Resource options for something that holds data, such as a database or an object store. */
export interface StatefulOptions {
  /** Refuse to delete it; `pulumi state unprotect` is the deliberate way out. */
  readonly protect: boolean;
  /** If it leaves the program anyway, drop it from state but keep the data. */
  readonly retainOnDelete: boolean;
}

/**
 * The protect/retain rule for stateful resources: protected and retained
 * outside dev stacks, freely replaceable and deletable inside them.
 */
export function statefulOptions(environment: string): StatefulOptions {
  const keep = !isDevEnvironment(environment);
  return { protect: keep, retainOnDelete: keep };
}
