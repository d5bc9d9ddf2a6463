// `strata check`: the Contracts of a deployed stack, run on demand. Their
// compiled plans and Cluster endpoints are in the stack's state (outputs of
// each Contract), so no program runs.
import * as fs from "node:fs";
import { type QualityPlan, type QualityReport, TrinoSession, passwordFromFile, runQualityPlan } from "@strata/user-kernel";
import { type StackTarget, openStack } from "./runner.js";

/** A deployed Contract: what `strata check` needs to run it. */
export interface DeployedContract {
  name: string;
  plan: QualityPlan;
  endpoint: string;
  user: string;
  /** The Contract's service account: its password's file and the certificate authority's (local target). */
  passwordFile?: string;
  caFile?: string;
}

/** The Contracts in a stack's state, by name. */
export async function deployedContracts(target: StackTarget): Promise<DeployedContract[]> {
  const stack = await openStack(target);
  const deployment = await stack.exportStack();
  const resources = (deployment.deployment?.resources ?? []) as { type: string; urn: string; outputs?: Record<string, unknown> }[];
  return resources
    .filter((r) => r.type === "strata:user:Contract" && r.outputs?.plan !== undefined)
    .map((r) => ({
      name: r.urn.split("::").at(-1)!,
      plan: r.outputs!.plan as QualityPlan,
      endpoint: String(r.outputs!.endpoint),
      user: String(r.outputs!.user),
      ...(typeof r.outputs!.passwordFile === "string" ? { passwordFile: r.outputs!.passwordFile } : {}),
      ...(typeof r.outputs!.caFile === "string" ? { caFile: r.outputs!.caFile } : {}),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Runs one deployed Contract's checks as its own service account. */
export function checkContract(contract: DeployedContract): Promise<QualityReport> {
  const session = new TrinoSession({
    endpoint: contract.endpoint,
    user: contract.user,
    source: "strata-check",
    ...(contract.passwordFile ? { password: passwordFromFile(contract.passwordFile) } : {}),
    ...(contract.caFile ? { ca: fs.readFileSync(contract.caFile, "utf8") } : {}),
  });
  return runQualityPlan(contract.plan, async (sql) => (await session.query(sql)).rows);
}
