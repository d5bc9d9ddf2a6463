// The `strata` command itself (the built binary), on the bundled templates:
// a control-plane stack, and the demo data plane reading its policies through
// a StackReference, deployed as a non-dev (protected) environment.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse, stringify } from "yaml";
import AxeBuilder from "@axe-core/playwright";
import { loadTemplate, openStack } from "@strata/cli";
import { TrinoSession, passwordFromFile } from "@strata/user-kernel";
import { launchChromium } from "../support/browser.js";

const repo = path.resolve(import.meta.dirname, "..", "..");
const bin = path.join(repo, "packages", "cli", "dist", "bin.js");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "strata-cli-"));
// Traversable, like a user's home: PostgreSQL runs as its own system user below it when we are root.
fs.chmodSync(home, 0o711);
const stackName = `test-cli-${process.pid}`;
const stackFile = path.join(repo, "stacks", "local", `Pulumi.${stackName}.yaml`);
const controlStack = `test-cp-${process.pid}`;
const controlFile = path.join(repo, "stacks", "control-plane", `Pulumi.${controlStack}.yaml`);
const CONTROL_PASSWORD = "cp-shared-warehouse-pw-58Kq";
const dataDir = path.join(home, "data", "strata-local", stackName);
// Screenshots of the console's pages, kept after the run.
const artefacts = path.join(repo, "test", "artefacts", "console");
fs.mkdirSync(artefacts, { recursive: true });

function strata(...args: string[]) {
  return strataWith({}, ...args);
}

/** The binary with extra environment variables. */
function strataWith(env: Record<string, string>, ...args: string[]) {
  const stack = args.includes("--stack") ? [] : ["--stack", stackName];
  const result = spawnSync(process.execPath, [bin, ...args, ...stack, "--home", home], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "", ...env },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** The pid of this stack's Trino: the JVM whose command line names the Cluster's own folder. */
function trinoPid(): number {
  const folder = path.join(dataDir, "clusters", "analytics") + path.sep;
  const read = (pid: string) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      return "";
    }
  };
  const pid = fs
    .readdirSync("/proc")
    .find((p) => /^\d+$/.test(p) && read(p).includes("io.trino.server.TrinoServer") && read(p).includes(folder));
  return Number(pid ?? 0);
}
/** The pid of the demo's model API (its server script, run by Node). */
function modelApiPid(): number {
  const found = fs
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .find((p) => {
      try {
        const cmdline = fs.readFileSync(`/proc/${p}/cmdline`, "utf8");
        return cmdline.includes("api-server.js") && cmdline.includes(dataDir);
      } catch {
        return false;
      }
    });
  if (found === undefined) throw new Error("the model API is not running");
  return Number(found);
}

/** The demo users' password files (the stack's `logins` output). */
function logins(): Record<string, string> {
  return (parse(strata("outputs").out) as { logins: Record<string, string> }).logins;
}

/** `strata console` on a free port and a Chromium page, with the page's errors, an axe-core check and screenshots. */
async function openConsole() {
  const server = spawn(process.execPath, [bin, "console", "--port", "0", "--stack", stackName, "--home", home], {
    env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const found = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (found) resolve(found[0]);
    });
    server.once("exit", (code) => reject(new Error(`strata console exited (${code}) before listening: ${out}`)));
  });
  const browser = await launchChromium().catch((error: unknown) => {
    server.kill("SIGTERM");
    throw error;
  });
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  return {
    url,
    page,
    errors,
    shot: (name: string) => page.screenshot({ path: path.join(artefacts, `${name}.png`), fullPage: true }),
    serious: async () =>
      (await new AxeBuilder({ page }).analyze()).violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    close: async () => {
      await browser.close();
      server.kill("SIGTERM");
    },
  };
}

const isTrino = (pid: number) =>
  fs.existsSync(`/proc/${pid}/cmdline`) && fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("TrinoServer");

beforeAll(async () => {
  // The control plane: the shared password (a secret in its stack config) and analysts limited to US rows.
  const controlPlane = await loadTemplate("control-plane");
  const control = await openStack({ ...controlPlane, stackName: controlStack, home });
  await control.setConfig("warehousePassword", { value: CONTROL_PASSWORD, secret: true });
  await control.setConfig("analystRegion", { value: "US" });
  const up = strata("up", "--template", "control-plane", "--stack", controlStack);
  expect(up.err).toBe("");
  expect(up.code).toBe(0);
  // The data plane reads it, and is a production environment: its data is protected.
  fs.writeFileSync(
    stackFile,
    `config:\n  strata-local:controlPlane: organization/strata-control-plane/${controlStack}\n  strata:environment: prod\n`,
  );
});

afterAll(() => {
  // Whatever happened above, leave no process behind: lift protection, then destroy both stacks.
  strata("unprotect");
  strata("destroy");
  strata("destroy", "--template", "control-plane", "--stack", controlStack);
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(stackFile, { force: true });
  fs.rmSync(controlFile, { force: true });
});

describe("the strata command", () => {
  test("demo deploys stacks/local with the control plane's policies and password, and shows the query as each user", () => {
    const { code, out, err } = strata("demo");
    expect(err).toBe("");
    expect(code).toBe(0);
    const section = (user: string) => out.slice(out.indexOf(`-- as ${user}`), out.indexOf("\n-- as", out.indexOf(`-- as ${user}`) + 1));
    expect(section("admin")).toContain("emily.carter@example.com");
    expect(section("admin")).toContain("8 rows");
    // The control plane set analysts' region to US.
    expect(section("analyst")).toContain("***@example.com");
    expect(section("analyst")).not.toContain("emily.carter@");
    expect(section("analyst")).not.toContain("***@example.fr");
    expect(section("analyst")).toContain("2 rows");
    expect(out.slice(out.indexOf("-- as guest"))).toContain("PERMISSION_DENIED: Access Denied: Cannot access catalog warehouse");
    const file = path.join(dataDir, "secrets", "warehouse-password");
    expect(out).toContain(`Secret "warehouse-password" is stored in ${file} with mode 0600`);
    // The password is the control plane's, and it is never printed.
    expect(fs.readFileSync(file, "utf8")).toBe(CONTROL_PASSWORD);
    expect(out).not.toContain(CONTROL_PASSWORD);
    // The workflow ran once and built the lake table; the analyst sees its EU rows only.
    const workflow = out.slice(out.indexOf('== Workflow "daily-revenue"'));
    expect(workflow).toMatch(/run [0-9a-f-]{36} of daily-revenue \(manual\): Succeeded/);
    const lakeSection = (user: string) =>
      workflow.slice(workflow.indexOf(`-- as ${user}`), workflow.indexOf("\n-- as", workflow.indexOf(`-- as ${user}`) + 1));
    expect(lakeSection("admin")).toContain("10 rows");
    expect(lakeSection("admin")).toContain("APAC");
    expect(lakeSection("analyst")).toContain("5 rows");
    expect(lakeSection("analyst")).not.toMatch(/\b(US|APAC)\b/);
    // The model API as each user: the control plane's analysts see US customers only.
    const api = out.slice(out.indexOf("== The model API"), out.indexOf("== Data contracts"));
    const apiSection = (user: string) => api.slice(api.indexOf(`-- as ${user}`), api.indexOf("\n-- as", api.indexOf(`-- as ${user}`) + 1));
    expect(apiSection("admin")).toMatch(/HTTP 200[\s\S]*APAC[\s\S]*EU[\s\S]*US/);
    expect(apiSection("analyst")).toMatch(/│ US\s+│ 38000\s+│ 3\s+│ 2\s+│/);
    expect(apiSection("analyst")).not.toMatch(/│ (EU|APAC) /);
    // Both contracts were checked and passed.
    expect(out).toMatch(/Contract "daily-revenue": passed/);
    expect(out).toMatch(/Contract "orders": passed/);
  });

  test("check runs the stack's contracts: exit 1 when a blocking rule fails, 0 once repaired", async () => {
    const passed = strata("check", "daily-revenue");
    expect(passed.code).toBe(0);
    expect(passed.out).toMatch(/Contract "daily-revenue": passed/);
    // admin logs in with the password in their Secret's file, through the binary's query command.
    const outputs = parse(strata("outputs").out) as { endpoint: string; logins: Record<string, string> };
    expect(outputs.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const admin = (sql: string) => strata("query", "--as", "admin", "--password-file", outputs.logins.admin!, sql);
    // A region the contract does not accept (the warehouse itself would refuse bad orders: its constraints match the contract).
    expect(admin("INSERT INTO lake.sales.daily_revenue VALUES (DATE '2026-11-30', 'MARS', 'FRANCE', 1, 100)").code).toBe(0);
    try {
      const failed = strata("check", "daily-revenue");
      expect(failed.code).toBe(1);
      expect(failed.out).toMatch(/Contract "daily-revenue": 1 blocking rule\(s\) failed/);
      expect(failed.out).toMatch(/invalidValues\(region\)\s*│\s*= 0 rows\s*│\s*1\s*│\s*failed/);
    } finally {
      expect(admin("DELETE FROM lake.sales.daily_revenue WHERE region = 'MARS'").code).toBe(0);
    }
    expect(strata("check").code).toBe(0);
    const unknown = strata("check", "invoices");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('the stack has no Contract "invoices". Fix: use one of: daily-revenue, orders');
  });

  test("query logs in with a password from a file, an environment variable or nowhere: refused without the right one", () => {
    const outputs = parse(strata("outputs").out) as { logins: Record<string, string> };
    const sql = "SELECT count(*) AS n FROM tpch.tiny.nation";
    const fromFile = strata("query", "--as", "analyst", "--password-file", outputs.logins.analyst!, sql);
    expect(fromFile.code, fromFile.err).toBe(0);
    expect(fromFile.out).toMatch(/│ 25 │[\s\S]*1 rows/);
    const password = fs.readFileSync(outputs.logins.analyst!, "utf8");
    const fromEnv = strataWith({ STRATA_PASSWORD: password }, "query", "--as", "analyst", sql);
    expect(fromEnv.code, fromEnv.err).toBe(0);
    const wrong = strataWith({ STRATA_PASSWORD: `${password}-not` }, "query", "--as", "analyst", sql);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/refused the login of analyst \(HTTP 401\)/);
    // Another user's password does not log in as admin.
    const borrowed = strataWith({ STRATA_PASSWORD: password }, "query", "--as", "admin", sql);
    expect(borrowed.code).toBe(1);
    expect(borrowed.err).toMatch(/refused the login of admin/);
    // No password anywhere, and no terminal to ask on: the three ways are named.
    const none = strataWith({ STRATA_PASSWORD: "" }, "query", "--as", "analyst", sql);
    expect(none.code).not.toBe(0);
    expect(none.err).toMatch(/no password for analyst\. Fix: set STRATA_PASSWORD, pass --password-file/);
  });

  test("runs, run-status and logs of the demo's workflow through the binary", () => {
    const runs = strata("runs");
    expect(runs.code).toBe(0);
    expect(runs.out).toMatch(/daily-revenue\s*│\s*manual\s*│\s*Succeeded/);
    const id = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(runs.out)![0];
    const status = strata("run-status", id);
    expect(status.out).toMatch(/build\s*│\s*1\s*│\s*Succeeded/);
    expect(strata("logs", id, "build").out).toContain("-- INSERT: 10 rows");
    const unknown = strata("run", "nightly");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no workflow "nightly" in this stack. Fix: name one of daily-revenue');
  });

  test("the catalog output lists every primitive with its owner and inputs", () => {
    const { code, out } = strata("outputs");
    expect(code).toBe(0);
    const catalog = (parse(out) as { catalog: Array<Record<string, unknown>> }).catalog;
    // Sorted by address.
    expect(catalog.map((e) => [e.address, e.kind, e.name, e.owner])).toEqual([
      ["strata://lake", "Depot", "lake", "data-platform"],
      ["strata://lake_catalog", "Depot", "lake-catalog-depot", "data-platform"],
      ["strata://strata_runs", "Depot", "strata-runs-depot", "data-platform"],
      ["strata://tpch", "Depot", "tpch", "data-platform"],
      ["strata://warehouse", "Depot", "warehouse-depot", "sales-engineering"],
      ["strata:cluster/analytics", "Cluster", "analytics", "data-platform"],
      ["strata:compute/analytics-compute", "Compute", "analytics-compute", "data-platform"],
      ["strata:contract/daily-revenue", "Contract", "daily-revenue", "sales-engineering"],
      ["strata:contract/orders", "Contract", "orders", "sales-engineering"],
      ["strata:database/lake-catalog", "Database", "lake-catalog", "data-platform"],
      ["strata:database/strata-runs", "Database", "strata-runs", "data-platform"],
      ["strata:database/warehouse", "Database", "warehouse", "sales-engineering"],
      ["strata:model/sales", "Model", "sales", "sales-engineering"],
      ["strata:modelapi/sales-api", "ModelApi", "sales-api", "sales-engineering"],
      ["strata:policy/admins", "Policy", "admins", "data-platform"],
      ["strata:policy/analysts", "Policy", "analysts", "data-platform"],
      ["strata:policy/contract-checks", "Policy", "contract-checks", "data-platform"],
      ["strata:policy/lake-readers", "Policy", "lake-readers", "data-platform"],
      ["strata:policy/models", "Policy", "models", "data-platform"],
      ["strata:policy/pipelines", "Policy", "pipelines", "data-platform"],
      ["strata:secret/warehouse-password", "Secret", "warehouse-password", "data-platform"],
      ["strata:service/sales-api-service", "Service", "sales-api-service", "sales-engineering"],
      ["strata:workflow/daily-revenue", "Workflow", "daily-revenue", "sales-engineering"],
      ["strata:workspace/marketing", "Workspace", "marketing", "marketing"],
    ]);
    // Lineage: the Cluster reads its depots, the workflow its Cluster and the contract it checks, a contract
    // its table, a model its tables; policies name what they govern.
    const byAddress = new Map(catalog.map((e) => [e.address, e]));
    expect(byAddress.get("strata:cluster/analytics")!.inputs).toEqual(["strata://lake", "strata://tpch", "strata://warehouse"]);
    expect(byAddress.get("strata:workflow/daily-revenue")!.inputs).toEqual(["strata:cluster/analytics", "strata:contract/daily-revenue"]);
    expect(byAddress.get("strata:contract/orders")!.inputs).toEqual(["strata://warehouse/public/orders", "strata:cluster/analytics"]);
    expect(byAddress.get("strata:model/sales")!.inputs).toEqual([
      "strata://tpch/tiny/nation",
      "strata://warehouse/public/customers",
      "strata://warehouse/public/orders",
    ]);
    expect(byAddress.get("strata:policy/analysts")!.inputs).toEqual(["strata://tpch", "strata://warehouse"]);
    expect(byAddress.get("strata://warehouse")!).toMatchObject({ domain: "sales", tags: {} });
  });

  test("the Compute's budget sizes Trino, and the Workspace is a private folder", () => {
    const pid = trinoPid();
    expect(isTrino(pid)).toBe(true);
    // CLUSTER_MEMORY_MB 2048: the JVM heap is 80 % of it.
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toContain("-Xmx1638m");
    const workspace = path.join(dataDir, "workspaces", "marketing");
    expect(fs.statSync(workspace).isDirectory()).toBe(true);
    expect(fs.statSync(workspace).mode & 0o777).toBe(0o700);
    expect(strata("outputs").out).toContain(`marketing: ${workspace}`);
  });

  test("up through the binary changes nothing, and history numbers every deployment", () => {
    const before = strata("history").out.trim().split("\n").filter(Boolean).length;
    const { code, out } = strata("up");
    expect(code).toBe(0);
    expect(out).toMatch(/Resources:\s+\d+ unchanged/);
    expect(out).not.toMatch(/[+~-] +\d+ (created|updated|deleted)/);
    const history = strata("history")
      .out.trim()
      .split("\n")
      .map((line) => line.split("\t"));
    expect(history.map((h) => h[0])).toEqual(Array.from({ length: before + 1 }, (_, i) => String(i + 1)));
    expect(history.at(-1)!.slice(2, 4)).toEqual(["up", "succeeded"]);
  });

  test("a killed engine is started again by the supervisor; strata get shows the restart and its last exit", async () => {
    // The model API, which starts in a second (Trino's own restart after SIGKILL is platform.test.ts's).
    const pid = modelApiPid();
    process.kill(pid, "SIGKILL");
    const engineLine = () =>
      strata("get")
        .out.split("\n")
        .find((line) => line.includes("sales-api-service-process")) ?? "";
    const deadline = Date.now() + 30_000;
    while (!/RUNNING/.test(engineLine()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
    const line = engineLine();
    expect(line).toMatch(/RUNNING/);
    expect(line).toMatch(/│ 1 +│/);
    expect(line).toContain("terminated by SIGKILL");
    expect(modelApiPid()).not.toBe(pid);
    // Every engine of the stack is listed, each with its log.
    expect(strata("get").out).toMatch(/warehouse-server-server +│ RUNNING/);
    expect(strata("get").out).toMatch(/analytics-server +│ RUNNING/);
    // Nothing to put right: up converges without recreating anything.
    const up = strata("up");
    expect(up.code, `${up.out}\n${up.err}`).toBe(0);
    expect(up.out).not.toMatch(/^ +\d+ (to create|created|to replace|replaced|to delete|deleted)$/m);
    expect(up.out).toMatch(/^ +\d+ unchanged$/m);
  });

  test("console: sign-in through the Cluster, then Overview and Access in Chromium, without console errors or serious accessibility violations", async () => {
    const { url, page, errors, serious, shot, close } = await openConsole();
    try {
      await page.goto(url);
      await page.getByRole("textbox", { name: "User" }).fill("analyst");
      await page.getByRole("textbox", { name: "Password" }).fill("not-the-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").filter({ hasText: "the Cluster refused this user and password" }).waitFor();
      expect(await serious()).toEqual([]);
      await shot("sign-in");
      // The refused attempt's 401 is the one error the browser logs on purpose.
      expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
      errors.length = 0;

      // An engine that restarts: the model API, killed and started again by the supervisor.
      process.kill(modelApiPid(), "SIGKILL");
      const deadline = Date.now() + 30_000;
      const restarted = () => /sales-api-service-process +│ RUNNING .*│ 1 +│/.test(strata("get").out);
      while (!restarted() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
      // Drift: the marketing Workspace's folder, moved away by hand.
      const workspace = path.join(dataDir, "workspaces", "marketing");
      fs.renameSync(workspace, `${workspace}.moved`);
      await page.getByRole("textbox", { name: "Password" }).fill(fs.readFileSync(logins().analyst!, "utf8"));
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Signed in as analyst").waitFor();
      const cluster = page.locator('tr[data-address="strata:cluster/analytics"]');
      await cluster.waitFor();
      expect(await cluster.textContent()).toContain("running");
      // The model API's restart shows on the primitive that runs it.
      expect(await page.getByText("1 restart", { exact: true }).count()).toBe(1);
      const versions = page.getByRole("table", { name: "Versions" }).locator("tbody tr");
      expect(await versions.count()).toBeGreaterThanOrEqual(1);
      expect(await versions.first().textContent()).toContain("succeeded");
      // The refresh preview finds the folder gone, and says so on its Workspace.
      await page.getByText(/^Drift checked at/).waitFor({ timeout: 60_000 });
      fs.renameSync(`${workspace}.moved`, workspace);
      const marketing = await page.locator('tr[data-address="strata:workspace/marketing"]').textContent();
      expect(marketing).toContain("drifted");
      expect(marketing).toContain("marketing-directory: gone");
      expect(await page.locator('tr[data-address="strata:database/warehouse"]').textContent()).toContain("none");
      expect(await serious()).toEqual([]);
      await shot("overview");

      await page.getByRole("link", { name: "Access" }).click();
      await page.getByRole("heading", { name: "Cluster analytics" }).waitFor();
      // The control plane's rules, as Trino loads them: the analyst reads US customers with emails masked.
      const customers = page.locator("tr", { hasText: "user analyst" }).filter({ hasText: "customers" });
      expect(await customers.first().textContent()).toContain("region = 'US'");
      expect(await customers.first().textContent()).toContain("email");
      expect(await serious()).toEqual([]);
      await shot("access");
      expect(errors).toEqual([]);
      // Signed out, the API answers nothing but the session.
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      expect((await page.request.get(`${url}/api/overview`)).status()).toBe(401);
      expect((await page.request.get(`${url}/api/datasets`)).status()).toBe(401);
      // Another host name (a page whose name was rebound to 127.0.0.1) is refused.
      const rebound = await new Promise<number>((resolve, reject) =>
        http.get(`${url}/api/session`, { headers: { host: "evil.example" } }, (r) => resolve(r.statusCode ?? 0)).on("error", reject),
      );
      expect(rebound).toBe(421);
    } finally {
      await close();
    }
  });

  test("console: the analyst's Datasets (masked preview, a failed contract), Lineage and Runs (a retried step) in Chromium", async () => {
    // A run whose build fails once and is retried, then whose check fails: the lake table has a wrong column
    // type when the run starts, and a row the contract refuses once the type is mended.
    const outputs = parse(strata("outputs").out) as { endpoint: string; caFile: string; logins: Record<string, string> };
    const admin = new TrinoSession({
      endpoint: outputs.endpoint,
      user: "admin",
      password: passwordFromFile(outputs.logins.admin!),
      ca: fs.readFileSync(outputs.caFile, "utf8"),
    });
    const table = "lake.sales.daily_revenue";
    const columns = (orders: string) => `(day date, region varchar, nation varchar, orders ${orders}, revenue_cents bigint)`;
    await admin.query(`DROP TABLE ${table}`);
    await admin.query(`CREATE TABLE ${table} ${columns("varchar")}`);
    const started = strata("run", "daily-revenue");
    expect(started.code, started.err).toBe(0);
    const id = /started run ([0-9a-f-]{36})/.exec(started.out)![1]!;
    const scheduler = JSON.parse(fs.readFileSync(path.join(dataDir, "workflows", "daily-revenue", "workflow.json"), "utf8")) as {
      port: number;
    };
    const runOf = async () =>
      (await (await fetch(`http://127.0.0.1:${scheduler.port}/runs/${id}`)).json()) as {
        status: string;
        attempts: { step: string; attempt: number; status?: string }[];
      };
    const until = async (done: (run: Awaited<ReturnType<typeof runOf>>) => boolean, what: string) => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const run = await runOf();
        if (done(run)) return run;
        if (Date.now() > deadline) throw new Error(`${what}: not after 90 s: ${JSON.stringify(run)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    // The first attempt fails on the column type; the retry comes 10 s later (the step's backoff).
    await until((run) => run.attempts.some((a) => a.step === "build" && a.attempt === 0 && a.status === "Failed"), "build failed once");
    await admin.query(`DROP TABLE ${table}`);
    await admin.query(`CREATE TABLE ${table} ${columns("bigint")}`);
    await admin.query(`INSERT INTO ${table} VALUES (DATE '1999-01-01', 'MARS', 'FRANCE', 1, 100)`);
    const run = await until((r) => r.status !== "Running", "run ended");
    expect(run.status).toBe("Failed");
    expect(run.attempts.filter((a) => a.step === "build").map((a) => a.status)).toEqual(["Failed", "Succeeded"]);

    const { url, page, errors, serious, shot, close } = await openConsole();
    try {
      await page.goto(url);
      await page.getByRole("textbox", { name: "User" }).fill("analyst");
      await page.getByRole("textbox", { name: "Password" }).fill(fs.readFileSync(outputs.logins.analyst!, "utf8"));
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Signed in as analyst").waitFor();

      // Datasets: what Trino lists to the analyst, with owners and the contract's state.
      await page.getByRole("link", { name: "Datasets" }).click();
      const list = page.getByRole("table", { name: "Datasets" });
      await list.waitFor();
      expect(await list.locator('tr[data-address="strata://warehouse/public/orders"]').textContent()).toContain("sales-engineering");
      expect(await list.locator('tr[data-address="strata://lake/sales/daily_revenue"]').textContent()).toContain("failed");
      expect(await serious()).toEqual([]);
      await shot("datasets");

      // A preview as the analyst: emails masked, and the control plane's region (US) only.
      await page.getByRole("link", { name: "warehouse.public.customers" }).click();
      const preview = page.getByRole("table", { name: "Preview" });
      await preview.waitFor();
      const rows = await preview.locator("tbody tr").allTextContents();
      expect(rows.length).toBe(2);
      for (const row of rows) {
        expect(row).toMatch(/\*\*\*@example\./);
        expect(row).toContain("US");
        expect(row).not.toMatch(/\b(EU|APAC)\b/);
      }
      // Column descriptions from the Model.
      expect(await page.getByRole("table", { name: "Columns" }).textContent()).toContain("Contact address (Model sales)");
      expect(await serious()).toEqual([]);
      await shot("dataset-preview");

      // The lake table's contract: the failed rule with its observed value, from the run's check step.
      await page.goto(`${url}/datasets/lake/sales/daily_revenue`);
      const contract = page.getByRole("table", { name: "Contract daily-revenue" });
      await contract.waitFor();
      const failed = contract.locator("tr", { hasText: "invalidValues(region)" });
      expect(await failed.textContent()).toMatch(/= 0 rows\s*1\s*failed/);
      expect(await failed.textContent()).toContain(`run ${id.slice(0, 8)} of daily-revenue`);
      // The chart of the contract's checks (its code loads after the tables).
      await page.locator(".recharts-bar-rectangle").first().waitFor();
      expect(await serious()).toEqual([]);
      await shot("dataset-contract");

      // Lineage: daily_revenue is downstream of the warehouse orders and of TPC-H's nations.
      for (const source of ["strata://warehouse/public/orders", "strata://tpch/tiny/nation"]) {
        await page.goto(`${url}/lineage?node=${encodeURIComponent(source)}`);
        await page.locator(".react-flow__node").first().waitFor();
        const nodes = await page.locator(".react-flow__node").allTextContents();
        expect(nodes).toContain("lake.sales.daily_revenue");
        expect(nodes.some((n) => /^Workflow daily-revenue\s*last run fail/.test(n))).toBe(true);
        // The graph reaches no table that is neither upstream nor downstream.
        expect(nodes).not.toContain("warehouse.public.strata_migrations");
      }
      expect(await serious()).toEqual([]);
      await shot("lineage");

      // Runs: the failed run; its build step's two attempts, the first one's error, and the retry's log.
      await page.getByRole("link", { name: "Runs" }).click();
      await page.locator(`tr[data-run="${id}"]`).getByRole("link").click();
      const build = page.locator('section[data-step="build"]');
      await build.waitFor();
      expect(await build.textContent()).toContain("2 attempts");
      expect(await build.textContent()).toMatch(/Attempt 1: Failed[\s\S]*retried[\s\S]*Attempt 2: Succeeded/);
      expect(await page.locator('section[data-step="check"]').textContent()).toContain("Failed");
      await build.getByRole("button", { name: "Show the log of build" }).click();
      const log = page.getByLabel("Log of build", { exact: true });
      await log.waitFor();
      expect(await log.textContent()).toMatch(/==> build \(attempt 1\) <==[\s\S]*==> build \(attempt 2\) <==[\s\S]*-- INSERT: 10 rows/);
      expect(await serious()).toEqual([]);
      await shot("run");
      expect(errors).toEqual([]);

      // The guest, granted nothing, is listed no table, and a preview is Trino's refusal.
      const signIn = await fetch(`${url}/api/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user: "guest", password: fs.readFileSync(outputs.logins.guest!, "utf8") }),
      });
      expect(signIn.status).toBe(200);
      const cookie = { cookie: signIn.headers.get("set-cookie")!.split(";")[0]! };
      const seen = (await (await fetch(`${url}/api/datasets`, { headers: cookie })).json()) as { datasets: unknown[] };
      expect(seen.datasets).toEqual([]);
      const refused = await fetch(`${url}/api/datasets/warehouse/public/customers/preview`, { headers: cookie });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: string }).error).toContain("Access Denied");
    } finally {
      await close();
      await admin.query(`DELETE FROM ${table} WHERE region = 'MARS'`);
    }
  });

  test("an unknown target is refused at preview with the fix", () => {
    const original = fs.readFileSync(stackFile, "utf8");
    try {
      const edited = parse(original) as { config: Record<string, unknown> };
      edited.config["strata:target"] = "mainframe";
      fs.writeFileSync(stackFile, stringify(edited));
      const { code, err, out } = strata("preview");
      expect(code).toBe(1);
      expect(out + err).toContain('strata:target="mainframe" is not a target this version can deploy to');
    } finally {
      fs.writeFileSync(stackFile, original);
    }
  });

  test("destroy of a protected stack is refused; after unprotect it stops everything and keeps the data", () => {
    const pid = trinoPid();
    const refused = strata("destroy");
    expect(refused.code).toBe(1);
    expect(refused.out + refused.err).toMatch(/protected/);
    expect(isTrino(pid)).toBe(true);
    const unprotected = strata("unprotect");
    expect(unprotected.code).toBe(0);
    const { code, out } = strata("destroy");
    expect(code).toBe(0);
    expect(isTrino(pid)).toBe(false);
    // The engine names `pulumi stack rm`, which users may not have: the strata command follows it, and works.
    expect(out).toMatch(/run `pulumi stack rm \S+`\.\n\s*With strata: npm run strata -- remove --stack \S+/);
    // Retained outside dev stacks: the warehouse's data and the Workspace folder stay on disk.
    expect(fs.existsSync(path.join(dataDir, "postgres", "warehouse-server", "data", "PG_VERSION"))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, "workspaces", "marketing"))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, "secrets", "warehouse-password"))).toBe(false);
    const removed = strata("remove");
    expect(removed.code).toBe(0);
    expect(removed.out).toContain(`Removed stack ${stackName}.`);
  });
});
