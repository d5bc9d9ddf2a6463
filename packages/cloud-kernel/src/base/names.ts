import { IssueCollector, type ValidationIssue } from "./errors.js";

/**
 * A primitive's name becomes a file name on the local target, a Kubernetes
 * object name on clusters, and (with `-` as `_`) a Trino identifier, so it is
 * held to the strictest of the three: an RFC 1123 label.
 */
export const NAME_PATTERN = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const NAME_RULE =
  'use 1-63 characters: lower-case letters, digits and "-", starting with a letter and not ending with "-" (e.g. "orders-db")';

/**
 * Checks that `value` (by default the primitive's own name) matches
 * {@link NAME_PATTERN}; `field` says which argument it came from.
 */
export function validateName(primitive: string, name: unknown, field = "name", value: unknown = name): ValidationIssue[] {
  const checks = new IssueCollector(primitive, typeof name === "string" ? name : String(name));
  if (typeof value !== "string" || value.length === 0) {
    checks.add(field, value, "is empty", NAME_RULE);
  } else if (!NAME_PATTERN.test(value)) {
    checks.add(field, value, "cannot be used as a file name, Kubernetes name and Trino identifier", NAME_RULE);
  }
  return checks.issues;
}

/** The Trino identifier form of a primitive name (`orders-db` -> `orders_db`). */
export function toIdentifier(name: string): string {
  return name.replace(/-/g, "_");
}
