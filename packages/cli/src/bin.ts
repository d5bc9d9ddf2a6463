#!/usr/bin/env node
import { randomBytes } from "node:crypto";
import { enableCompileCache } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, Option } from "commander";
import Table from "cli-table3";
import { TrinoLoginError, TrinoQueryError, formatQualityReport } from "@strata/user-kernel";
import { startConsole } from "@strata/console";
import { checkContract, deployedContracts } from "./contracts.js";
import { CONSOLE_PORT, stackConsoleSource } from "./console.js";
import { type ClusterConnection, connectionOf, demoPassword, passwordFor, sessionFor } from "./logins.js";
import { stringify } from "yaml";
import {
  type Operation,
  type OperationResult,
  failureSummary,
  openStack,
  runOperation,
  runPulumiCli,
  stackDataDir,
  type StackTarget,
} from "./runner.js";
import { type DemoQuery, type DemoSpec, loadTemplate, templateDir } from "./template.js";
import { ManifestError, isManifestFolder, loadManifestStack, stackFolderOf } from "./manifest/index.js";
import { newProject } from "./new.js";
import { cacheDir } from "./toolchain.js";
import { hintedWriter, withStrataHints } from "./hints.js";
import { listVersions, rollback, upAndRecord } from "./versions.js";
import { formatDuration, localEngines } from "./engines.js";
import { type RunDetail, type RunView, findRun, listRuns, localWorkflows, runLogs, seconds, startRun, waitForRun } from "./workflows.js";

// Compiled code of this command and its modules is cached on disk: later runs start faster.
enableCompileCache(path.join(cacheDir(), "node-compile-cache"));

interface CommonOptions {
  template: string;
  stack: string;
  home: string;
  /** YAML manifests: a file or a folder of them (`-f`). */
  file?: string;
}

/**
 * The stack a command works on: a template's program, or YAML manifests
 * (`-f <file|dir>`, or a template folder holding manifests and no program),
 * checked before any engine operation (a ManifestError exits 2).
 * `program: false`: only the stack's folder is needed (rollback loads the version's own).
 */
async function target(
  options: CommonOptions,
  load: { program?: boolean } = {},
): Promise<StackTarget & { demo?: DemoSpec; manifests?: readonly string[] }> {
  const home = path.resolve(options.home);
  const folder = templateDir(options.template);
  const manifests = options.file ?? (isManifestFolder(folder) ? folder : undefined);
  if (manifests !== undefined) {
    if (load.program === false) {
      const notLoaded = () => Promise.reject(new Error("the manifests are not loaded for this command"));
      return { workDir: stackFolderOf(manifests), program: notLoaded, stackName: options.stack, home };
    }
    const stack = loadManifestStack(manifests);
    return { workDir: stack.workDir, program: stack.program, manifests: stack.manifests, stackName: options.stack, home };
  }
  const template = await loadTemplate(options.template);
  return { ...template, stackName: options.stack, home };
}

/** Runs the demo query as each user, logged in with that user's own Secret, and prints what each one gets. */
async function showQueries(connection: ClusterConnection, demo: DemoQuery): Promise<void> {
  process.stdout.write(`\n== The same query as each user, each logged in with their own password:\n${demo.query.trim()}\n`);
  for (const { user, expect } of demo.users) {
    process.stdout.write(`\n-- as ${user} (expected: ${expect})\n`);
    try {
      const result = await sessionFor(connection, user, demoPassword(connection, user)).query(demo.query);
      const table = new Table({ head: result.columns.map((c) => c.name), style: { head: [], border: [] } });
      for (const row of result.rows) table.push(row.map((v) => (v === null ? "NULL" : String(v))));
      process.stdout.write(`${table.toString()}\n${result.rows.length} rows\n`);
    } catch (error) {
      if (!(error instanceof TrinoQueryError)) throw error;
      process.stdout.write(`${error.message}\n`);
    }
  }
}

/** Outputs as YAML, with secrets shown as `[secret]`. */
function printOutputs(outputs: OperationResult["outputs"]): void {
  const shown = Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret ? "[secret]" : o.value]));
  process.stdout.write(stringify(shown));
}

/** The engine's output, on stdout, with the strata equivalent after each `pulumi` command it names. */
function engineOutput(options: CommonOptions): (text: string) => void {
  const writer = hintedWriter(options.stack, (t) => process.stdout.write(t));
  process.once("beforeExit", () => writer.flush());
  return (text) => writer.write(text);
}

function withCommon(command: Command): Command {
  return command
    .addOption(new Option("-t, --template <name|dir>", "stack template: a bundled name or a folder").default("local"))
    .addOption(new Option("-s, --stack <name>", "stack (environment) name").default("dev"))
    .addOption(new Option("--home <dir>", "state, passphrase and local data").env("STRATA_HOME").default(".strata"))
    .addOption(
      new Option(
        "-f, --file <file|dir>",
        "YAML manifests instead of a template: a file, or a folder of *.yaml (its stack folder holds Pulumi.yaml)",
      ),
    );
}

const program = new Command()
  .name("strata")
  .description("Deploy and operate Strata data platforms with the Pulumi engine.")
  .showHelpAfterError();

for (const operation of ["preview", "refresh", "destroy"] as const satisfies readonly Operation[]) {
  withCommon(program.command(operation).description(`${operation} a stack`)).action(async (options: CommonOptions) => {
    // A destroy needs the stack's state, not its program (nor valid manifests).
    const stack = await target(options, { program: operation !== "destroy" });
    const result = await runOperation(operation, stack, { onOutput: engineOutput(options) });
    if (operation !== "destroy") printOutputs(result.outputs);
  });
}

for (const [name, description] of [
  ["up", "preview, then deploy a stack; every up is recorded as a version (strata history)"],
  ["apply", "preview, then deploy YAML manifests (-f <file|dir>), as up; exits 2 on a manifest error, before anything is deployed"],
] as const)
  withCommon(program.command(name).description(description))
    .option("--skip-preview", "do not preview first (faster; a program failing half-way then leaves part of it deployed)")
    .option("--no-refresh", "do not read the live state of every resource first (faster; what died or was changed by hand stays so)")
    .option(
      "--rollback-on-failure",
      "when the deployment or a check during it (a blocking Contract, a health check) fails, deploy the last good version again",
    )
    .action(async (options: CommonOptions & { skipPreview?: boolean; refresh: boolean; rollbackOnFailure?: boolean }) => {
      if (name === "apply" && options.file === undefined)
        throw new ManifestError(["strata apply: no manifests given. Fix: name a manifest file or a folder of them with -f <file|dir>"]);
      const stack = await target(options);
      const run = { onOutput: engineOutput(options), skipPreview: options.skipPreview === true, refresh: options.refresh };
      try {
        printOutputs((await upAndRecord(stack, run)).outputs);
      } catch (error) {
        const good = listVersions(stack)
          .filter((v) => v.result === "succeeded")
          .at(-1);
        if (options.rollbackOnFailure !== true || good === undefined) throw error;
        process.stderr.write(
          `strata: the update failed:\n${failureSummary(error)}\nstrata: deploying version ${good.version} again (the last good one)\n`,
        );
        const back = await rollback(stack, good.version, run);
        process.stderr.write(`strata: rolled back to version ${good.version}, recorded as version ${back.version.version}\n`);
        throw new Error(`the update failed and was rolled back to version ${good.version}: ${failureSummary(error)}`, { cause: error });
      }
    });

withCommon(program.command("rollback").description("deploy an earlier version again (any number of versions back); records a new version"))
  .requiredOption("--to <version>", "the version to go back to (strata history)")
  .option("--allow-replace", "go on even when it replaces or deletes a resource holding data (its data is lost)")
  .action(async (options: CommonOptions & { to: string; allowReplace?: boolean }) => {
    const n = Number(options.to);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--to ${options.to} is not a version. Fix: give a version number from strata history`);
    const { result, version } = await rollback(await target(options, { program: false }), n, {
      onOutput: engineOutput(options),
      allowReplace: options.allowReplace === true,
    });
    printOutputs(result.outputs);
    process.stdout.write(`\nRolled back to version ${n}, recorded as version ${version.version}.\n`);
  });

withCommon(
  program
    .command("get")
    .description("show each local engine of a stack: its state under the supervisor, pid, uptime, restarts and last exit"),
).action(async (options: CommonOptions) => {
  const engines = await localEngines(await openStack(await target(options)));
  if (engines.length === 0) {
    process.stdout.write("No local engines in this stack.\n");
    return;
  }
  const table = new Table({
    head: ["engine", "state", "pid", "up for", "restarts", "last exit", "log"],
    style: { head: [], border: [] },
  });
  for (const e of engines) {
    const lastExit = e.lastExit ? `${e.lastExit.time} ${e.lastExit.description}` : "";
    table.push([
      e.name,
      e.state,
      e.pid ? String(e.pid) : "",
      e.upSeconds === undefined ? "" : formatDuration(e.upSeconds),
      String(e.restarts),
      lastExit,
      e.logFile,
    ]);
  }
  process.stdout.write(`${table.toString()}\n`);
  if (engines.some((e) => e.state === "not supervised")) {
    process.stdout.write("The stack's supervisor is not running: strata up starts it and every engine again.\n");
  }
});

withCommon(
  program
    .command("console")
    .description("serve a read-only web page of the stack on 127.0.0.1: its primitives, versions and access rules")
    .addOption(new Option("--port <port>", "port on 127.0.0.1 (0: a free one)").default(String(CONSOLE_PORT))),
).action(async (options: CommonOptions & { port: string }) => {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${options.port} is not a port. Fix: give 0 to 65535`);
  const running = await startConsole({ source: await stackConsoleSource(await target(options, { program: false })), port });
  process.stdout.write(
    `Strata console of stack ${options.stack}: ${running.url}\nSign in with a user of the stack's Cluster. Ctrl-C stops it.\n`,
  );
  await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()).once("SIGTERM", () => resolve()));
  await running.close();
});

withCommon(program.command("outputs").description("print a stack's outputs")).action(async (options: CommonOptions) => {
  const stack = await openStack(await target(options, { program: false }));
  printOutputs(await stack.outputs());
});

withCommon(
  program
    .command("unprotect")
    .description("remove protection from every resource of a stack, to destroy a non-dev stack on purpose (its data is still retained)"),
).action(async (options: CommonOptions) => {
  process.stdout.write(await runPulumiCli(await target(options, { program: false }), ["state", "unprotect", "--all", "--yes"]));
});

withCommon(
  program.command("cancel").description("stop an update of a stack that is running (or was interrupted and left the stack locked)"),
).action(async (options: CommonOptions) => {
  await (await openStack(await target(options, { program: false }))).cancel();
  process.stdout.write(`Cancelled the running update of stack ${options.stack}.\n`);
});

withCommon(program.command("remove").description("remove a stack once destroyed: its state and config (its versions stay)"))
  .option("--force", "remove it even though it still has resources (they keep running, unmanaged)")
  .action(async (options: CommonOptions & { force?: boolean }) => {
    const stack = await openStack(await target(options, { program: false }));
    await stack.workspace.removeStack(options.stack, options.force === true ? { force: true } : {});
    process.stdout.write(`Removed stack ${options.stack}.\n`);
  });

withCommon(program.command("history").description("list a stack's versions (every up and rollback), oldest first")).action(
  async (options: CommonOptions) => {
    const stack = await target(options, { program: false });
    const versions = listVersions(stack);
    if (versions.length > 0) {
      // Tab-separated, like the engine's history below: one line per version, easy to read by scripts.
      for (const v of versions) {
        const changes = Object.entries(v.changes)
          .map(([k, n]) => `${k}=${n}`)
          .join(" ");
        const operation = v.operation === "rollback" ? `rollback-to-${v.rolledBackTo}` : v.operation;
        process.stdout.write(`${v.version}\t${v.time}\t${operation}\t${v.result}\t${changes}\t${v.artefactHash.slice(0, 12)}\n`);
      }
      return;
    }
    // A stack deployed before versions were recorded: the engine's own history.
    const history = (await (await openStack(stack)).history()).reverse();
    // The file backend reports version 0 for every entry; number them ourselves.
    history.forEach((h, i) => {
      const changes = Object.entries(h.resourceChanges ?? {})
        .map(([k, n]) => `${k}=${n}`)
        .join(" ");
      process.stdout.write(`${i + 1}\t${h.startTime}\t${h.kind}\t${h.result}\t${changes}\n`);
    });
  },
);

withCommon(program.command("demo").description("deploy the local data platform demo and show it working")).action(
  async (options: CommonOptions) => {
    const base = await target(options);
    const stack = await openStack(base);
    // The demo needs a password; make one the first time, kept encrypted in stack config.
    const config = await stack.getAllConfig();
    if (!Object.keys(config).some((k) => k.endsWith(":warehousePassword"))) {
      await stack.setConfig("warehousePassword", { value: randomBytes(18).toString("base64url"), secret: true });
    }
    const result = await upAndRecord(base, { onOutput: engineOutput(options) });
    process.stdout.write("\n== Stack outputs\n");
    printOutputs(result.outputs);
    const file = result.outputs.warehousePassword?.value;
    // On the local target the reference is the password's own file.
    if (typeof file === "string" && path.isAbsolute(file) && fs.existsSync(file)) {
      const mode = (fs.statSync(file).mode & 0o777).toString(8).padStart(4, "0");
      process.stdout.write(`\n== Secret "warehouse-password" is stored in ${file} with mode ${mode}; its value is not printed.\n`);
    }
    const endpoint = result.outputs.endpoint?.value;
    const connection = typeof endpoint === "string" ? connectionOf(result.outputs) : undefined;
    if (base.demo && connection) await showQueries(connection, base.demo);
    const workflow = base.demo?.workflow;
    if (workflow && connection) {
      process.stdout.write(`\n== Workflow "${workflow.name}", run once now (it is also scheduled):\n`);
      const workflows = localWorkflows(stackDataDir(base));
      const run = await waitForRun(workflows, (await startRun(workflows, workflow.name)).id);
      printRun(run);
      if (run.status !== "Succeeded") throw new Error(`the demo workflow ${workflow.name} ended ${run.status}; see strata logs ${run.id}`);
      await showQueries(connection, workflow);
    }
    if (base.manifests && !base.demo) {
      // YAML manifests have no demo spec: run each local workflow once, so the contracts checked below have their data.
      const workflows = localWorkflows(stackDataDir(base));
      for (const name of [...workflows.keys()].sort()) {
        process.stdout.write(`\n== Workflow "${name}", run once now:\n`);
        const run = await waitForRun(workflows, (await startRun(workflows, name)).id);
        printRun(run);
        if (run.status !== "Succeeded") throw new Error(`the workflow ${name} ended ${run.status}; see strata logs ${run.id}`);
      }
    }
    const modelApi = base.demo?.modelApi;
    const apiUrl = modelApi ? result.outputs[modelApi.output]?.value : undefined;
    if (modelApi && typeof apiUrl === "string") {
      process.stdout.write(`\n== The model API, GET ${apiUrl}${modelApi.path} as each user:\n`);
      for (const { user, expect } of modelApi.users) {
        const password = connection ? demoPassword(connection, user) : undefined;
        const authorization = `Basic ${Buffer.from(`${user}:${password ?? ""}`).toString("base64")}`;
        const answer = await fetch(`${apiUrl}${modelApi.path}`, { headers: { Authorization: authorization } });
        const body = (await answer.json()) as { columns?: string[]; data?: Record<string, unknown>[]; error?: string };
        process.stdout.write(`\n-- as ${user} (expected: ${expect}): HTTP ${answer.status}\n`);
        if (body.columns && body.data)
          printTable(
            body.columns,
            body.data.map((row) => body.columns!.map((c) => (row[c] === null ? "NULL" : String(row[c])))),
          );
        else process.stdout.write(`${body.error ?? ""}\n`);
      }
    }
    process.stdout.write("\n== Data contracts, checked now (strata check):\n");
    if (!(await checkContracts(base))) throw new Error("a data contract of the demo failed; see the report above");
    process.stdout.write(
      `\nTrino: ${String(endpoint)}. In a browser: npm run strata -- console --stack ${options.stack}, then ` +
        `http://127.0.0.1:${CONSOLE_PORT} (sign in as a demo user with the password in its file under logins above).\n` +
        `Tear down with: npm run strata -- destroy --stack ${options.stack}\n`,
    );
  },
);

/** Runs the stack's Contracts (or one) and prints each report; false when a blocking rule failed. */
async function checkContracts(stack: StackTarget, only?: string): Promise<boolean> {
  const contracts = await deployedContracts(stack);
  const chosen = contracts.filter((c) => only === undefined || c.name === only);
  if (only !== undefined && chosen.length === 0)
    throw new Error(
      `the stack has no Contract "${only}". Fix: use one of: ${contracts.map((c) => c.name).join(", ") || "(none deployed)"}`,
    );
  let passed = true;
  for (const contract of chosen) {
    const report = await checkContract(contract);
    process.stdout.write(`${formatQualityReport(report)}\n`);
    passed &&= report.passed;
  }
  return passed;
}

withCommon(
  program
    .command("query")
    .description("run one SQL statement on the stack's Cluster as a user, who logs in with a password")
    .argument("<sql>")
    .requiredOption("--as <user>", "the user to log in as")
    .option("--password-file <file>", "read the password from this file (e.g. the user's Secret file)")
    .option("--password-env <variable>", "read the password from this environment variable", "STRATA_PASSWORD"),
).action(async (sql: string, options: CommonOptions & { as: string; passwordFile?: string; passwordEnv: string }) => {
  const stack = await openStack(await target(options));
  const connection = connectionOf(await stack.outputs());
  const password = await passwordFor(options.as, {
    ...(options.passwordFile === undefined ? {} : { passwordFile: options.passwordFile }),
    env: options.passwordEnv,
  });
  try {
    const result = await sessionFor(connection, options.as, password, "strata-cli").query(sql);
    printTable(
      result.columns.map((c) => c.name),
      result.rows.map((row) => row.map((v) => (v === null ? "NULL" : String(v)))),
    );
    process.stdout.write(`${result.rows.length} rows\n`);
  } catch (error) {
    if (!(error instanceof TrinoQueryError) && !(error instanceof TrinoLoginError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
});

withCommon(
  program
    .command("check")
    .description("run the stack's data contracts now (or one); exits 1 when a blocking rule fails")
    .argument("[contract]"),
).action(async (contract: string | undefined, options: CommonOptions) => {
  if (!(await checkContracts(await target(options), contract))) process.exitCode = 1;
});

function printTable(head: string[], rows: string[][]): void {
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) table.push(row);
  process.stdout.write(`${table.toString()}\n`);
}

function printRuns(runs: RunView[]): void {
  printTable(
    ["run", "workflow", "trigger", "status", "started", "seconds", "message"],
    runs.map((r) => [
      r.id,
      r.workflow,
      r.trigger,
      r.status,
      r.startedAt ?? r.requestedAt,
      seconds(r.startedAt, r.finishedAt),
      r.message ?? "",
    ]),
  );
}

function printRun(run: RunDetail): void {
  process.stdout.write(`run ${run.id} of ${run.workflow} (${run.trigger}): ${run.status}${run.message ? ` — ${run.message}` : ""}\n`);
  printTable(
    ["step", "attempt", "status", "started", "seconds", "rows written", "error"],
    run.attempts.map((a) => [
      a.step,
      String(a.attempt + 1),
      a.status ?? "Running",
      a.startedAt,
      seconds(a.startedAt, a.finishedAt),
      a.rowsWritten === undefined ? "" : String(a.rowsWritten),
      a.error ?? "",
    ]),
  );
  const skipped = Object.entries(run.steps).filter(([, status]) => status === "Omitted");
  if (skipped.length > 0) process.stdout.write(`skipped (a dependency did not succeed): ${skipped.map(([s]) => s).join(", ")}\n`);
}

async function workflowsOf(options: CommonOptions): Promise<Map<string, string>> {
  return localWorkflows(stackDataDir(await target(options)));
}

withCommon(program.command("run").description("start a run of a local workflow now").argument("<workflow>"))
  .option("--wait", "wait for the run to end, print its steps, and exit non-zero unless it succeeded")
  .action(async (workflow: string, options: CommonOptions & { wait?: boolean }) => {
    const workflows = await workflowsOf(options);
    const run = await startRun(workflows, workflow);
    process.stdout.write(`started run ${run.id} of ${workflow}\n`);
    if (!options.wait) return;
    const done = await waitForRun(workflows, run.id);
    printRun(done);
    if (done.status !== "Succeeded") process.exitCode = 1;
  });

withCommon(program.command("runs").description("recent runs of the stack's local workflows, newest first").argument("[workflow]"))
  .option("-n, --limit <count>", "how many", "20")
  .action(async (workflow: string | undefined, options: CommonOptions & { limit: string }) => {
    printRuns(await listRuns(await workflowsOf(options), workflow, Number(options.limit) || 20));
  });

withCommon(program.command("run-status").description("one run: its steps and attempts").argument("<run>")).action(
  async (id: string, options: CommonOptions) => {
    printRun((await findRun(await workflowsOf(options), id)).run);
  },
);

withCommon(
  program.command("logs").description("the logs of a run's steps (every attempt), or of one step").argument("<run>").argument("[step]"),
).action(async (id: string, step: string | undefined, options: CommonOptions) => {
  process.stdout.write(await runLogs(await workflowsOf(options), id, step));
});

program
  .command("new")
  .description("create a project from a stack template (TypeScript or YAML) in a new or empty folder")
  .argument("<template>", "a bundled template name (e.g. starter, local) or a template folder")
  .argument("[dir]", "the project's folder (default: the template's name)")
  .action((template: string, dir: string | undefined) => {
    const created = newProject(template, dir ?? path.basename(template));
    const relative = path.relative(process.cwd(), created.dir) || ".";
    process.stdout.write(`Created ${created.dir} from template ${template}: ${created.files.join(", ")}\n\nNext:\n  cd ${relative}\n`);
    process.stdout.write(created.kind === "typescript" ? "  npm install && npx tsc\n" : "  npm install\n");
    if (/^\s+warehousePassword:/m.test(fs.readFileSync(path.join(created.dir, "Pulumi.yaml"), "utf8")))
      process.stdout.write("  npx strata demo -t .   # the first time: sets a random warehousePassword (encrypted), deploys, shows it\n");
    process.stdout.write("  npx strata up -t .\n");
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ManifestError) {
    // Nothing ran: the manifests were refused before any engine operation.
    process.stderr.write(`strata: ${error.message}\nstrata: nothing was deployed\n`);
    process.exitCode = 2;
    return;
  }
  const stack = program.commands.map((c) => c.opts<{ stack?: string }>().stack).find((s) => s !== undefined) ?? "dev";
  process.stderr.write(`strata: ${withStrataHints(failureSummary(error), stack)}\n`);
  process.exitCode = 1;
});
