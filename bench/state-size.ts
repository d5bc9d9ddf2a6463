// Benchmark: the size of the demo's state, per local resource. Deploys the
// demo (stacks/local) with the Strata of a checkout, reads the stack's state
// file and prints its size, split by kind of resource. Asserts nothing.
//
//   node bench/state-size.ts [--repo <checkout>]     (default: this one; after scripts/setup.sh)
//
// Run it against an earlier checkout too to compare. Goal: at most 1.5 KB per
// local resource.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const at = process.argv.indexOf("--repo");
const repo = path.resolve(at > 0 ? process.argv[at + 1]! : path.join(import.meta.dirname, ".."));
const cli = (await import(path.join(repo, "packages", "cli", "dist", "index.js"))) as typeof import("@strata/cli");
const template = await cli.loadTemplate(path.join(repo, "stacks", "local"));
const home = fs.mkdtempSync(path.join(os.tmpdir(), "strata-state-size-"));
fs.chmodSync(home, 0o711);
const target = { ...template, stackName: "dev-state-size", home };
const stackFile = path.join(template.workDir, `Pulumi.${target.stackName}.yaml`);

try {
  const stack = await cli.openStack(target);
  await stack.setConfig("warehousePassword", { value: "state-size-password-0123456789", secret: true });
  await cli.runOperation("up", target);
  const file = path.join(home, "state", ".pulumi", "stacks", "strata-local", `${target.stackName}.json`);
  const text = fs.readFileSync(file, "utf8");
  const resources = (JSON.parse(text) as { checkpoint: { latest: { resources: Array<{ type: string }> } } }).checkpoint.latest.resources;
  const local = (type: string) => type.startsWith("strata:local:") || type.startsWith("pulumi-nodejs:dynamic/");
  const groups = new Map<string, { count: number; bytes: number; sizes: number[] }>();
  for (const r of resources) {
    const kind = local(r.type) ? "local resources" : r.type.startsWith("pulumi:providers:") ? "providers" : "components and stack";
    const g = groups.get(kind) ?? { count: 0, bytes: 0, sizes: [] };
    g.count += 1;
    g.bytes += JSON.stringify(r).length;
    g.sizes.push(JSON.stringify(r).length);
    groups.set(kind, g);
  }
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  process.stdout.write(`state of the demo (${repo})\n`);
  process.stdout.write(
    `state file ${kb(text.length)} for ${resources.length} resources; sizes below are each resource's JSON, unindented\n`,
  );
  for (const [kind, g] of groups) {
    process.stdout.write(
      `${kind.padEnd(24)}${String(g.count).padStart(3)}  ${kb(g.bytes).padStart(8)}  mean ${kb(g.bytes / g.count).padStart(7)}  median ${kb([...g.sizes].sort((a, b) => a - b)[Math.floor(g.count / 2)]!).padStart(7)}\n`,
    );
  }
  const sources = text.match(/exports\.handler = /g)?.length ?? 0;
  process.stdout.write(`provider source copies in state          ${sources}\n`);
} finally {
  await cli.runOperation("destroy", target).catch(() => undefined);
  fs.rmSync(stackFile, { force: true });
  fs.rmSync(home, { recursive: true, force: true });
}
