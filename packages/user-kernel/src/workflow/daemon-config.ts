import type { CompiledWorkflow } from "./compile.js";

/** How a local process logs in to a Cluster: the password's 0600 file and the certificate authority's file. */
export interface TrinoLoginFiles {
  passwordFile: string;
  caFile: string;
}

/** What a local Workflow's scheduler process reads from its `workflow.json` (written by local.ts, mode 0600). */
export interface SchedulerConfig {
  workflow: string;
  /** The scheduler's HTTP port on 127.0.0.1 (health, run requests, run records and logs for the strata command). */
  port: number;
  /** The compiled Argo objects: the runner executes `compiled.template.spec`, the scheduler follows `compiled.cron`. */
  compiled: CompiledWorkflow;
  /** Workflows whose successful runs start a run of this one. */
  after: string[];
  /** Run logs: `<folder>/runs/<run id>/<step>.<attempt>.log`. */
  folder: string;
  /** The runs Database (its password in the environment: `STRATA_RUNS_PASSWORD`). */
  runs: { host: string; port: number; database: string; user: string; caFile?: string };
  /**
   * Trino user -> the files it logs in with: the Workflow's own service
   * account, and the service account of each check step's Contract.
   */
  logins: Record<string, TrinoLoginFiles>;
  /** Secret name -> its 0600 file, for `secretKeyRef`s of command steps. */
  secretFiles: Record<string, string>;
  /** OpenLineage events: appended to `file` (JSONL), and POSTed to `url` when given. */
  lineage: { file: string; namespace: string; url?: string };
}
