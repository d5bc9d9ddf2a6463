// Runs and step attempts, kept in the runs Database (schema strata_runs),
// shared by every workflow that records there, the scheduler processes and
// the `strata run|runs|logs` commands.
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { type QualityReport, historyStatements } from "@strata/core-kernel";
import pg from "pg";
import type { AttemptOutcome, RunRecorder, RunStatus, StepStatus } from "./runner.js";

/** Schema of the run records; created if missing, never dropped. */
export const RUNS_SCHEMA = `
CREATE SCHEMA IF NOT EXISTS strata_runs;
CREATE TABLE IF NOT EXISTS strata_runs.runs (
  id uuid PRIMARY KEY,
  workflow text NOT NULL,
  trigger text NOT NULL,
  status text NOT NULL,
  requested_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz,
  message text
);
CREATE INDEX IF NOT EXISTS runs_by_workflow ON strata_runs.runs (workflow, requested_at DESC);
CREATE TABLE IF NOT EXISTS strata_runs.steps (
  run_id uuid NOT NULL REFERENCES strata_runs.runs (id),
  step text NOT NULL,
  status text NOT NULL,
  finished_at timestamptz NOT NULL,
  PRIMARY KEY (run_id, step)
);
CREATE TABLE IF NOT EXISTS strata_runs.attempts (
  run_id uuid NOT NULL REFERENCES strata_runs.runs (id),
  step text NOT NULL,
  attempt integer NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  status text,
  exit_code integer,
  error text,
  rows_written bigint,
  PRIMARY KEY (run_id, step, attempt)
);
CREATE TABLE IF NOT EXISTS strata_runs.schedule_marks (
  workflow text PRIMARY KEY,
  checked_until timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS strata_runs.trigger_marks (
  workflow text NOT NULL,
  upstream text NOT NULL,
  seen_until timestamptz NOT NULL,
  PRIMARY KEY (workflow, upstream)
);
`;

/** `Skipped` runs were due but refused by the concurrency policy `Forbid`. */
export type RecordedRunStatus = RunStatus | "Running" | "Skipped";

export interface RunRecord {
  id: string;
  workflow: string;
  trigger: string;
  status: RecordedRunStatus;
  requestedAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  message?: string;
}

export interface AttemptRecord {
  step: string;
  attempt: number;
  startedAt: Date;
  finishedAt?: Date;
  status?: string;
  exitCode?: number;
  error?: string;
  rowsWritten?: number;
}

export interface RunsConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** The certificate authority the server's certificate is checked against: the connection is then TLS only. */
  caFile?: string;
}

function runRecord(row: Record<string, unknown>): RunRecord {
  return {
    id: row.id as string,
    workflow: row.workflow as string,
    trigger: row.trigger as string,
    status: row.status as RecordedRunStatus,
    requestedAt: row.requested_at as Date,
    ...(row.started_at ? { startedAt: row.started_at as Date } : {}),
    ...(row.finished_at ? { finishedAt: row.finished_at as Date } : {}),
    ...(row.message ? { message: row.message as string } : {}),
  };
}

export class RunStore {
  private constructor(private readonly pool: pg.Pool) {}

  /** Connects (a small pool) and creates the schema if it is missing. */
  static async open(connection: RunsConnection): Promise<RunStore> {
    const { caFile, ...rest } = connection;
    // TLS with the server's certificate and name checked, when the server's authority is given.
    const ssl = caFile === undefined ? {} : { ssl: { ca: fs.readFileSync(caFile, "utf8"), rejectUnauthorized: true } };
    const pool = new pg.Pool({ ...rest, ...ssl, max: 4 });
    // Schedulers of several workflows may start at once: one creates the schema, the others wait for it.
    const client = await pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock(hashtext('strata_runs'))");
      await client.query(RUNS_SCHEMA);
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('strata_runs'))").catch(() => undefined);
      client.release();
    }
    return new RunStore(pool);
  }

  /** Keeps a check step's report in `strata_quality.results` (the same table deploy-time checks write). */
  async recordQuality(report: QualityReport, origin: string): Promise<void> {
    await this.pool.query(historyStatements(report, origin));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Records a new run: `Running` when it starts now, `Skipped` when the concurrency policy refused it. */
  async createRun(workflow: string, trigger: string, status: RecordedRunStatus, at: Date, message?: string): Promise<RunRecord> {
    const id = randomUUID();
    const started = status === "Running" ? at : null;
    const finished = status === "Skipped" ? at : null;
    const { rows } = await this.pool.query(
      `INSERT INTO strata_runs.runs (id, workflow, trigger, status, requested_at, started_at, finished_at, message)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [id, workflow, trigger, status, at, started, finished, message ?? null],
    );
    return runRecord(rows[0]);
  }

  async finishRun(id: string, status: RunStatus, at: Date, message?: string): Promise<void> {
    await this.pool.query(`UPDATE strata_runs.runs SET status = $2, finished_at = $3, message = $4 WHERE id = $1`, [
      id,
      status,
      at,
      message ?? null,
    ]);
  }

  /** Runs left Running by a scheduler that stopped (e.g. the machine restarted) are marked Error when the next one starts. */
  async abandonRunning(workflow: string, at: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE strata_runs.runs SET status = 'Error', finished_at = $2, message = 'the scheduler stopped during the run'
       WHERE workflow = $1 AND status = 'Running'`,
      [workflow, at],
    );
    return rowCount ?? 0;
  }

  async runs(workflow: string | undefined, limit = 20): Promise<RunRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM strata_runs.runs WHERE $1::text IS NULL OR workflow = $1 ORDER BY requested_at DESC LIMIT $2`,
      [workflow ?? null, limit],
    );
    return rows.map(runRecord);
  }

  async run(id: string): Promise<RunRecord | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const { rows } = await this.pool.query(`SELECT * FROM strata_runs.runs WHERE id = $1`, [id]);
    return rows[0] ? runRecord(rows[0]) : undefined;
  }

  async attempts(runId: string): Promise<AttemptRecord[]> {
    const { rows } = await this.pool.query(`SELECT * FROM strata_runs.attempts WHERE run_id = $1 ORDER BY started_at, step, attempt`, [
      runId,
    ]);
    return rows.map((r) => ({
      step: r.step,
      attempt: r.attempt,
      startedAt: r.started_at,
      ...(r.finished_at ? { finishedAt: r.finished_at } : {}),
      ...(r.status ? { status: r.status } : {}),
      ...(r.exit_code === null ? {} : { exitCode: r.exit_code }),
      ...(r.error ? { error: r.error } : {}),
      ...(r.rows_written === null ? {} : { rowsWritten: Number(r.rows_written) }),
    }));
  }

  async stepStatuses(runId: string): Promise<Record<string, string>> {
    const { rows } = await this.pool.query(`SELECT step, status FROM strata_runs.steps WHERE run_id = $1`, [runId]);
    return Object.fromEntries(rows.map((r) => [r.step, r.status]));
  }

  /** Until when the workflow's schedules were looked at; undefined before its first tick. */
  async scheduleMark(workflow: string): Promise<Date | undefined> {
    const { rows } = await this.pool.query(`SELECT checked_until FROM strata_runs.schedule_marks WHERE workflow = $1`, [workflow]);
    return rows[0]?.checked_until;
  }

  async setScheduleMark(workflow: string, until: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO strata_runs.schedule_marks (workflow, checked_until) VALUES ($1, $2)
       ON CONFLICT (workflow) DO UPDATE SET checked_until = EXCLUDED.checked_until`,
      [workflow, until],
    );
  }

  /**
   * Successful runs of `upstream` finished since the last call for this pair
   * (the first call only sets the mark: runs before the trigger existed do not count).
   */
  async newUpstreamSuccesses(workflow: string, upstream: string, at: Date): Promise<RunRecord[]> {
    const { rows: marks } = await this.pool.query(
      `SELECT seen_until FROM strata_runs.trigger_marks WHERE workflow = $1 AND upstream = $2`,
      [workflow, upstream],
    );
    const since = marks[0]?.seen_until as Date | undefined;
    const { rows } =
      since === undefined
        ? { rows: [] }
        : await this.pool.query(
            `SELECT * FROM strata_runs.runs WHERE workflow = $1 AND status = 'Succeeded' AND finished_at > $2 AND finished_at <= $3
             ORDER BY finished_at`,
            [upstream, since, at],
          );
    await this.pool.query(
      `INSERT INTO strata_runs.trigger_marks (workflow, upstream, seen_until) VALUES ($1, $2, $3)
       ON CONFLICT (workflow, upstream) DO UPDATE SET seen_until = EXCLUDED.seen_until`,
      [workflow, upstream, at],
    );
    return rows.map(runRecord);
  }

  /** A recorder for one run's steps and attempts. */
  recorder(runId: string): RunRecorder {
    return {
      attemptStarted: async (step, attempt, at) => {
        await this.pool.query(`INSERT INTO strata_runs.attempts (run_id, step, attempt, started_at) VALUES ($1, $2, $3, $4)`, [
          runId,
          step,
          attempt,
          at,
        ]);
      },
      attemptFinished: async (step, attempt, at, outcome: AttemptOutcome) => {
        await this.pool.query(
          `UPDATE strata_runs.attempts SET finished_at = $4, status = $5, exit_code = $6, error = $7, rows_written = $8
           WHERE run_id = $1 AND step = $2 AND attempt = $3`,
          [runId, step, attempt, at, outcome.status, outcome.exitCode ?? null, outcome.message ?? null, outcome.rowsWritten ?? null],
        );
      },
      stepFinished: async (step, status: StepStatus, at) => {
        await this.pool.query(
          `INSERT INTO strata_runs.steps (run_id, step, status, finished_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (run_id, step) DO UPDATE SET status = EXCLUDED.status, finished_at = EXCLUDED.finished_at`,
          [runId, step, status, at],
        );
      },
    };
  }
}
