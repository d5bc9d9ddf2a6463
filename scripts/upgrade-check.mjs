// Upgrade check: deploys the demo with an earlier commit of Strata, writes a
// row of its own, then upgrades the same stack to this checkout and shows
// that no data-bearing resource is replaced or deleted, the PostgreSQL data
// directory is the same folder, and every row (the extra one included) is
// still there.
//
//   node scripts/upgrade-check.mjs [<old commit>]   (after scripts/setup.sh)
//
// The default old commit is the last one whose local resources were dynamic
// resources.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const OLD = process.argv[2] ?? "8896f3e";
const repo = path.resolve(import.meta.dirname, "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "strata-upgrade-"));
fs.chmodSync(work, 0o711);
const old = path.join(work, "old");
const home = path.join(work, "home");
// A dev stack: destroy at the end may delete its data.
const stack = "dev-upgrade";
const log = (text) => process.stdout.write(`[upgrade-check] ${text}\n`);
const sh = (cmd, args, options = {}) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", ...options });

function strata(root, ...args) {
  const result = spawnSync(
    process.execPath,
    [path.join(root, "packages", "cli", "dist", "bin.js"), ...args, "--stack", stack, "--home", home],
    {
      encoding: "utf8",
      env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
    },
  );
  if (result.status !== 0) throw new Error(`strata ${args.join(" ")} (${root}) failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

const { TrinoSession } = await import(path.join(repo, "packages", "core-kernel", "dist", "index.js"));
async function rows(endpoint) {
  const session = new TrinoSession({ endpoint, user: "admin" });
  const orders = await session.query("SELECT id, customer_id, ordered_on, amount FROM warehouse.public.orders ORDER BY id");
  const customers = await session.query("SELECT id, name, email, region FROM warehouse.public.customers ORDER BY id");
  return JSON.stringify({ orders: orders.rows, customers: customers.rows }, (_k, v) => (typeof v === "bigint" ? String(v) : v));
}
const endpointOf = (outputs) => /endpoint: (\S+)/.exec(outputs)?.[1];

let failed;
try {
  log(`old: ${OLD} in ${old}`);
  sh("git", ["-C", repo, "worktree", "add", "--detach", old, OLD]);
  sh("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: old });
  sh("npx", ["--no-install", "tsc", "-b"], { cwd: old });

  log("deploying the demo with the old version");
  strata(old, "demo");
  const before = endpointOf(strata(old, "outputs"));
  // A row no migration writes: if the database were recreated, it would be gone.
  const { TrinoSession: Session } = await import(path.join(repo, "packages", "core-kernel", "dist", "index.js"));
  await new Session({ endpoint: before, user: "admin" }).query(
    "INSERT INTO warehouse.public.orders (id, customer_id, ordered_on, amount) VALUES (9001, 1, DATE '2026-11-30', 4242)",
  );
  const rowsBefore = await rows(before);
  const dataDir = path.join(home, "data", "strata-local", stack, "postgres", "warehouse-server", "data");
  const inodeBefore = fs.statSync(dataDir).ino;
  const markerFile = path.join(dataDir, "strata-upgrade-marker");
  fs.writeFileSync(markerFile, "written before the upgrade\n");

  // The stack's config (encryption salt, secret password) moves with it.
  fs.copyFileSync(path.join(old, "stacks", "local", `Pulumi.${stack}.yaml`), path.join(repo, "stacks", "local", `Pulumi.${stack}.yaml`));
  log("preview with the new version");
  const preview = strata(repo, "preview");
  const summary = (text) =>
    text
      .split("\n")
      .filter((l) =>
        /^strata: moved|^Resources:|^\s+[~+-]{1,2} \d+ \w+|^\s+\d+ (unchanged|to |created|updated|deleted|replaced)|^\s+[+~-]{1,2} strata:[a-z]+:/.test(
          l,
        ),
      )
      .join("\n");
  process.stdout.write(`${summary(preview)}\n`);
  const replaced = preview.split("\n").filter((l) => /\b(replace|delete)\b|\+-|-\+/.test(l) && !/^strata: moved/.test(l));
  if (replaced.length > 0) throw new Error(`the preview replaces or deletes:\n${replaced.join("\n")}`);

  log("up with the new version");
  const up = strata(repo, "up");
  process.stdout.write(`${summary(up)}\n`);
  const after = endpointOf(strata(repo, "outputs"));
  const rowsAfter = await rows(after);
  const checks = [
    ["same rows (the extra order included)", rowsAfter === rowsBefore && rowsAfter.includes("9001")],
    ["same data directory (inode)", fs.statSync(dataDir).ino === inodeBefore],
    ["the marker file written before the upgrade is still in it", fs.existsSync(markerFile)],
    [
      "no local resource of the dynamic-provider era left in state",
      !fs
        .readFileSync(path.join(home, "state", ".pulumi", "stacks", "strata-local", `${stack}.json`), "utf8")
        .includes("pulumi-nodejs:dynamic"),
    ],
  ];
  for (const [what, ok] of checks) log(`${ok ? "ok  " : "FAIL"} ${what}`);
  failed = checks.some(([, ok]) => !ok);
  log(
    `orders before/after: ${JSON.parse(rowsBefore).orders.length}/${JSON.parse(rowsAfter).orders.length}, customers ${JSON.parse(rowsBefore).customers.length}/${JSON.parse(rowsAfter).customers.length}`,
  );
} catch (error) {
  failed = true;
  log(`FAIL ${error instanceof Error ? error.message : String(error)}`);
} finally {
  try {
    strata(repo, "destroy");
  } catch {
    // The stack may not have reached the new version; nothing more to do.
  }
  fs.rmSync(path.join(repo, "stacks", "local", `Pulumi.${stack}.yaml`), { force: true });
  spawnSync("git", ["-C", repo, "worktree", "remove", "--force", old]);
  fs.rmSync(work, { recursive: true, force: true });
}
log(failed ? "FAILED" : "passed");
process.exit(failed ? 1 : 0);
