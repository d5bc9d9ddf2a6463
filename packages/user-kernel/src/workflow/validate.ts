// Checks of a Workflow's arguments. Pure: the cron expressions and time
// zones are parsed here, the DAG is checked for cycles and unknown steps.
import { CronExpressionParser } from "cron-parser";
import { IssueCollector, type ValidationIssue } from "@strata/core-kernel";
import { RESERVED_PREFIX, parseDuration } from "./compile.js";

/** Cron descriptors Argo accepts besides five fields. */
const DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
/** Five numeric fields, as Argo v4's CronWorkflow schema requires them (no names such as MON). */
const ARGO_FIELDS = /^([0-9*,/?-]+\s+){4}[0-9*,/?-]+$/;
const STEP_NAME = /^[a-z][a-z0-9-]{0,40}$/;
const STEP_KINDS = ["sql", "command", "check"];
const CONCURRENCY = ["Allow", "Forbid", "Replace"];
const RETRY_POLICIES = ["OnFailure", "Always"];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why a cron expression is refused, or undefined when Argo and the local scheduler both accept it. */
export function cronProblem(expression: unknown): string | undefined {
  if (typeof expression !== "string") return "is not a string";
  const text = expression.trim();
  if (!DESCRIPTORS.includes(text) && text.split(/\s+/).length !== 5) return "does not have five fields (minute hour day month weekday)";
  if (!DESCRIPTORS.includes(text) && !ARGO_FIELDS.test(text))
    return "uses names or characters Argo refuses (give days and months as numbers)";
  try {
    CronExpressionParser.parse(text, { tz: "UTC" });
    return undefined;
  } catch (error) {
    return `is not a cron expression (${(error as Error).message})`;
  }
}

/** True when the IANA time zone is known to this runtime. */
export function isTimeZone(zone: unknown): boolean {
  if (typeof zone !== "string" || zone === "") return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A cycle among steps, as the step names in order (first repeated at the end), or undefined. */
export function findCycle(steps: { name: string; dependencies?: string[] }[]): string[] | undefined {
  const byName = new Map(steps.map((s) => [s.name, s.dependencies ?? []]));
  const state = new Map<string, "open" | "done">();
  const trail: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === "done" || !byName.has(name)) return undefined;
    if (state.get(name) === "open") return [...trail.slice(trail.indexOf(name)), name];
    state.set(name, "open");
    trail.push(name);
    for (const dependency of byName.get(name)!) {
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(name, "done");
    return undefined;
  };
  for (const step of steps) {
    const cycle = visit(step.name);
    // Found by following dependencies: read it the other way, in the order the steps run.
    if (cycle) return cycle.reverse();
  }
  return undefined;
}

/** What the validator needs to know of a step, untyped (plain JavaScript and YAML reach here too). */
interface RawStep {
  name?: unknown;
  kind?: unknown;
  dependencies?: unknown;
  sql?: unknown;
  command?: unknown;
  image?: unknown;
  workingDir?: unknown;
  env?: unknown;
  secrets?: unknown;
  contract?: unknown;
  retry?: { limit?: unknown; policy?: unknown; backoff?: { duration?: unknown; factor?: unknown; maxDuration?: unknown } };
  timeout?: unknown;
}

/** The Workflow arguments the pure validator reads. References to other primitives arrive as checks already made. */
export interface RawWorkflow {
  steps?: unknown;
  schedules?: unknown;
  timezone?: unknown;
  concurrency?: unknown;
  parallelism?: unknown;
  timeout?: unknown;
}

function checkDuration(checks: IssueCollector, field: string, value: unknown): void {
  if (value === undefined) return;
  const seconds = parseDuration(value as string);
  if (seconds === undefined || seconds <= 0)
    checks.add(
      field,
      value,
      "is not a duration",
      'give a positive duration such as "30s", "5m", "1h30m" or a number of seconds as a string',
    );
}

function checkStep(checks: IssueCollector, step: RawStep, i: number, kubernetes: boolean): void {
  const at = `steps[${i}]`;
  if (!STEP_KINDS.includes(step.kind as string)) {
    checks.add(`${at}.kind`, step.kind, "is not a step kind", 'use "sql", "command" or "check"');
  } else if (step.kind === "sql") {
    const statements = typeof step.sql === "string" ? [step.sql] : step.sql;
    if (!Array.isArray(statements) || statements.length === 0 || statements.some((s) => typeof s !== "string" || s.trim() === ""))
      checks.add(`${at}.sql`, step.sql, "is not SQL", "give one statement, or a list of statements, each non-empty");
  } else if (step.kind === "command") {
    if (!Array.isArray(step.command) || step.command.length === 0 || step.command.some((c) => typeof c !== "string" || c === ""))
      checks.add(
        `${at}.command`,
        step.command,
        "is not a command",
        'give the program and its arguments as a list, e.g. ["python3", "load.py"]',
      );
    if (step.workingDir !== undefined && (typeof step.workingDir !== "string" || !step.workingDir.startsWith("/")))
      checks.add(`${at}.workingDir`, step.workingDir, "is not an absolute directory", "give an absolute path, e.g. /srv/pipelines");
    if (kubernetes && (typeof step.image !== "string" || step.image === ""))
      checks.add(`${at}.image`, step.image, "is missing: command steps run in a container on Kubernetes targets", "give the image to run");
    for (const name of Object.keys((step.env as object) ?? {}))
      if (!ENV_NAME.test(name)) checks.add(`${at}.env.${name}`, name, "is not an environment variable name", "use letters, digits and _");
    for (const name of Object.keys((step.secrets as object) ?? {})) {
      if (!ENV_NAME.test(name))
        checks.add(`${at}.secrets.${name}`, name, "is not an environment variable name", "use letters, digits and _");
      if (Object.keys((step.env as object) ?? {}).includes(name))
        checks.add(`${at}.secrets.${name}`, name, "is also in env", "give each variable once, in env or in secrets");
    }
  } else if (step.contract === undefined) {
    checks.add(`${at}.contract`, undefined, "is missing", "pass the Contract whose checks the step runs");
  }
  const retry = step.retry;
  if (retry !== undefined) {
    if (!Number.isInteger(retry.limit) || (retry.limit as number) < 0)
      checks.add(`${at}.retry.limit`, retry.limit, "is not a number of retries", "give an integer >= 0 (retries after the first attempt)");
    if (retry.policy !== undefined && !RETRY_POLICIES.includes(retry.policy as string))
      checks.add(`${at}.retry.policy`, retry.policy, "is not a retry policy", 'use "OnFailure" or "Always"');
    if (retry.backoff !== undefined) {
      if (retry.backoff.duration === undefined)
        checks.add(`${at}.retry.backoff.duration`, undefined, "is missing", 'give the delay before the first retry, e.g. "10s"');
      checkDuration(checks, `${at}.retry.backoff.duration`, retry.backoff.duration);
      checkDuration(checks, `${at}.retry.backoff.maxDuration`, retry.backoff.maxDuration);
      const factor = retry.backoff.factor;
      if (factor !== undefined && (typeof factor !== "number" || !Number.isInteger(factor) || factor < 1))
        checks.add(`${at}.retry.backoff.factor`, factor, "is not a factor Argo accepts", "give an integer >= 1");
    }
  }
  checkDuration(checks, `${at}.timeout`, step.timeout);
}

/**
 * Checks a Workflow's own arguments: steps (names, kinds, duplicates,
 * unknown dependencies, cycles named in order), retries, durations, cron
 * expressions, time zone, concurrency and parallelism. Pure.
 */
export function validateWorkflowArgs(name: string, args: RawWorkflow, options: { kubernetes: boolean }): ValidationIssue[] {
  const checks = new IssueCollector("Workflow", name);
  if (!/^[a-z]([a-z0-9-]{0,50}[a-z0-9])?$/.test(name))
    checks.add(
      "name",
      name,
      "is not a workflow name",
      "use lower-case letters, digits and -, starting with a letter (it names Kubernetes objects)",
    );
  const steps = (Array.isArray(args.steps) ? args.steps : []) as RawStep[];
  if (steps.length === 0) checks.add("steps", args.steps, "has no steps", "give at least one step");
  const names = new Set<string>();
  steps.forEach((step, i) => {
    if (typeof step !== "object" || step === null) {
      checks.add(`steps[${i}]`, step, "is not a step", "give an object with name and kind");
      return;
    }
    if (typeof step.name !== "string" || !STEP_NAME.test(step.name))
      checks.add(`steps[${i}].name`, step.name, "is not a step name", "use lower-case letters, digits and -, starting with a letter");
    else if (step.name.startsWith(RESERVED_PREFIX))
      checks.add(`steps[${i}].name`, step.name, `starts with "${RESERVED_PREFIX}", which Strata keeps for itself`, "choose another name");
    else if (names.has(step.name)) checks.add(`steps[${i}].name`, step.name, "is a duplicate step", "give every step its own name");
    names.add(step.name as string);
    checkStep(checks, step, i, options.kubernetes);
  });
  steps.forEach((step, i) => {
    if (step?.dependencies === undefined) return;
    if (!Array.isArray(step.dependencies)) {
      checks.add(`steps[${i}].dependencies`, step.dependencies, "is not a list", "give the names of the steps this one waits for");
      return;
    }
    step.dependencies.forEach((d: unknown, j: number) => {
      if (!names.has(d as string))
        checks.add(`steps[${i}].dependencies[${j}]`, d, "is an unknown dependency", `name one of the steps: ${[...names].join(", ")}`);
      else if (d === step.name) checks.add(`steps[${i}].dependencies[${j}]`, d, "is the step itself", "remove it");
    });
  });
  const cycle = findCycle(
    steps
      .filter((s) => typeof s?.name === "string")
      .map((s) => ({ name: s.name as string, dependencies: Array.isArray(s.dependencies) ? (s.dependencies as string[]) : [] })),
  );
  if (cycle && cycle.length > 2)
    checks.add("steps", cycle.join(" -> "), "form a cycle", "remove one of these dependencies so the steps form a DAG");
  if (args.schedules !== undefined) {
    if (!Array.isArray(args.schedules))
      checks.add("schedules", args.schedules, "is not a list", 'give cron expressions, e.g. ["0 2 * * *"]');
    else
      args.schedules.forEach((s: unknown, i: number) => {
        const problem = cronProblem(s);
        if (problem) checks.add(`schedules[${i}]`, s, problem, 'give five fields, e.g. "0 2 * * *" for 02:00 every day');
      });
  }
  if (args.timezone !== undefined && !isTimeZone(args.timezone))
    checks.add("timezone", args.timezone, "is an unknown time zone", 'give an IANA time zone such as "Europe/Paris" or "UTC"');
  if (args.concurrency !== undefined && !CONCURRENCY.includes(args.concurrency as string))
    checks.add("concurrency", args.concurrency, "is not a concurrency policy", 'use "Allow", "Forbid" or "Replace"');
  if (args.parallelism !== undefined && (!Number.isInteger(args.parallelism) || (args.parallelism as number) < 1))
    checks.add("parallelism", args.parallelism, "is not a number of steps", "give an integer >= 1, or leave it out for no limit");
  checkDuration(checks, "timeout", args.timeout);
  return checks.issues;
}
