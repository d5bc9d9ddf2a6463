/**
 * One thing wrong with the arguments of a primitive, with everything a user
 * needs to fix it without reading our source.
 */
export interface ValidationIssue {
  /** Primitive kind, e.g. `Secret`. */
  readonly primitive: string;
  /** The resource name the primitive was given. */
  readonly name: string;
  /** The argument at fault; dotted for nested fields, e.g. `rules[2].table`. */
  readonly field: string;
  /** The value as the user gave it. */
  readonly value: unknown;
  /** What is wrong with it. */
  readonly problem: string;
  /** How to fix it. */
  readonly fix: string;
  /** When true the value is never printed (it may be a credential). */
  readonly sensitive?: boolean;
}

const MAX_SHOWN = 80;

/** Renders a value for an error message: short, quoted, never a secret. */
export function showValue(value: unknown, sensitive = false): string {
  if (sensitive) return "[secret]";
  if (value === undefined) return "undefined";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

/** `Secret "db": value="" must not be empty. Fix: …` */
export function formatIssue(issue: ValidationIssue): string {
  return (
    `${issue.primitive} "${issue.name}": ${issue.field}=${showValue(issue.value, issue.sensitive)} ` + `${issue.problem}. Fix: ${issue.fix}`
  );
}

/**
 * Thrown by a primitive's constructor before it registers anything, so a
 * preview fails with every problem listed and nothing is created.
 */
export class StrataValidationError extends Error {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    const lines = issues.map(formatIssue);
    super(lines.length === 1 ? lines[0] : `${lines.length} problems:\n  - ${lines.join("\n  - ")}`);
    this.name = "StrataValidationError";
    this.issues = issues;
  }
}

/**
 * Collects issues for one primitive instance. Validators are pure functions
 * that return `checks.issues`, so they are tested without Pulumi.
 */
export class IssueCollector {
  readonly issues: ValidationIssue[] = [];

  constructor(
    readonly primitive: string,
    readonly name: string,
  ) {}

  /** Records a problem with `field`. */
  add(field: string, value: unknown, problem: string, fix: string, sensitive = false): void {
    this.issues.push({ primitive: this.primitive, name: this.name, field, value, problem, fix, sensitive });
  }

  /** Merges issues found by another validator. */
  addAll(issues: readonly ValidationIssue[]): void {
    this.issues.push(...issues);
  }
}
