import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { StrataContext } from "../base/context.js";
import { StrataValidationError } from "../base/errors.js";
import type { HealthCheck } from "../provider/process.js";
import { type Supervision, programName, socketPathFor } from "../provider/supervisor.js";
import { LocalResource } from "./resource.js";

export type { HealthCheck } from "../provider/process.js";
export type { Supervision } from "../provider/supervisor.js";

/** The stack's supervisor: Supervisor from `strata:supervisorHome`, its folder in the stack's data folder. */
export function supervisionFor(context: StrataContext): Supervision {
  const home = context.tools.supervisorHome;
  if (!home) {
    throw new StrataValidationError([
      {
        primitive: "Stack config",
        name: context.environment,
        field: "strata:supervisorHome",
        value: undefined,
        problem: "is not set: local processes run under Supervisor (supervisord)",
        fix: "run scripts/setup.sh and deploy with the strata command (it sets it), or set strata:supervisorHome to the folder setup.sh prints",
      },
    ]);
  }
  const dir = path.join(context.dataDir, "supervisor");
  return { home, dir, socket: socketPathFor(dir) };
}

/** Inputs of a {@link LocalProcess}. */
export interface LocalProcessArgs {
  /** The stack's supervisor ({@link supervisionFor}). */
  supervisor: Supervision;
  /** Absolute path of the executable. */
  command: pulumi.Input<string>;
  /** Arguments. Never put credentials here: command lines are world-readable in /proc. */
  args?: pulumi.Input<pulumi.Input<string>[]>;
  /** Working directory. */
  cwd: pulumi.Input<string>;
  /** Environment variables (plain). `PATH` and `LANG` are inherited unless given. */
  env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Environment variables holding credentials; kept secret in state, never logged. */
  secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** File receiving stdout and stderr (appended). */
  logFile: pulumi.Input<string>;
  /** TCP port the process listens on at 127.0.0.1; must be free when it starts. */
  port: pulumi.Input<number>;
  /** Readiness check. */
  health: HealthCheck;
  /** Seconds to wait for readiness before stopping it and failing. @default 120 */
  startTimeoutSeconds?: number;
  /** Run as this system user when deploying as root (e.g. PostgreSQL refuses root). @default the current user */
  runAs?: string;
  /** Any change of this value restarts the process (e.g. a hash of its configuration files). @default "" */
  restartTrigger?: pulumi.Input<string>;
  /**
   * Files removed before each start: e.g. a launcher's pid file, which would
   * name a predecessor that was stopped but not yet reaped. @default []
   */
  staleFiles?: string[];
  /**
   * Files written before a start when they do not exist yet (mode 0600):
   * e.g. a deny-all rules file the server needs to start, which another
   * resource then fills in. @default {}
   */
  initialFiles?: Record<string, string>;
}

/**
 * A long-running process on this machine, kept running by the stack's
 * supervisor (Supervisor): create adds it there (logs to a file) and waits
 * until it is healthy; when it exits or crashes the supervisor starts it
 * again within seconds, without anyone running a command; delete stops it
 * and waits for its port to close; refresh reports it gone when the
 * supervisor no longer keeps it (the supervisor was killed), so the next up
 * starts it again; a change of any input restarts it.
 */
export class LocalProcess extends LocalResource {
  declare readonly pid: pulumi.Output<number>;
  declare readonly startTime: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  declare readonly logFile: pulumi.Output<string>;

  constructor(name: string, args: LocalProcessArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "Process",
      name,
      {
        name: programName(name),
        supervisor: args.supervisor,
        command: args.command,
        cwd: args.cwd,
        logFile: args.logFile,
        port: args.port,
        health: args.health,
        // Fields at their default are left out: each would take room in state for nothing.
        ...(args.args === undefined ? {} : { args: args.args }),
        ...(args.env === undefined ? {} : { env: args.env }),
        secretEnv: pulumi.secret(args.secretEnv ?? {}),
        ...(args.startTimeoutSeconds === undefined ? {} : { startTimeoutSeconds: args.startTimeoutSeconds }),
        ...(args.runAs ? { runAs: args.runAs } : {}),
        ...(args.restartTrigger === undefined ? {} : { restartTrigger: args.restartTrigger }),
        ...(args.staleFiles?.length ? { staleFiles: args.staleFiles } : {}),
        ...(args.initialFiles && Object.keys(args.initialFiles).length > 0 ? { initialFiles: args.initialFiles } : {}),
        pid: undefined,
        startTime: undefined,
      },
      opts,
    );
  }
}
