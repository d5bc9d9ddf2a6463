// Which clouds the cloud mock suites run. Plain erasable TypeScript without
// imports: scripts/run-tests.mjs loads this file with Node itself.

/** Every cloud the cloud mock suites cover. */
export const TEST_CLOUDS = ["aws", "gcp", "azure"] as const;
export type TestCloud = (typeof TEST_CLOUDS)[number];

/** Whether the environment is a CI run: `CI` set to anything but "", "0" or "false" (most CI services set CI=true). */
export function underCI(env: Record<string, string | undefined>): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== "" && ci !== "0" && ci !== "false";
}

/**
 * The clouds the cloud mock suites run: all of them, or those that
 * `STRATA_TEST_CLOUDS` names (comma-separated), to narrow the suites while
 * working on one cloud. Throws when the variable is set under CI, where a
 * narrowed run would pass with clouds left untested, and when it names no
 * cloud or an unknown one (a typo would drop a cloud just as silently).
 */
export function cloudsUnderTest(env: Record<string, string | undefined>): TestCloud[] {
  const narrowed = env.STRATA_TEST_CLOUDS;
  if (narrowed === undefined) return [...TEST_CLOUDS];
  if (underCI(env)) {
    throw new Error(
      `STRATA_TEST_CLOUDS=${JSON.stringify(narrowed)} is set under CI (CI=${JSON.stringify(env.CI)}): it drops clouds from the test suite. ` +
        "Fix: unset STRATA_TEST_CLOUDS in CI; it is only for working on one cloud locally",
    );
  }
  const names = narrowed
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  const unknown = names.filter((n) => !(TEST_CLOUDS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(
      `STRATA_TEST_CLOUDS=${JSON.stringify(narrowed)} ${names.length === 0 ? "names no cloud" : `names unknown clouds: ${unknown.join(", ")}`}. ` +
        `Fix: give a comma-separated list of ${TEST_CLOUDS.join(", ")}, or unset it to run every cloud`,
    );
  }
  return TEST_CLOUDS.filter((c) => names.includes(c));
}
