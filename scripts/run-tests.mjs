// The whole test suite: type-check, lint, then every vitest project, ending
// with one plain line `N passed, N failed` and a non-zero exit on any failure.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cloudsUnderTest } from "../test/support/clouds.ts";

// A variable that drops clouds from the suite must not let a CI run pass: refuse before running anything.
try {
  cloudsUnderTest(process.env);
} catch (error) {
  console.error(`[test] ${error.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const started = Date.now();
function run(label, command, args) {
  const t0 = Date.now();
  console.log(`[test] ${label}`);
  const result = spawnSync(command, args, { stdio: "inherit" });
  console.log(`[test] ${label}: ${result.status === 0 ? "ok" : "FAILED"} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return result.status === 0;
}

const checks = [
  run("type-check packages", "npx", ["--no-install", "tsc", "-b"]),
  run("type-check tests", "npx", ["--no-install", "tsc", "-p", "tsconfig.test.json"]),
  run("type-check the console's page", "npx", ["--no-install", "tsc", "-p", "packages/console/web"]),
  run("lint", "npx", ["--no-install", "eslint", "--max-warnings", "0", "."]),
  run("format (prettier, 140 columns)", "npx", ["--no-install", "prettier", "--check", "--log-level", "warn", "."]),
];

const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-vitest-"));
const report = path.join(reportDir, "report.json");
run("vitest", "npx", [
  "--no-install",
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);

// Every test stack is destroyed and its folder removed at the end: a local engine or supervisor still
// running for a folder that is gone was left behind (each carries its supervisor's folder in its environment).
function leftovers() {
  const found = [];
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let environ;
    try {
      environ = fs.readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue;
    }
    const dir = environ
      .split("\0")
      .find((v) => v.startsWith("STRATA_SUPERVISOR="))
      ?.slice("STRATA_SUPERVISOR=".length);
    if (dir && !fs.existsSync(dir)) found.push({ pid: Number(pid), dir });
  }
  return found;
}
const left = leftovers();
for (const { pid, dir } of left) {
  console.log(`[test] left running by the tests: pid ${pid} of ${dir} (stopped now)`);
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Gone meanwhile.
  }
}
checks.push(left.length === 0);

let passed = checks.filter(Boolean).length;
let failed = checks.length - passed;
let skipped = 0;
if (fs.existsSync(report)) {
  const json = JSON.parse(fs.readFileSync(report, "utf8"));
  passed += json.numPassedTests;
  // A file that failed to load has no failed test of its own: count it once.
  const brokenFiles = json.testResults.filter(
    (r) => r.status === "failed" && !r.assertionResults.some((a) => a.status === "failed"),
  ).length;
  failed += json.numFailedTests + brokenFiles;
  skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  if (json.numTotalTests === 0) failed += 1;
} else {
  failed += 1;
}
fs.rmSync(reportDir, { recursive: true, force: true });
console.log(`[test] total time ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 ? 0 : 1);
