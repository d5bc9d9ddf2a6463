import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { type ChildFactory, FreePort, LocalFile, LocalProcess, type PostgresSource, supervisionFor } from "@strata/core-kernel";
import { compileWorkflow } from "./compile.js";
import type { SchedulerConfig } from "./daemon-config.js";
import type { WorkflowArgs, WorkflowNative } from "./index.js";

/** The OpenLineage events of a stack's local workflows (JSONL), under its data folder. */
export function localLineageFile(dataDir: string): string {
  return path.join(dataDir, "lineage", "events.jsonl");
}
import { workflowPlan } from "./plan.js";

/** A hash of the scheduler's compiled modules (the workflow folder of this package): changes with the program, not its path. */
function schedulerProgramHash(folder: string): string {
  const hash = createHash("sha256");
  for (const file of fs
    .readdirSync(folder)
    .filter((f) => f.endsWith(".js"))
    .sort())
    hash.update(file).update(fs.readFileSync(path.join(folder, file)));
  return hash.digest("hex").slice(0, 16);
}

/**
 * Local: the compiled Argo spec and what the scheduler needs to run it, in
 * one file (0600), and a supervised scheduler process (`daemon.js`) that
 * starts due, requested and triggered runs, executes the compiled spec with
 * Argo's semantics and records runs in the runs Database. The process reads
 * the file at every tick and run, so a changed workflow needs no restart and
 * a running run is never cut short by `up`.
 */
export function deployWorkflowLocally(children: ChildFactory, name: string, args: WorkflowArgs, user: string): { native: WorkflowNative } {
  const context = children.platform.context;
  const folder = path.join(context.dataDir, "workflows", name);
  const configFile = path.join(folder, "workflow.json");
  const runs = args.runs!;
  const source = runs.depot.source as PostgresSource;
  const server = args.cluster?.endpoint ?? pulumi.output("");
  const secrets = args.steps.flatMap((s) => (s.kind === "command" ? Object.values(s.secrets ?? {}) : []));
  const port = new FreePort(children.name("port"), children.options());
  const checks = args.steps.flatMap((s) => (s.kind === "check" ? [pulumi.all([s.name, s.contract.cluster.endpoint])] : []));
  // Each identity the runs log in as: the Workflow's own, and each checked Contract's.
  const accounts = [
    ...(args.cluster ? [[user, args.cluster.serviceAccount(user, "Workflow", name)] as const] : []),
    ...args.steps.flatMap((s) =>
      s.kind === "check"
        ? [[s.contract.user, s.contract.cluster.serviceAccount(s.contract.user, "Contract", s.contract.resourceName)] as const]
        : [],
    ),
  ];
  const logins = pulumi
    .all(accounts.map(([account, { login }]) => pulumi.all([account, login.passwordFile, login.caFile])))
    .apply((all) => Object.fromEntries(all.map(([account, passwordFile, caFile]) => [account, { passwordFile, caFile }])));
  const config = pulumi
    .all([
      server,
      runs.host,
      runs.port,
      pulumi.all(secrets.map((s) => pulumi.all([s.resourceName, s.reference]))),
      port.port,
      pulumi.all(checks),
      logins,
    ])
    .apply(([server, host, runsPort, secretFiles, schedulerPort, checkServers, logins]): SchedulerConfig => {
      const compiled = compileWorkflow(
        workflowPlan(name, args, { server, user, labels: {}, checkServers: Object.fromEntries(checkServers) }),
      );
      return {
        workflow: name,
        port: schedulerPort,
        compiled,
        after: (args.after ?? []).map((w) => w.resourceName).sort(),
        folder,
        runs: {
          host,
          port: runsPort,
          database: runs.databaseName,
          user: runs.ownerRole,
          ...(typeof source.tls === "object" ? { caFile: source.tls.caFile } : {}),
        },
        logins,
        secretFiles: Object.fromEntries(secretFiles),
        lineage: {
          file: localLineageFile(context.dataDir),
          namespace: `strata://${pulumi.getProject()}/${pulumi.getStack()}`,
          ...(context.lineageUrl === undefined ? {} : { url: context.lineageUrl }),
        },
      };
    });
  const content = config.apply((c) => `${JSON.stringify(c, null, 2)}\n`);
  const spec = new LocalFile(children.name("spec"), { path: configFile, content }, children.options());
  const daemon = fileURLToPath(new URL("./daemon.js", import.meta.url));
  const scheduler = new LocalProcess(
    children.name("scheduler"),
    {
      supervisor: supervisionFor(context),
      command: process.execPath,
      args: [daemon, configFile],
      cwd: folder,
      secretEnv: { STRATA_RUNS_PASSWORD: source.password.value },
      logFile: path.join(folder, "scheduler.log"),
      port: port.port,
      health: { kind: "http", path: "/healthz", bodyIncludes: name },
      // A new scheduler program (a Strata upgrade) restarts it; a changed workflow is read by the running one.
      restartTrigger: schedulerProgramHash(path.dirname(daemon)),
    },
    children.options({
      dependsOn: [
        spec,
        runs,
        ...(args.cluster ? [args.cluster] : []),
        ...args.steps.flatMap((s) => (s.kind === "check" ? [s.contract.cluster] : [])),
        // The accounts' password files are the Clusters' children: depending on a Cluster waits for them.
        ...secrets,
      ],
    }),
  );
  return { native: { kind: "local", spec, scheduler, folder } };
}
