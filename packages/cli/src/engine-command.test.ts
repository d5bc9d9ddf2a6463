import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, test } from "vitest";
import { OperationRecord, engineCommand } from "./engine-command.js";

/** A stand-in CLI recording the commands it is asked to run. */
function fakeCli() {
  const ran: string[][] = [];
  const command = { run: async (args: string[]) => (ran.push(args), { stdout: "from the CLI", stderr: "", code: 0 }) };
  return { ran, command: command as unknown as pulumi.automation.PulumiCommand };
}
type Run = { run(args: string[]): Promise<{ stdout: string }> };

describe("the runner's engine command", () => {
  const stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "strata-engine-")), "dev.json");

  test("up and destroy preview first in the same engine run; skipPreview keeps the flag; other commands are untouched", async () => {
    const cli = fakeCli();
    const wrapped = engineCommand(cli.command, { skipPreview: false, stateFile }) as unknown as Run;
    await wrapped.run(["up", "--yes", "--skip-preview"]);
    await wrapped.run(["destroy", "--yes", "--skip-preview"]);
    await wrapped.run(["refresh", "--yes", "--skip-preview"]);
    const skipping = engineCommand(cli.command, { skipPreview: true, stateFile }) as unknown as Run;
    await skipping.run(["up", "--yes", "--skip-preview"]);
    expect(cli.ran).toEqual([
      ["up", "--yes"],
      ["destroy", "--yes"],
      ["refresh", "--yes", "--skip-preview"],
      ["up", "--yes", "--skip-preview"],
    ]);
  });

  test("stack select is answered only for a stack the backend holds", async () => {
    const cli = fakeCli();
    const wrapped = engineCommand(cli.command, { skipPreview: false, stateFile }) as unknown as Run;
    await wrapped.run(["stack", "select", "--stack", "dev"]);
    expect(cli.ran).toEqual([["stack", "select", "--stack", "dev"]]);
    fs.writeFileSync(stateFile, "{}");
    await wrapped.run(["stack", "select", "--stack", "dev"]);
    expect(cli.ran).toHaveLength(1);
  });

  test("after an operation, outputs and the summary come from its engine events; before, from the CLI", async () => {
    const cli = fakeCli();
    const record = new OperationRecord();
    const wrapped = engineCommand(cli.command, { skipPreview: false, stateFile, record }) as unknown as Run;
    expect((await wrapped.run(["stack", "output", "--json"])).stdout).toBe("from the CLI");
    await wrapped.run(["up", "--yes", "--skip-preview"]);
    record.events.push(
      {
        resOutputsEvent: {
          metadata: { op: "same", urn: "u", type: "pulumi:pulumi:Stack", new: { outputs: { endpoint: "http://x", pw: "[secret]" } } },
        },
      } as never,
      { summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { same: 33 }, policyPacks: {} } } as never,
    );
    expect(JSON.parse((await wrapped.run(["stack", "output", "--json", "--show-secrets"])).stdout)).toEqual({
      endpoint: "http://x",
      pw: "[secret]",
    });
    const [summary] = JSON.parse(
      (await wrapped.run(["stack", "history", "--json", "--show-secrets", "--page-size", "1", "--page", "1"])).stdout,
    );
    expect(summary).toMatchObject({ kind: "update", result: "succeeded", resourceChanges: { same: 33 } });
    // A full history is the CLI's.
    expect((await wrapped.run(["stack", "history", "--json"])).stdout).toBe("from the CLI");
  });
});
