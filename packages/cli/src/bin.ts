#!/usr/bin/env node
import { randomBytes } from "node:crypto";
import { enableCompileCache } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, Option } from "commander";
import Table from "cli-table3";
import { TrinoQueryError, TrinoSession, formatQualityReport } from "@strata/user-kernel";
import { checkContract, deployedContracts } from "./contracts.js";
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
import { type DemoQuery, type DemoSpec, loadTemplate } from "./template.js";
import { cacheDir } from "./toolchain.js";
import { type RunDetail, type RunView, findRun, listRuns, localWorkflows, runLogs, seconds, startRun, waitForRun } from "./workflows.js";

// Compiled code of this command and its modules is cached on disk: later runs start faster.
enableCompileCache(path.join(cacheDir(), "node-compile-cache"));

interface CommonOptions {
  template: string;
  stack: string;
  home: string;
}

async function target(options: CommonOptions): Promise<StackTarget & { demo?: DemoSpec }> {
  const template = await loadTemplate(options.template);
  return { ...template, stackName: options.stack, home: path.resolve(options.home) };
}

/** Runs the demo query as each user and prints what each one gets. */
async function showQueries(endpoint: string, demo: DemoQuery): Promise<void> {
  process.stdout.write(`\n== The same query as each user:\n${demo.query.trim()}\n`);
  for (const { user, expect } of demo.users) {
    process.stdout.write(`\n-- as ${user} (expected: ${expect})\n`);
    try {
      const result = await new TrinoSession({ endpoint, user }).query(demo.query);
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

function withCommon(command: Command): Command {
  return command
    .addOption(new Option("-t, --template <name|dir>", "stack template: a bundled name or a folder").default("local"))
    .addOption(new Option("-s, --stack <name>", "stack (environment) name").default("dev"))
    .addOption(new Option("--home <dir>", "state, passphrase and local data").env("STRATA_HOME").default(".strata"));
}

const program = new Command()
  .name("strata")
  .description("Deploy and operate Strata data platforms with the Pulumi engine.")
  .showHelpAfterError();

for (const operation of ["up", "preview", "refresh", "destroy"] as const satisfies readonly Operation[]) {
  const command = withCommon(program.command(operation).description(`${operation} a stack`));
  if (operation === "up")
    command.option("--skip-preview", "do not preview first (faster; a program failing half-way then leaves part of it deployed)");
  command.action(async (options: CommonOptions & { skipPreview?: boolean }) => {
    const result = await runOperation(operation, await target(options), {
      onOutput: (t) => process.stdout.write(t),
      skipPreview: options.skipPreview === true,
    });
    if (operation !== "destroy") printOutputs(result.outputs);
  });
}

withCommon(program.command("outputs").description("print a stack's outputs")).action(async (options: CommonOptions) => {
  const stack = await openStack(await target(options));
  printOutputs(await stack.outputs());
});

withCommon(
  program
    .command("unprotect")
    .description("remove protection from every resource of a stack, to destroy a non-dev stack on purpose (its data is still retained)"),
).action(async (options: CommonOptions) => {
  process.stdout.write(await runPulumiCli(await target(options), ["state", "unprotect", "--all", "--yes"]));
});

withCommon(program.command("history").description("list a stack's deployments, oldest first")).action(async (options: CommonOptions) => {
  const stack = await openStack(await target(options));
  const history = (await stack.history()).reverse();
  // The file backend reports version 0 for every entry; number them ourselves.
  history.forEach((h, i) => {
    const changes = Object.entries(h.resourceChanges ?? {})
      .map(([k, n]) => `${k}=${n}`)
      .join(" ");
    process.stdout.write(`${i + 1}\t${h.startTime}\t${h.kind}\t${h.result}\t${changes}\n`);
  });
});

withCommon(program.command("demo").description("deploy the local data platform demo and show it working")).action(
  async (options: CommonOptions) => {
    const base = await target(options);
    const stack = await openStack(base);
    // The demo needs a password; make one the first time, kept encrypted in stack config.
    const config = await stack.getAllConfig();
    if (!Object.keys(config).some((k) => k.endsWith(":warehousePassword"))) {
      await stack.setConfig("warehousePassword", { value: randomBytes(18).toString("base64url"), secret: true });
    }
    const result = await runOperation("up", base, { onOutput: (t) => process.stdout.write(t) });
    process.stdout.write("\n== Stack outputs\n");
    printOutputs(result.outputs);
    const file = result.outputs.warehousePassword?.value;
    // On the local target the reference is the password's own file.
    if (typeof file === "string" && path.isAbsolute(file) && fs.existsSync(file)) {
      const mode = (fs.statSync(file).mode & 0o777).toString(8).padStart(4, "0");
      process.stdout.write(`\n== Secret "warehouse-password" is stored in ${file} with mode ${mode}; its value is not printed.\n`);
    }
    const endpoint = result.outputs.endpoint?.value;
    if (base.demo && typeof endpoint === "string") await showQueries(endpoint, base.demo);
    const workflow = base.demo?.workflow;
    if (workflow && typeof endpoint === "string") {
      process.stdout.write(`\n== Workflow "${workflow.name}", run once now (it is also scheduled):\n`);
      const workflows = localWorkflows(stackDataDir(base));
      const run = await waitForRun(workflows, (await startRun(workflows, workflow.name)).id);
      printRun(run);
      if (run.status !== "Succeeded") throw new Error(`the demo workflow ${workflow.name} ended ${run.status}; see strata logs ${run.id}`);
      await showQueries(endpoint, workflow);
    }
    const modelApi = base.demo?.modelApi;
    const apiUrl = modelApi ? result.outputs[modelApi.output]?.value : undefined;
    if (modelApi && typeof apiUrl === "string") {
      process.stdout.write(`\n== The model API, GET ${apiUrl}${modelApi.path} as each user:\n`);
      for (const { user, expect } of modelApi.users) {
        const answer = await fetch(`${apiUrl}${modelApi.path}`, { headers: { "X-Strata-User": user } });
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
    process.stdout.write(`\nTrino: ${String(endpoint)}. Tear down with: npm run strata -- destroy --stack ${options.stack}\n`);
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

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`strata: ${failureSummary(error)}\n`);
  process.exitCode = 1;
});
