import * as pulumi from "@pulumi/pulumi";
import type { HealthCheck } from "../provider/process.js";
import { LocalResource } from "./resource.js";

export type { HealthCheck } from "../provider/process.js";

/** Inputs of a {@link LocalProcess}. */
export interface LocalProcessArgs {
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
  /**
   * Pid files (`<pid> <start time>`) of programs this process starts: a
   * program still running from a predecessor that was killed is stopped
   * before a start, so its port is free. @default []
   */
  leftoverPidFiles?: string[];
}

/**
 * A long-running process on this machine, supervised by the engine: create
 * starts it (detached, logs to a file) and waits until it is healthy; delete
 * stops it and waits for its port to close; refresh reports a dead process
 * as gone so the next up starts it again; a change of any input restarts it.
 * Identity is the pid plus its start time, so a reused pid is never mistaken
 * for ours or killed.
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
        ...(args.leftoverPidFiles && args.leftoverPidFiles.length > 0 ? { leftoverPidFiles: args.leftoverPidFiles } : {}),
        pid: undefined,
        startTime: undefined,
      },
      opts,
    );
  }
}
