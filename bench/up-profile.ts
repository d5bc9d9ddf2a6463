// Benchmark: where a cold `up` of the local demo spends its time. Deploys the
// template once, timing every resource's step from the engine's events (its
// start to its outputs), then destroys it. Prints figures; asserts nothing.
//
//   bash scripts/setup.sh && node bench/up-profile.ts
//
// Figures: the cold `up`, the resources by kind (count, summed step time) and
// the slowest steps with when they started, so the critical path can be read.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { loadTemplate, runOperation } from "@strata/cli";

const template = await loadTemplate("local");
const root = fs.mkdtempSync(path.join(os.tmpdir(), "strata-profile-"));
fs.chmodSync(root, 0o711);
const workDir = path.join(root, "work");
fs.mkdirSync(workDir);
fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: strata-local\nruntime: nodejs\n");
const target = { workDir, program: template.program, stackName: "dev", home: path.join(root, "home") };

const started = new Map<string, number>();
const steps: Array<{ urn: string; type: string; start: number; ms: number }> = [];
let t0 = 0;
function onEvent(event: EngineEvent): void {
  const now = performance.now();
  const pre = event.resourcePreEvent?.metadata;
  if (pre) started.set(pre.urn, now);
  const done = event.resOutputsEvent?.metadata;
  if (done && started.has(done.urn)) {
    const start = started.get(done.urn)!;
    steps.push({ urn: done.urn, type: done.type, start: start - t0, ms: now - start });
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
try {
  t0 = performance.now();
  await runOperation(
    "up",
    { ...target, config: { warehousePassword: { value: "profile-password-0123456789", secret: true } } },
    { onOutput: () => undefined, onEvent, skipPreview: true },
  );
  const total = performance.now() - t0;
  console.log(`cold up (no preview): ${seconds(total)}, ${steps.length} resources`);

  const byType = new Map<string, { count: number; ms: number }>();
  for (const step of steps) {
    const entry = byType.get(step.type) ?? { count: 0, ms: 0 };
    byType.set(step.type, { count: entry.count + 1, ms: entry.ms + step.ms });
  }
  console.log("\nby type (count, summed step time):");
  for (const [type, { count, ms }] of [...byType].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) {
    console.log(`  ${String(count).padStart(3)}  ${seconds(ms).padStart(8)}  ${type}`);
  }
  console.log("\nslowest steps (started at, took, resource):");
  for (const step of [...steps].sort((a, b) => b.ms - a.ms).slice(0, 20)) {
    console.log(`  ${seconds(step.start).padStart(7)}  ${seconds(step.ms).padStart(7)}  ${step.urn.split("::").pop()} (${step.type})`);
  }
} finally {
  await runOperation("destroy", target, { onOutput: () => undefined }).catch((error: unknown) => console.error(error));
  fs.rmSync(root, { recursive: true, force: true });
}
