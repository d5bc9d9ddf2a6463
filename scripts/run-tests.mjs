// The whole test suite: type-check, lint, then every vitest project, ending
// with one plain line `N passed, N failed` and a non-zero exit on any failure.
import { spawn, spawnSync } from "node:child_process";
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

// Vitest runs the files of a project without file parallelism one at a time, whatever the projects: the
// integration files are split into two lines (vitest.config.ts), run by two vitest processes side by side.
// Each file's stacks have their own folders and free ports, and much of a file's time is spent waiting on
// engines, so the two lines share the two cores well. setup.test.ts rebuilds the packages every other file
// loads: it runs alone, after them.
const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-vitest-"));
const reports = [];
function vitest(label, projects) {
  const report = path.join(reportDir, `report-${reports.length}.json`);
  const entry = { report, code: undefined };
  reports.push(entry);
  const args = [
    "--no-install",
    "vitest",
    "run",
    "--passWithNoTests",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
  ];
  for (const project of projects) args.push("--project", project);
  args.push(...process.argv.slice(2));
  const t0 = Date.now();
  console.log(`[test] vitest: ${label}`);
  return new Promise((resolve) => {
    spawn("npx", args, { stdio: "inherit" }).on("exit", (code) => {
      entry.code = code;
      console.log(`[test] vitest: ${label}: ${code === 0 ? "ok" : "FAILED"} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      resolve();
    });
  });
}
const vitestStarted = Date.now();
await Promise.all([vitest("unit, then integration line A", ["unit", "integration-a"]), vitest("integration line B", ["integration-b"])]);
await vitest("integration: the setup's own test", ["integration-setup"]);
console.log(`[test] vitest: ${((Date.now() - vitestStarted) / 1000).toFixed(1)} s in all`);

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
let total = 0;
for (const { report, code } of reports) {
  if (!fs.existsSync(report)) {
    failed += 1;
    continue;
  }
  const json = JSON.parse(fs.readFileSync(report, "utf8"));
  passed += json.numPassedTests;
  // A file that failed to load has no failed test of its own: count it once.
  const brokenFiles = json.testResults.filter(
    (r) => r.status === "failed" && !r.assertionResults.some((a) => a.status === "failed"),
  ).length;
  failed += json.numFailedTests + brokenFiles;
  // Vitest failed without a failed test (an unhandled error): count it once.
  if (code !== 0 && json.numFailedTests + brokenFiles === 0) failed += 1;
  skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  total += json.numTotalTests;
}
if (total === 0) failed += 1;
fs.rmSync(reportDir, { recursive: true, force: true });
console.log(`[test] total time ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 ? 0 : 1);
