// Versions of a stack: every `up` (and rollback) records the exact artefact
// it deployed — the template folder with its stack config file (secrets still
// encrypted) — with its time, result, resource changes and hashes, under
// `<home>/versions/<project>/<stack>/<n>/`. A rollback deploys an earlier
// artefact through the normal preview-then-up path and records a new version.
// A stack of YAML manifests (`strata apply`) records its folder the same way,
// and which manifest files were applied: a rollback loads those again.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { loadManifestStack } from "./manifest/index.js";
import { loadTemplate } from "./template.js";
import { type OperationResult, type RunOptions, type StackTarget, previewThenUp, projectName, runOperation } from "./runner.js";

/** What a version records. */
export interface VersionRecord {
  version: number;
  /** ISO time the operation ended. */
  time: string;
  operation: "up" | "rollback";
  /** For a rollback: the version it went back to. */
  rolledBackTo?: number;
  result: "succeeded" | "failed";
  /** Resource changes by kind (`create`, `update`, `same`, `delete`, ...). */
  changes: Record<string, number>;
  /** sha256 of the artefact's files (paths and contents). */
  artefactHash: string;
  /** sha256 of the package-lock.json the program's packages came from, when one is found. */
  lockHash?: string;
  /** The failure, for a failed operation. */
  error?: string;
  /** A stack of YAML manifests: the manifest files applied, relative to the artefact (the stack folder). */
  manifests?: string[];
}

/** A stack target, with the manifest files its program comes from when it is a stack of YAML manifests. */
export type VersionedTarget = StackTarget & { readonly manifests?: readonly string[] };

const ARTEFACT = "artefact";

/** The folder of a stack's versions. */
export function versionsDir(target: Pick<StackTarget, "workDir" | "stackName" | "home">): string {
  return path.join(target.home, "versions", projectName(target.workDir), target.stackName);
}

/** The artefact's files: the template folder but installed packages and set-aside config files. Sorted relative paths. */
function artefactFiles(folder: string): string[] {
  return (fs.readdirSync(folder, { recursive: true }) as string[])
    .filter((f) => !f.split(path.sep).includes("node_modules") && !/\.orphaned-\d+$/.test(f))
    .filter((f) => fs.statSync(path.join(folder, f)).isFile())
    .sort();
}

/** sha256 over the artefact's relative paths and contents. */
export function artefactHash(folder: string): string {
  const hash = createHash("sha256");
  for (const file of artefactFiles(folder))
    hash
      .update(file)
      .update("\0")
      .update(fs.readFileSync(path.join(folder, file)))
      .update("\0");
  return hash.digest("hex");
}

/** The nearest package-lock.json above a folder. */
function lockFileOf(folder: string): string | undefined {
  for (let dir = path.resolve(folder); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package-lock.json"))) return path.join(dir, "package-lock.json");
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The nearest node_modules above a folder holding @strata/user-kernel: what an artefact's program imports. */
function packagesOf(folder: string): string | undefined {
  for (let dir = path.resolve(folder); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "node_modules", "@strata", "user-kernel"))) return path.join(dir, "node_modules");
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Every recorded version, oldest first. */
export function listVersions(target: Pick<StackTarget, "workDir" | "stackName" | "home">): VersionRecord[] {
  const dir = versionsDir(target);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => /^\d+$/.test(n) && fs.existsSync(path.join(dir, n, "version.json")))
    .map((n) => JSON.parse(fs.readFileSync(path.join(dir, n, "version.json"), "utf8")) as VersionRecord)
    .sort((a, b) => a.version - b.version);
}

/** Records a version: copies the artefact from `from` (the template folder, or an earlier version's artefact). */
export function recordVersion(
  target: Pick<StackTarget, "workDir" | "stackName" | "home">,
  from: string,
  entry: Omit<VersionRecord, "version" | "artefactHash" | "lockHash">,
): VersionRecord {
  const dir = versionsDir(target);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const version = (listVersions(target).at(-1)?.version ?? 0) + 1;
  const folder = path.join(dir, String(version));
  const artefact = path.join(folder, ARTEFACT);
  for (const file of artefactFiles(from)) {
    fs.mkdirSync(path.dirname(path.join(artefact, file)), { recursive: true, mode: 0o700 });
    fs.copyFileSync(path.join(from, file), path.join(artefact, file));
  }
  const lock = lockFileOf(from) ?? lockFileOf(target.workDir);
  const record: VersionRecord = {
    version,
    ...entry,
    artefactHash: artefactHash(artefact),
    ...(lock ? { lockHash: createHash("sha256").update(fs.readFileSync(lock)).digest("hex") } : {}),
  };
  fs.writeFileSync(path.join(folder, "version.json"), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  return record;
}

/**
 * Deploys with `operate` and records a version of what it deployed (the artefact in
 * `from`), whatever the result; a {@link RollbackRefused} changed nothing and records none.
 */
async function deployAndRecord(
  target: StackTarget,
  from: string,
  kind: Pick<VersionRecord, "operation" | "rolledBackTo" | "manifests">,
  operate: () => Promise<OperationResult>,
): Promise<{ result: OperationResult; version: VersionRecord }> {
  let result: OperationResult;
  try {
    result = await operate();
  } catch (error) {
    if (!(error instanceof RollbackRefused))
      recordVersion(target, from, {
        time: new Date().toISOString(),
        ...kind,
        result: "failed",
        changes: {},
        error: (error as Error).message.split("\n")[0] ?? "",
      });
    throw error;
  }
  const version = recordVersion(target, from, { time: new Date().toISOString(), ...kind, result: "succeeded", changes: result.changes });
  return { result, version };
}

/** Runs `up` and records the version, whatever its result. */
export async function upAndRecord(target: VersionedTarget, options: RunOptions = {}): Promise<OperationResult> {
  const kind = { operation: "up" as const, ...(target.manifests ? { manifests: [...target.manifests] } : {}) };
  return (await deployAndRecord(target, target.workDir, kind, () => runOperation("up", target, options))).result;
}

/** Resource types that hold data: replacing or deleting one loses it. */
const DATA_BEARING = [
  /^strata:local:(PostgresDataDirectory|PostgresDatabase|Directory)$/,
  /^aws:rds\/|^aws:s3\/bucket(V2)?:/,
  /^gcp:sql\/|^gcp:storage\/bucket:/,
  /^azure-native:dbforpostgresql:|^azure-native:storage:(StorageAccount|BlobContainer)$/,
  /^kubernetes:core\/v1:PersistentVolumeClaim$/,
];

/** The data-bearing resources a preview would replace or delete, as `type name (operation)`. Pure. */
export function dataLosses(events: EngineEvent[]): string[] {
  const losses = new Set<string>();
  for (const event of events) {
    const metadata = event.resourcePreEvent?.metadata;
    if (!metadata) continue;
    if (!["replace", "delete", "create-replacement", "delete-replaced", "discard"].includes(metadata.op)) continue;
    if (!DATA_BEARING.some((pattern) => pattern.test(metadata.type))) continue;
    const name = metadata.urn.split("::").at(-1);
    losses.add(`${metadata.type} "${name}" (${metadata.op === "delete" ? "delete" : "replace"})`);
  }
  return [...losses].sort();
}

/** A rollback stopped before any change (it would lose data). */
export class RollbackRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RollbackRefused";
  }
}

/** The target that deploys version `n`'s artefact: its program (or manifests), its config file, the same stack and home. */
export async function versionTarget(target: StackTarget, n: number): Promise<VersionedTarget> {
  const artefact = path.join(versionsDir(target), String(n), ARTEFACT);
  if (!fs.existsSync(artefact)) {
    const known = listVersions(target).map((v) => v.version);
    throw new Error(
      `stack "${target.stackName}" has no version ${n}. Fix: use one of ${known.join(", ") || "(none yet: run up first)"} (strata history)`,
    );
  }
  // The program imports the Strata packages: the ones installed where the template lives.
  const packages = packagesOf(target.workDir);
  const link = path.join(artefact, "node_modules");
  if (packages && !fs.existsSync(link)) fs.symlinkSync(packages, link, "dir");
  const recorded = listVersions(target).find((v) => v.version === n);
  if (recorded?.manifests) {
    const stack = loadManifestStack(artefact, recorded.manifests);
    return { ...target, workDir: artefact, program: stack.program, manifests: stack.manifests };
  }
  const template = await loadTemplate(artefact);
  return { ...target, workDir: artefact, program: template.program };
}

/**
 * Deploys version `n` again: a preview first, which stops the rollback when it
 * would replace or delete a data-bearing resource (unless `allowReplace`);
 * then the update; then a new version recording it. Data written since
 * version `n` stays: only what the artefact declares is re-applied.
 */
export async function rollback(
  target: StackTarget,
  n: number,
  options: RunOptions & { allowReplace?: boolean } = {},
): Promise<{ result: OperationResult; version: VersionRecord }> {
  const old = await versionTarget(target, n);
  const kind = { operation: "rollback" as const, rolledBackTo: n, ...(old.manifests ? { manifests: [...old.manifests] } : {}) };
  return deployAndRecord(target, old.workDir, kind, () =>
    previewThenUp(old, options, (events) => {
      const losses = dataLosses(events);
      if (losses.length > 0 && options.allowReplace !== true)
        throw new RollbackRefused(
          `rolling back to version ${n} would replace or delete resources holding data: ${losses.join(", ")}. ` +
            "Fix: keep them (roll back to a later version), or pass --allow-replace to accept losing their data",
        );
    }),
  );
}
