import * as pulumi from "@pulumi/pulumi";
import { StrataValidationError, type ValidationIssue } from "./errors.js";

/**
 * Validates a value that may only be known at deploy time. Plain values are
 * checked by the primitive's validator before anything is registered; an
 * Output is checked here as soon as it resolves, and the children that
 * consume the returned Output are never created if it fails.
 */
export function validatedInput<T>(input: pulumi.Input<T>, check: (value: T) => ValidationIssue[]): pulumi.Output<T> {
  return pulumi.output(input).apply((value) => {
    const issues = check(value as T);
    if (issues.length > 0) throw new StrataValidationError(issues);
    return value as T;
  }) as pulumi.Output<T>;
}
