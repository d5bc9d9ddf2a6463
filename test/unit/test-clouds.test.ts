// STRATA_TEST_CLOUDS narrows the cloud mock suites while working on one
// cloud; under CI it must fail the run, in the guard itself and in
// scripts/run-tests.mjs before anything runs.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { cloudsUnderTest, underCI } from "../support/clouds.js";

const CI_REFUSAL =
  'STRATA_TEST_CLOUDS="aws" is set under CI (CI="true"): it drops clouds from the test suite. ' +
  "Fix: unset STRATA_TEST_CLOUDS in CI; it is only for working on one cloud locally";

describe("cloudsUnderTest", () => {
  test("every cloud unless narrowed, in or out of CI", () => {
    expect(cloudsUnderTest({})).toEqual(["aws", "gcp", "azure"]);
    expect(cloudsUnderTest({ CI: "true" })).toEqual(["aws", "gcp", "azure"]);
  });

  test("outside CI, the named clouds in suite order", () => {
    expect(cloudsUnderTest({ STRATA_TEST_CLOUDS: "azure, aws" })).toEqual(["aws", "azure"]);
    expect(cloudsUnderTest({ STRATA_TEST_CLOUDS: "gcp", CI: "false" })).toEqual(["gcp"]);
    expect(cloudsUnderTest({ STRATA_TEST_CLOUDS: "gcp", CI: "0" })).toEqual(["gcp"]);
  });

  test("under CI, any value is refused, naming the variable and the fix", () => {
    expect(() => cloudsUnderTest({ STRATA_TEST_CLOUDS: "aws", CI: "true" })).toThrow(CI_REFUSAL);
    expect(() => cloudsUnderTest({ STRATA_TEST_CLOUDS: "aws,gcp,azure", CI: "1" })).toThrow(
      /^STRATA_TEST_CLOUDS="aws,gcp,azure" is set under CI \(CI="1"\)/,
    );
    expect(() => cloudsUnderTest({ STRATA_TEST_CLOUDS: "", CI: "TRUE" })).toThrow(/^STRATA_TEST_CLOUDS="" is set under CI/);
  });

  test("a value naming no cloud or an unknown one is refused, not narrowed to fewer clouds", () => {
    expect(() => cloudsUnderTest({ STRATA_TEST_CLOUDS: "aws,gpc" })).toThrow(
      'STRATA_TEST_CLOUDS="aws,gpc" names unknown clouds: gpc. Fix: give a comma-separated list of aws, gcp, azure, or unset it to run every cloud',
    );
    expect(() => cloudsUnderTest({ STRATA_TEST_CLOUDS: " , " })).toThrow(/^STRATA_TEST_CLOUDS=" , " names no cloud\. Fix:/);
  });

  test("CI is recognised as any value but empty, 0 or false", () => {
    expect([undefined, "", "0", "false", "False"].map((ci) => underCI({ CI: ci }))).toEqual([false, false, false, false, false]);
    expect(["true", "1", "yes"].map((ci) => underCI({ CI: ci }))).toEqual([true, true, true]);
  });
});

describe("scripts/run-tests.mjs", () => {
  test("under CI with STRATA_TEST_CLOUDS set, it fails before running anything", () => {
    const root = path.resolve(import.meta.dirname, "..", "..");
    // An empty PATH: were the guard gone, the script could not start the whole suite from inside this test.
    const result = spawnSync(process.execPath, [path.join(root, "scripts", "run-tests.mjs")], {
      cwd: root,
      env: { PATH: "", CI: "true", STRATA_TEST_CLOUDS: "aws" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 1,
      stdout: "0 passed, 1 failed\n",
      stderr: `[test] ${CI_REFUSAL}\n`,
    });
  });
});
