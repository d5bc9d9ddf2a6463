import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { bundledStacksDir, cacheDir, failureSummary, loadTemplate, loadToolchain, projectName, templateDir } from "@strata/cli";

describe("toolchain", () => {
  test("cache directory: STRATA_CACHE, then XDG_CACHE_HOME/strata, then ~/.cache/strata", () => {
    expect(cacheDir({ STRATA_CACHE: "/x/y" })).toBe("/x/y");
    expect(cacheDir({ XDG_CACHE_HOME: "/c" })).toBe("/c/strata");
    expect(cacheDir({})).toBe(path.join(os.homedir(), ".cache", "strata"));
  });

  test("a missing toolchain says how to create it", () => {
    expect(() => loadToolchain({ STRATA_CACHE: "/nonexistent" })).toThrow(
      "No toolchain at /nonexistent/toolchain.json. Run scripts/setup.sh first",
    );
  });
});

describe("templates", () => {
  test("a bundled name resolves to stacks/<name>", () => {
    expect(templateDir("local")).toBe(path.join(bundledStacksDir(), "local"));
    expect(fs.existsSync(path.join(bundledStacksDir(), "local", "Pulumi.yaml"))).toBe(true);
  });

  test("the local template loads with its project name and program", async () => {
    const template = await loadTemplate("local");
    expect(projectName(template.workDir)).toBe("strata-local");
    expect(typeof template.program).toBe("function");
  });

  test("a folder that is not a template is refused with the reason", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-not-a-template-"));
    await expect(loadTemplate(dir)).rejects.toThrow(`${dir} is not a built stack template: it needs Pulumi.yaml and program.js`);
    fs.rmSync(dir, { recursive: true });
  });
});

describe("failureSummary", () => {
  test("keeps the engine's error lines and Strata's validation errors, once each", () => {
    const message = [
      "code: 255",
      " stdout: Previewing update (dev):",
      '    pulumi:pulumi:Stack strata-local-dev  error: Unhandled exception: StrataValidationError: Secret "x": value="" is empty. Fix: give a value',
      " stderr: Command failed with exit code 255: pulumi preview --stack dev",
      'error: Unhandled exception: StrataValidationError: Secret "x": value="" is empty. Fix: give a value',
      "error: preview failed",
      'Secret "x": value="" is empty. Fix: give a value',
    ].join("\n");
    expect(failureSummary(new Error(message))).toBe('Secret "x": value="" is empty. Fix: give a value');
  });

  test("falls back to the whole message", () => {
    expect(failureSummary(new Error("something odd"))).toBe("something odd");
  });
});
