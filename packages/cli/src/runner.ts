import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { PROVIDER_VERSION, installProviderPlugin } from "@strata/user-kernel";
import { OperationRecord, engineCommand } from "./engine-command.js";
import { migrateDeployment, needsMigration } from "./migrate-state.js";
import { bundledStacksDir } from "./template.js";
import { type Toolchain, loadToolchain } from "./toolchain.js";

/** Which stack of which template to operate on. */
export interface StackTarget {
  /** Folder holding the template's Pulumi.yaml and its per-environment Pulumi.<stack>.yaml files. */
  readonly workDir: string;
  /** Stack (environment) name, e.g. `dev`. */
  readonly stackName: string;
  /** The template's program, run inline by the engine. */
  readonly program: PulumiFn;
  /**
   * Strata home: holds the file backend (`state/`), the passphrase and, unless
   * `strata:dataDir` is configured, the stack's local data (`data/<project>/<stack>`).
   */
  readonly home: string;
  /** Stack config to set before the operation (`key` or `namespace:key`). */
  readonly config?: ConfigMap;
}

export type Operation = "up" | "preview" | "refresh" | "destroy";

/** What an operation did. */
export interface OperationResult {
  readonly operation: Operation;
  /** Resource changes by kind (`create`, `update`, `same`, `delete`, ...). */
  readonly changes: Record<string, number>;
  /** Stack outputs after the operation, secrets still marked. */
  readonly outputs: Record<string, { value: unknown; secret: boolean }>;
}

export interface RunOptions {
  /** Receives the engine's progress output as it happens. */
  readonly onOutput?: (text: string) => void;
  /**
   * `up` and `destroy`: skip the preview that runs first. Faster (about 1.2 s
   * for the local demo), but a program that throws half-way (a validation
   * error in a later primitive) leaves the earlier primitives deployed, and a
   * destroy refused for a protected resource has deleted the others by then.
   * @default false
   */
  readonly skipPreview?: boolean;
  /** Receives every engine event (steps and their operations, diagnostics). */
  readonly onEvent?: (event: EngineEvent) => void;
  /**
   * `up`: read every resource's live state first, in the same engine run
   * (`pulumi up --refresh`), so what died or was changed by hand is put right
   * (e.g. the engines of a supervisor that was killed are started again).
   * @default true
   */
  readonly refresh?: boolean;
}

const { LocalWorkspace, PulumiCommand } = pulumi.automation;

/**
 * The SDK records, with every resource it registers, the whole call stack
 * (unbounded depth) of the registration, and the engine keeps it in state:
 * about 600 bytes a resource, as much as a local resource's own inputs, and
 * a full stack walk each time. Programs this command runs record the one
 * frame nearest to the registration instead (it is the source
 * position the engine shows, unchanged). Programs run by the `pulumi` CLI
 * keep the SDK's default.
 */
function boundRegistrationStackTraces(kept = 1): void {
  type Frame = { file?: string; line?: number; column?: number };
  const resource = pulumi.Resource as unknown as { callsites(): Frame[]; framePositionRegExp: RegExp };
  resource.callsites = () => {
    const limit = Error.stackTraceLimit;
    // The SDK drops the first five frames (its own) before keeping the rest; we keep `kept` of them.
    Error.stackTraceLimit = 5 + kept;
    try {
      return (new Error().stack ?? "")
        .split("\n")
        .slice(1)
        .map((frame) => {
          const { file, line, column } = resource.framePositionRegExp.exec(frame)?.groups ?? {};
          if (!file || !line || !column || file.startsWith("node:")) return {};
          return { file, line: Number(line), column: Number(column) };
        });
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
}
boundRegistrationStackTraces();
type ConfigMap = pulumi.automation.ConfigMap;
type PulumiFn = pulumi.automation.PulumiFn;
type Stack = pulumi.automation.Stack;
type UpdateSummary = pulumi.automation.UpdateSummary;
type EngineEvent = pulumi.automation.EngineEvent;

/** The project name declared in `<workDir>/Pulumi.yaml`. */
export function projectName(workDir: string): string {
  const file = path.join(workDir, "Pulumi.yaml");
  const project = parseYaml(fs.readFileSync(file, "utf8")) as { name?: unknown };
  if (typeof project?.name !== "string") throw new Error(`${file} has no project name`);
  return project.name;
}

/**
 * A `Pulumi.<stack>.yaml` whose stack is not in the backend (its state was
 * deleted) carries an encryption salt for a passphrase that may be gone, and
 * the engine would refuse it ("incorrect passphrase"). Move it aside, with a
 * note, so the stack starts afresh; its secret values could not be read anyway.
 */
function setAsideOrphanedStackFile(workDir: string, stateDir: string, project: string, stackName: string): void {
  const file = path.join(workDir, `Pulumi.${stackName}.yaml`);
  const state = path.join(stateDir, ".pulumi", "stacks", project, `${stackName}.json`);
  if (!fs.existsSync(file) || fs.existsSync(state) || !/^encryptionsalt:/m.test(fs.readFileSync(file, "utf8"))) return;
  const aside = `${file}.orphaned-${Date.now()}`;
  fs.renameSync(file, aside);
  process.stderr.write(`strata: stack "${stackName}" has no state in ${stateDir}; its old config file was moved to ${aside}\n`);
}

/** Creates `dir` if needed and lets others pass through it (o+x, g+x), without letting them list it. */
function makeTraversable(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
  const mode = fs.statSync(dir).mode & 0o777;
  if ((mode & 0o011) !== 0o011) fs.chmodSync(dir, mode | 0o011);
}

/** The plain config values of `Pulumi.<stack>.yaml` by key; secret values appear as undefined. */
function stackConfigKeys(workDir: string, stackName: string): Record<string, string | undefined> {
  const file = path.join(workDir, `Pulumi.${stackName}.yaml`);
  if (!fs.existsSync(file)) return {};
  const parsed = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  return Object.fromEntries(Object.entries(parsed?.config ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : undefined]));
}

/** Where a stack's local data goes unless its `strata:dataDir` says otherwise: `<home>/data/<project>/<stack>`. */
function defaultDataDir(target: Pick<StackTarget, "workDir" | "stackName" | "home">): string {
  // Absolute even when the home is given relative (the program refuses a relative data folder).
  return path.resolve(target.home, "data", projectName(target.workDir), target.stackName);
}

/** The local data folder of a stack: its `strata:dataDir` config, else {@link defaultDataDir}. */
export function stackDataDir(target: Pick<StackTarget, "workDir" | "stackName" | "home">): string {
  return stackConfigKeys(target.workDir, target.stackName)["strata:dataDir"] ?? defaultDataDir(target);
}

/**
 * The first use of a Kubernetes target builds its tools (the Pulumi
 * Kubernetes provider), which the local target and the demo never need:
 * `scripts/setup.sh --kubernetes`, cached like the rest of the setup.
 */
function ensureKubernetesTools(target: StackTarget, existing: Record<string, string | undefined>): void {
  const configured = target.config?.["strata:target"]?.value ?? existing["strata:target"];
  if (configured === undefined || configured === "local") return;
  const plugin = loadToolchain().kubernetesPluginDir;
  if (plugin && fs.existsSync(plugin)) return;
  const setup = path.join(bundledStacksDir(), "..", "scripts", "setup.sh");
  if (!fs.existsSync(setup)) {
    throw new Error(
      `the ${configured} target needs the Pulumi Kubernetes provider plugin, and ${setup} is not there. Fix: run scripts/setup.sh --kubernetes from a Strata checkout`,
    );
  }
  process.stderr.write(`strata: the ${configured} target needs the Kubernetes tools; building them once (scripts/setup.sh --kubernetes)\n`);
  const result = spawnSync("bash", [setup, "--kubernetes"], { stdio: ["ignore", process.stderr, process.stderr] });
  if (result.status !== 0) throw new Error(`scripts/setup.sh --kubernetes failed (exit ${result.status}); its log is named above`);
}

/** `$PULUMI_CONFIG_PASSPHRASE`, else a random one kept in `<home>/passphrase` (mode 0600). */
function passphrase(home: string): string {
  if (process.env.PULUMI_CONFIG_PASSPHRASE) return process.env.PULUMI_CONFIG_PASSPHRASE;
  const file = path.join(home, "passphrase");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
  }
  return fs.readFileSync(file, "utf8").trim();
}

/**
 * Makes the provider plugins the setup built visible in a PULUMI_HOME, so
 * the engine finds them there and never tries to download one. The engine
 * skips symbolic links when it lists plugins: the binary is hard-linked
 * (copied across file systems).
 */
function linkPlugins(pulumiHome: string, toolchain: Toolchain): void {
  const source = toolchain.kubernetesPluginDir;
  if (!source || !fs.existsSync(source)) return;
  const plugins = path.join(pulumiHome, "plugins");
  const target = path.join(plugins, path.basename(source));
  fs.mkdirSync(target, { recursive: true, mode: 0o700 });
  for (const file of fs.readdirSync(source)) {
    const to = path.join(target, file);
    if (fs.existsSync(to)) continue;
    try {
      fs.linkSync(path.join(source, file), to);
    } catch {
      fs.copyFileSync(path.join(source, file), to);
      fs.chmodSync(to, 0o700);
    }
  }
  fs.closeSync(fs.openSync(`${target}.lock`, "a"));
}

/**
 * A private temporary folder for one engine operation, under `<home>/tmp`
 * (mode 0700), removed when the operation ends: the Kubernetes provider writes
 * the kubeconfig it is given (client key included) to a temporary file on
 * every configure and never removes it.
 */
async function withPrivateTemp<T>(home: string, body: (dir: string) => Promise<T>): Promise<T> {
  const parent = path.join(home, "tmp");
  fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
  const dir = fs.mkdtempSync(path.join(parent, "op-"));
  try {
    return await body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What the engine needs in its environment for a stack of `target`. */
function engineEnvironment(
  target: StackTarget,
  tmpDir?: string,
): { env: Record<string, string>; stateDir: string; pulumiBin: string; toolchain: Toolchain } {
  const toolchain = loadToolchain();
  const stateDir = path.join(target.home, "state");
  // The home is traversable (not listable) so a server running as another system user
  // (PostgreSQL as `postgres` when we are root) can reach its own directory below it.
  makeTraversable(target.home);
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const pulumiBin = path.join(toolchain.pulumiRoot, "bin");
  linkPlugins(path.join(target.home, "pulumi-home"), toolchain);
  // Our own provider plugin (local resources), run by the same Node.js as this command.
  installProviderPlugin(path.join(target.home, "pulumi-home"));
  const env = {
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase(target.home),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_HOME: path.join(target.home, "pulumi-home"),
    ...(tmpDir === undefined ? {} : { TMPDIR: tmpDir }),
    // Node 22 first, for anything the engine starts that runs `node`.
    PATH: [pulumiBin, path.dirname(process.execPath), process.env.PATH ?? ""].join(path.delimiter),
    // Node's on-disk compile cache nearly halves the start of every provider plugin (it loads @pulumi/pulumi).
    NODE_COMPILE_CACHE: path.join(toolchain.cacheDir, "node-compile-cache"),
  };
  return { env, stateDir, pulumiBin, toolchain };
}

/**
 * Runs the Pulumi CLI itself on a stack, for what the Automation API does
 * not offer (e.g. `state unprotect`). Resolves with its output.
 */
export async function runPulumiCli(target: StackTarget, args: string[]): Promise<string> {
  const { execFile } = await import("node:child_process");
  return withPrivateTemp(target.home, (tmpDir) => {
    const { env, pulumiBin } = engineEnvironment(target, tmpDir);
    return new Promise<string>((resolve, reject) =>
      execFile(
        path.join(pulumiBin, "pulumi"),
        [...args, "--stack", target.stackName, "--non-interactive"],
        { cwd: target.workDir, env: { ...process.env, ...env } },
        (error, stdout, stderr) => (error ? reject(new Error(`${stderr || stdout}`.trim() || String(error))) : resolve(stdout)),
      ),
    );
  });
}

/**
 * Opens (creating if needed) a stack with a local file backend under `home`,
 * the project's own Pulumi CLI, and an environment in which the engine's
 * dynamic-provider host finds Node >= 22 and @pulumi/pulumi.
 */
export async function openStack(
  target: StackTarget,
  options: { tmpDir?: string; skipPreview?: boolean; record?: OperationRecord } = {},
): Promise<Stack> {
  // Which keys the stack file sets (read directly: asking the CLI costs a process start per deployment).
  const existing = stackConfigKeys(target.workDir, target.stackName);
  ensureKubernetesTools(target, existing);
  const { env, stateDir, toolchain } = engineEnvironment(target, options.tmpDir);
  const project = projectName(target.workDir);
  setAsideOrphanedStackFile(target.workDir, stateDir, project, target.stackName);
  const pulumiCommand = engineCommand(await PulumiCommand.get({ root: toolchain.pulumiRoot }), {
    skipPreview: options.skipPreview === true,
    stateFile: path.join(stateDir, ".pulumi", "stacks", project, `${target.stackName}.json`),
    ...(options.record ? { record: options.record } : {}),
  });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: target.stackName, projectName: project, program: target.program },
    { workDir: target.workDir, pulumiCommand, envVars: env },
  );
  // Machine-specific defaults, only where the stack's config does not say otherwise.
  const defaults: Record<string, string> = {
    "strata:dataDir": defaultDataDir(target),
    "strata:postgresBin": toolchain.postgresBin,
    "strata:trinoHome": toolchain.trinoHome,
    "strata:javaHome": toolchain.javaHome,
    "strata:supervisorHome": toolchain.supervisorHome,
  };
  const config: ConfigMap = { ...target.config };
  for (const [key, value] of Object.entries(defaults)) {
    if (!(key in existing) && !(key in config)) config[key] = { value };
  }
  if (Object.keys(config).length > 0) await stack.setAllConfig(config);
  // Traversable, so servers running as another system user reach their folders below it;
  // below our home we also fix folders an earlier version made private.
  const dataDir = config["strata:dataDir"]?.value ?? existing["strata:dataDir"] ?? defaults["strata:dataDir"]!;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  for (let dir = dataDir; dir.startsWith(target.home + path.sep); dir = path.dirname(dir)) makeTraversable(dir);
  return stack;
}

function outputsOf(outputs: Record<string, { value: unknown; secret: boolean }>): OperationResult["outputs"] {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v.value, secret: v.secret }]));
}

function changesOf(summary: UpdateSummary | undefined): Record<string, number> {
  return { ...(summary?.resourceChanges ?? {}) };
}

/**
 * Moves a stack deployed by a version whose local resources were dynamic
 * resources onto the `strata` provider plugin, once (see migrate-state.ts).
 * The state file is read directly first: exporting costs a CLI run, and
 * nearly every stack needs nothing.
 */
async function migrateLegacyState(stack: Stack, target: StackTarget, onOutput?: (text: string) => void): Promise<void> {
  const file = path.join(target.home, "state", ".pulumi", "stacks", projectName(target.workDir), `${target.stackName}.json`);
  if (!fs.existsSync(file) || !fs.readFileSync(file, "utf8").includes("pulumi-nodejs:dynamic/strata-local:")) return;
  const exported = await stack.exportStack();
  if (!needsMigration(exported.deployment)) return;
  const { deployment, report } = migrateDeployment(exported.deployment, PROVIDER_VERSION, randomUUID());
  await stack.importStack({ ...exported, deployment });
  onOutput?.(
    `strata: moved ${report.migrated.length} local resources of stack "${target.stackName}" to the strata provider plugin ${PROVIDER_VERSION} (once; nothing is recreated)\n`,
  );
}

/** Runs one engine operation on a stack and reports what it changed. */
export async function runOperation(operation: Operation, target: StackTarget, options: RunOptions = {}): Promise<OperationResult> {
  return withOperationStack(target, options, (stack, common) => runOn(stack, operation, common));
}

/**
 * A preview, then — when `check` accepts what the preview would do (it
 * throws otherwise) — the update without a second preview, on one opened
 * stack: what a rollback runs, at the cost of about one `up`.
 */
export async function previewThenUp(
  target: StackTarget,
  options: RunOptions,
  check: (previewEvents: EngineEvent[]) => void,
): Promise<OperationResult> {
  return withOperationStack(target, { ...options, skipPreview: true }, async (stack, common) => {
    const events: EngineEvent[] = [];
    await stack.preview({
      ...common,
      onEvent: (event) => {
        events.push(event);
        common.onEvent(event);
      },
    });
    check(events);
    return runOn(stack, "up", common);
  });
}

type OperationCommon = {
  onOutput: RunOptions["onOutput"];
  onEvent: (event: EngineEvent) => void;
  color: "never";
  refresh: boolean;
};

/** Opens the stack for one operation (private temp folder, state migration) and names failed primitives in errors. */
async function withOperationStack(
  target: StackTarget,
  options: RunOptions,
  operate: (stack: Stack, common: OperationCommon) => Promise<OperationResult>,
): Promise<OperationResult> {
  return withPrivateTemp(target.home, async (tmpDir) => {
    const record = new OperationRecord();
    const stack = await openStack(target, { tmpDir, skipPreview: options.skipPreview === true, record });
    const onOutput = options.onOutput;
    await migrateLegacyState(stack, target, onOutput);
    const events = record.events;
    const common: OperationCommon = {
      onOutput,
      onEvent: (event: EngineEvent) => {
        events.push(event);
        options.onEvent?.(event);
      },
      color: "never" as const,
      refresh: options.refresh ?? true,
    };
    try {
      return await operate(stack, common);
    } catch (error) {
      const attributed = attributeFailures(events);
      if (attributed.length === 0 || !(error instanceof Error)) throw error;
      throw new Error(`${attributed.map((line) => `error: ${line}`).join("\n")}\n${error.message}`, { cause: error });
    }
  });
}

/** The type chain of a URN (`parent$child`) and the resource name. */
function parseUrn(urn: string): { types: string[]; name: string } {
  const parts = urn.split("::");
  return { types: (parts[2] ?? "").split("$"), name: parts.slice(3).join("::") };
}

/**
 * Names the Strata primitive behind each failed resource: an error of a
 * child (e.g. the Kubernetes API server refusing an object) becomes
 * `Secret "big": kubernetes:core/v1:Secret "big-kubernetes" failed: <message>`. Pure.
 */
export function attributeFailures(events: EngineEvent[]): string[] {
  const primitives = new Map<string, { kind: string; name: string }>();
  for (const event of events) {
    const urn = event.resourcePreEvent?.metadata.urn;
    if (!urn) continue;
    const { types, name } = parseUrn(urn);
    const own = types[types.length - 1] ?? "";
    const match = /^strata:(core|user):(\w+)$/.exec(own);
    if (match) primitives.set(`${own}::${name}`, { kind: match[2]!, name });
  }
  const lines: string[] = [];
  for (const event of events) {
    const diagnostic = event.diagnosticEvent;
    if (!diagnostic?.urn || diagnostic.severity !== "error") continue;
    const { types, name } = parseUrn(diagnostic.urn);
    const resourceType = types[types.length - 1] ?? "";
    // The nearest primitive above the failed resource whose name prefixes the resource's.
    const owner = [...primitives.entries()]
      .filter(([key, p]) => types.slice(0, -1).includes(key.split("::")[0]!) && (name === p.name || name.startsWith(`${p.name}-`)))
      .sort((a, b) => b[1].name.length - a[1].name.length)[0]?.[1];
    if (!owner) continue;
    // A provider's check failure reads "<type> resource '<name>': property <p> value <v> has a problem: <reason>".
    const message = diagnostic.message
      .trim()
      .replace(/^error: /, "")
      .replace(/^.* has a problem: /, "")
      .split("\n");
    // Problems a Strata check reports (`Kind "name": field=value ... Fix: ...`) name their primitive themselves.
    const own = message.filter((line) => /^[A-Z][A-Za-z]* "[^"]+": \S+=.* Fix: /.test(line));
    if (own.length > 0) lines.push(...own);
    else lines.push(`${owner.kind} "${owner.name}": ${resourceType} "${name}" failed: ${message[0]}`);
  }
  return [...new Set(lines)];
}

async function runOn(stack: Stack, operation: Operation, common: OperationCommon): Promise<OperationResult> {
  switch (operation) {
    case "up": {
      // The engine previews first (see engineCommand) unless asked not to.
      const result = await stack.up(common);
      return { operation, changes: changesOf(result.summary), outputs: outputsOf(result.outputs) };
    }
    case "preview": {
      const result = await stack.preview({ ...common, diff: true });
      return { operation, changes: { ...result.changeSummary }, outputs: outputsOf(await stack.outputs()) };
    }
    case "refresh": {
      const result = await stack.refresh({ onOutput: common.onOutput, onEvent: common.onEvent, color: common.color });
      return { operation, changes: changesOf(result.summary), outputs: outputsOf(await stack.outputs()) };
    }
    case "destroy": {
      // Previewed first too (see engineCommand): a protected resource (stateful data outside dev
      // stacks) then refuses the destroy before anything is deleted. Without it the engine deletes every
      // resource it may and fails only when it reaches a protected one.
      const result = await stack.destroy({ ...common, refresh: false });
      return { operation, changes: changesOf(result.summary), outputs: {} };
    }
  }
}

/**
 * The lines of an engine failure a person needs: the engine's `error:` lines
 * (Strata validation errors among them), without the command line and the
 * repeated stdout/stderr dump of the Automation API.
 */
export function failureSummary(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    // `error: ...` from the engine; `Kind "name": field=value ... Fix: ...` and `N problems:` from our validators;
    // `file:line:column Kind "name": spec.field=value ... Fix: ...` from YAML manifests (a primitive's own check, located).
    .filter(
      (line) =>
        /^error: /.test(line) ||
        /^(- )?[A-Z][A-Za-z ]* ".*": \S+=.* Fix: /.test(line) ||
        /^\S+:\d+:\d+ [A-Z][A-Za-z]* ".*": \S+.* Fix: /.test(line) ||
        /^\d+ problems:$/.test(line),
    )
    .map((line) => line.replace(/^error: (error: )?/, "").replace(/^Unhandled exception: \w*Error: /, ""))
    .filter((line) => !/^update failed$|^preview failed$|^an unhandled error occurred/i.test(line));
  const unique = [...new Set(lines)];
  return unique.length > 0 ? unique.join("\n") : text;
}
