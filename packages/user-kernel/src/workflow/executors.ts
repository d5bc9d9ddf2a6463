// What the local target does for one attempt of a compiled step template:
// `script` templates of sql steps run their statements on Trino as the
// template's user; `container` templates run their command on this machine
// with the template's environment, secrets read from their files.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  type QualityPlan,
  type QualityReport,
  TrinoQueryError,
  TrinoSession,
  formatQualityReport,
  passwordFromFile,
  runQualityPlan,
} from "@strata/core-kernel";
import { type ArgoTemplate, QUALITY_PLAN_ANNOTATION, STATEMENTS_ANNOTATION, STEP_KIND_ANNOTATION } from "./compile.js";
import type { TrinoLoginFiles } from "./daemon-config.js";
import type { AttemptContext, AttemptOutcome, StepExecutor } from "./runner.js";

/** What the executor reports besides the outcome (lineage reads it): each SQL statement as it starts, and a sql step's end. */
export interface StatementObserver {
  /** Runs while the statement runs, except where that would change its answer (see {@link explainFirst}). */
  beforeStatement?(step: string, session: TrinoSession, sql: string): Promise<void>;
  /** After every statement of a sql step succeeded. */
  afterStatements?(step: string, session: TrinoSession): Promise<void>;
  /** After a check step ran its contract's checks (passed or not). */
  afterCheck?(step: string, report: QualityReport): Promise<void>;
}

/**
 * Statements that must be looked at before they run: a CREATE TABLE ... AS
 * creates its table, after which it can no longer be explained. Others are
 * explained while they run, so lineage costs no round trip of its own.
 */
export function explainFirst(sql: string): boolean {
  return /^\s*create\s+(or\s+replace\s+)?table\b[\s\S]*\bas\b/i.test(sql);
}

/** Statements whose update count is rows written (a DELETE's is rows removed). */
const WRITES = new Set(["INSERT", "CREATE TABLE", "UPDATE", "MERGE"]);

/** `--name=value` of a compiled command line. */
function flag(command: string[], name: string): string {
  const found = command.find((c) => c.startsWith(`--${name}=`));
  if (found === undefined) throw new Error(`the compiled command has no --${name}`);
  return found.slice(name.length + 3);
}

/** Errors that mean the step never ran (Argo's "Error"), not that it failed. */
function unreachable(error: unknown): boolean {
  const code = (error as { code?: unknown; cause?: { code?: unknown } })?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
  return code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH";
}

export class LocalStepExecutor implements StepExecutor {
  constructor(
    private readonly options: {
      /** Folder of this run's logs: `<step>.<attempt>.log`. */
      logDir: string;
      secretFiles: Record<string, string>;
      /** Trino user -> its login files (read at each attempt, so a rotated password is picked up). @default {} */
      logins?: Record<string, TrinoLoginFiles>;
      observer?: StatementObserver;
      /** Environment every command inherits (PATH, LANG). @default PATH and LANG of this process */
      baseEnv?: Record<string, string>;
    },
  ) {}

  async run(template: ArgoTemplate, context: AttemptContext): Promise<AttemptOutcome> {
    fs.mkdirSync(this.options.logDir, { recursive: true, mode: 0o700 });
    const log = fs.createWriteStream(path.join(this.options.logDir, `${context.step}.${context.attempt}.log`), { mode: 0o600 });
    try {
      const kind = template.metadata?.annotations[STEP_KIND_ANNOTATION];
      if (kind === "sql" && template.script) return await this.runSql(template, context, log);
      if (kind === "command" && template.container) return await this.runCommand(template, context, log);
      if (kind === "check" && template.script) return await this.runCheck(template, log);
      return { status: "Error", message: `template ${template.name} is neither a sql, a command nor a check step` };
    } finally {
      await new Promise((resolve) => log.end(resolve));
    }
  }

  /** A session as the template's user, logged in with that user's files. */
  private session(command: string[], source: string): TrinoSession {
    const user = flag(command, "user");
    const login = this.options.logins?.[user];
    return new TrinoSession({
      endpoint: flag(command, "server"),
      user,
      source,
      ...(login ? { password: passwordFromFile(login.passwordFile), ca: fs.readFileSync(login.caFile, "utf8") } : {}),
    });
  }

  private async runSql(template: ArgoTemplate, context: AttemptContext, log: fs.WriteStream): Promise<AttemptOutcome> {
    const command = template.script!.command;
    const statements = JSON.parse(template.metadata!.annotations[STATEMENTS_ANNOTATION] ?? "[]") as string[];
    const session = this.session(command, "strata-workflow");
    let rowsWritten: number | undefined;
    for (const sql of statements) {
      if (context.signal.aborted) return { status: "Failed", message: "stopped" };
      log.write(`-- ${new Date().toISOString()}\n${sql.trim()}\n`);
      try {
        const observed = this.options.observer?.beforeStatement?.(context.step, session, sql);
        if (explainFirst(sql)) await observed;
        const result = await session.query(sql);
        await observed;
        if (result.updateCount !== undefined && WRITES.has(result.updateType ?? "")) rowsWritten = (rowsWritten ?? 0) + result.updateCount;
        log.write(`-- ${result.updateType ?? "ok"}${result.updateCount === undefined ? "" : `: ${result.updateCount} rows`}\n`);
      } catch (error) {
        log.write(`-- error: ${(error as Error).message}\n`);
        if (error instanceof TrinoQueryError)
          return { status: "Failed", message: error.message, ...(rowsWritten === undefined ? {} : { rowsWritten }) };
        return { status: unreachable(error) ? "Error" : "Failed", message: (error as Error).message };
      }
    }
    await this.options.observer?.afterStatements?.(context.step, session);
    return { status: "Succeeded", ...(rowsWritten === undefined ? {} : { rowsWritten }) };
  }

  private async runCheck(template: ArgoTemplate, log: fs.WriteStream): Promise<AttemptOutcome> {
    const command = template.script!.command;
    const plan = JSON.parse(template.metadata!.annotations[QUALITY_PLAN_ANNOTATION] ?? "null") as QualityPlan | null;
    if (!plan) return { status: "Error", message: `template ${template.name} has no quality plan` };
    const session = this.session(command, "strata-check");
    let report: QualityReport;
    try {
      report = await runQualityPlan(plan, async (sql) => (await session.query(sql)).rows);
    } catch (error) {
      log.write(`-- error: ${(error as Error).message}\n`);
      return { status: unreachable(error) ? "Error" : "Failed", message: (error as Error).message };
    }
    log.write(`${formatQualityReport(report)}\n`);
    await this.options.observer?.afterCheck?.(template.name, report);
    if (report.passed) return { status: "Succeeded" };
    const failed = report.results.filter((r) => r.status === "failed").length;
    return { status: "Failed", message: `contract ${plan.contract}: ${failed} blocking rule(s) failed` };
  }

  private async runCommand(template: ArgoTemplate, context: AttemptContext, log: fs.WriteStream): Promise<AttemptOutcome> {
    const container = template.container!;
    const env: Record<string, string> = {
      ...(this.options.baseEnv ?? { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: process.env.LANG ?? "C.UTF-8" }),
    };
    for (const variable of container.env) {
      if (variable.value !== undefined) env[variable.name] = variable.value;
      else if (variable.valueFrom) {
        const file = this.options.secretFiles[variable.valueFrom.secretKeyRef.name];
        if (file === undefined) return { status: "Error", message: `no file for Secret ${variable.valueFrom.secretKeyRef.name}` };
        env[variable.name] = fs.readFileSync(file, "utf8");
      }
    }
    return new Promise<AttemptOutcome>((resolve) => {
      // Its own process group, so a deadline or a stop ends the program and its children.
      const child = spawn(container.command[0]!, [...container.command.slice(1), ...container.args], {
        cwd: container.workingDir ?? this.options.logDir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      child.stdout.pipe(log, { end: false });
      child.stderr.pipe(log, { end: false });
      const kill = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
        } catch {
          // Already gone.
        }
      };
      context.signal.addEventListener("abort", kill, { once: true });
      child.on("error", (error) => {
        context.signal.removeEventListener("abort", kill);
        resolve({ status: "Error", message: `${container.command[0]} could not start: ${error.message}` });
      });
      child.on("close", (code, signal) => {
        context.signal.removeEventListener("abort", kill);
        if (code === 0) resolve({ status: "Succeeded", exitCode: 0 });
        else if (code === null) resolve({ status: "Failed", message: `ended by ${signal}` });
        else resolve({ status: "Failed", exitCode: code, message: `exited with ${code}` });
      });
    });
  }
}
