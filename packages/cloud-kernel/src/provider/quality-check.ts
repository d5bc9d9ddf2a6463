// QualityCheck: a contract's quality plan run on the Cluster at every
// preview and deployment; a failed blocking rule fails them.
import { createHash } from "node:crypto";
import { type QualityPlan, type QualityReport, formatQualityReport, historyStatements, runQualityPlan } from "../quality.js";
import { type Failure, type ResourceType, hasUnknowns } from "./framework.js";
import { pgTlsEnvironment, run } from "./os.js";
import { type TrinoLogin, trinoRows } from "./trino.js";

/** Where results are kept: a PostgreSQL database reached with psql over TCP as its owner (password in `password`). */
export interface QualityHistory {
  psql: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** The certificate authority the server's certificate is checked against (TLS required when given). */
  caFile?: string;
}

export interface QualityCheckInputs {
  plan: QualityPlan;
  /** A running Trino on 127.0.0.1, and the user the checks run as. */
  trino: TrinoLogin;
  history?: QualityHistory;
  /** The history database's password (secret). */
  password?: string;
  /** The report of the checks run by `check` (added by it, not given). */
  report?: QualityReport;
}

export interface QualityCheckOutputs {
  report: QualityReport;
  /** Each rule and its status: a change of it (or of the inputs) is an update. */
  outcome: string;
  /** Hash of the inputs but the report and the password. */
  inputsHash: string;
}

/** Each rule's status, one per line: what a deployment compares (observed values move at every run). */
function outcomeOf(report: QualityReport): string {
  return report.results.map((r) => `${r.dataset} ${r.rule} ${r.metric} ${r.status}`).join("\n");
}

function inputsHash(inputs: QualityCheckInputs): string {
  const { plan, trino, history } = inputs;
  return createHash("sha256").update(JSON.stringify({ plan, trino, history })).digest("hex");
}

async function checkNow(inputs: QualityCheckInputs): Promise<QualityReport> {
  return runQualityPlan(inputs.plan, (sql) => trinoRows(inputs.trino, sql));
}

async function record(inputs: QualityCheckInputs, report: QualityReport): Promise<void> {
  const h = inputs.history;
  if (!h) return;
  await run(
    h.psql,
    [
      "-X",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "--single-transaction",
      "-h",
      h.host,
      "-p",
      String(h.port),
      "-U",
      h.user,
      "-d",
      h.database,
      "-f",
      "-",
    ],
    // The password reaches psql through its environment, never its command line.
    {
      stdin: historyStatements(report, "deploy"),
      env: { PGPASSWORD: inputs.password ?? "", PGCONNECT_TIMEOUT: "10", ...pgTlsEnvironment(h.caFile) },
    },
  );
}

async function deploy(inputs: QualityCheckInputs): Promise<QualityCheckOutputs> {
  const report = inputs.report ?? (await checkNow(inputs));
  await record(inputs, report);
  if (!report.passed) throw new Error(formatQualityReport(report));
  return { report, outcome: outcomeOf(report), inputsHash: inputsHash(inputs) };
}

/**
 * Runs the plan in `check`, at preview and again at deployment, once every
 * input is known and the Cluster answers: a failed blocking rule is a
 * failure there, so the preview fails and the deployment stops before
 * anything that depends on the contract. The report joins the inputs, and
 * create and update keep it (stack output, history) without querying again.
 * A deployment counts as a change only when a rule's status (or the plan)
 * changed, so an `up` with nothing new changes nothing.
 */
export const QualityCheck: ResourceType<QualityCheckInputs, QualityCheckOutputs> = {
  name: "QualityCheck",
  async check(news): Promise<Failure[] | { failures: Failure[]; add: Partial<QualityCheckInputs> }> {
    if (hasUnknowns(news)) return [];
    let report: QualityReport;
    try {
      report = await checkNow({ ...news, report: undefined });
    } catch {
      // The Cluster does not answer yet (a first deployment): create runs the checks.
      return [];
    }
    // Named on the small `trino` input: the engine prints the value of the property a failure names.
    if (!report.passed) return { failures: [{ property: "trino", reason: formatQualityReport(report) }], add: { report } };
    return { failures: [], add: { report } };
  },
  async create(inputs) {
    return { id: `quality-${inputs.plan.contract}`, outs: await deploy(inputs) };
  },
  changed(olds, news) {
    if (news.report === undefined) return true;
    return olds.outcome !== outcomeOf(news.report) || olds.inputsHash !== inputsHash(news);
  },
  async read(_id, outs) {
    return outs;
  },
  async update(_id, _olds, news) {
    return deploy(news);
  },
};
