import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataValidationError } from "./errors.js";

/** Targets Strata can deploy to today. */
export const AVAILABLE_TARGETS = ["local"] as const;
export type TargetName = (typeof AVAILABLE_TARGETS)[number];

/**
 * Where and for which environment primitives are deployed. Read once from
 * stack config (namespace `strata`) by {@link stackContext}, or built by hand
 * and passed as `context` to a primitive.
 */
export interface StrataContext {
  /** Deployment target. Config `strata:target`. @default "local" */
  readonly target: TargetName;
  /**
   * Environment name; decides whether stateful data is protected
   * (see `statefulOptions`). Config `strata:environment`. @default the stack name
   */
  readonly environment: string;
  /**
   * Local target: absolute directory holding this stack's data (secret files,
   * databases, logs). Config `strata:dataDir`.
   * @default `~/.local/share/strata/<project>/<stack>`
   */
  readonly dataDir: string;
  /** Local target: the engines this machine provides (`scripts/setup.sh` records them; the strata command sets them). */
  readonly tools: LocalTools;
}

/** Where the local target finds its engines. */
export interface LocalTools {
  /** PostgreSQL server binaries. Config `strata:postgresBin`. @default "/usr/lib/postgresql/15/bin" */
  readonly postgresBin: string;
  /** Unpacked Trino server. Config `strata:trinoHome`. @default none: a Cluster requires it */
  readonly trinoHome?: string;
  /** JDK >= 24 for Trino. Config `strata:javaHome`. @default none: a Cluster requires it */
  readonly javaHome?: string;
}

/** The stack config a context is read from; `pulumi.Config` satisfies it. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/** Builds and checks a context from stack config. Pure: tested without Pulumi. */
export function contextFromConfig(config: ConfigSource, project: string, stack: string): StrataContext {
  const checks = new IssueCollector("Stack config", `${project}/${stack}`);
  const target = config.get("target") ?? "local";
  if (!(AVAILABLE_TARGETS as readonly string[]).includes(target)) {
    checks.add(
      "strata:target",
      target,
      "is not a target this version can deploy to",
      `set one of ${AVAILABLE_TARGETS.map((t) => `"${t}"`).join(", ")} (pulumi config set strata:target local)`,
    );
  }
  const environment = config.get("environment") ?? stack;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(environment)) {
    checks.add(
      "strata:environment",
      environment,
      "is not a valid environment name",
      'use lower-case letters, digits and "-" (e.g. "dev", "prod")',
    );
  }
  const dataDir = config.get("dataDir") ?? path.join(os.homedir(), ".local", "share", "strata", project, stack);
  if (!path.isAbsolute(dataDir)) {
    checks.add("strata:dataDir", dataDir, "is not an absolute path", "give an absolute directory, e.g. /var/lib/strata/dev");
  }
  const tools: LocalTools = {
    postgresBin: config.get("postgresBin") ?? "/usr/lib/postgresql/15/bin",
    ...(config.get("trinoHome") === undefined ? {} : { trinoHome: config.get("trinoHome") }),
    ...(config.get("javaHome") === undefined ? {} : { javaHome: config.get("javaHome") }),
  };
  for (const [key, value] of Object.entries(tools)) {
    if (!path.isAbsolute(value)) checks.add(`strata:${key}`, value, "is not an absolute path", "give an absolute directory");
  }
  if (checks.issues.length > 0) throw new StrataValidationError(checks.issues);
  return { target: target as TargetName, environment, dataDir: path.normalize(dataDir), tools };
}

let cached: { key: string; context: StrataContext } | undefined;

/** The context of the stack being deployed, read from its `strata:*` config once per stack. */
export function stackContext(): StrataContext {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const config = new pulumi.Config("strata");
  // Keyed by the raw config too: a process may deploy the same stack twice with new config.
  const keys = ["target", "environment", "dataDir", "postgresBin", "trinoHome", "javaHome"];
  const key = JSON.stringify([project, stack, ...keys.map((k) => config.get(k))]);
  if (cached?.key !== key) cached = { key, context: contextFromConfig(config, project, stack) };
  return cached.context;
}
