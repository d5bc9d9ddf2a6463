import { describe, expect, test } from "vitest";
import { type ArgoTemplate, type PlannedStep, type WorkflowPlan, compileWorkflow, parseDepends, parseDuration } from "./compile.js";
import { type AttemptOutcome, type Clock, type RunRecorder, backoffDelayMs, executeWorkflow } from "./runner.js";
import { scheduleDue } from "./scheduler.js";
import { cronProblem, findCycle, validateWorkflowArgs } from "./validate.js";

const trino = { server: "http://127.0.0.1:8080", user: "workflow-daily", image: "trinodb/trino:476" };

function plan(steps: PlannedStep[], extra: Partial<WorkflowPlan> = {}): WorkflowPlan {
  return { name: "daily", labels: {}, steps, schedules: [], timezone: "UTC", concurrency: "Forbid", suspend: false, ...extra };
}

function sql(name: string, dependencies: string[] = [], extra: Partial<PlannedStep> = {}): PlannedStep {
  return { name, dependencies, kind: "sql", statements: [`SELECT '${name}'`], trino, ...extra } as PlannedStep;
}

describe("compileWorkflow", () => {
  test("a DAG with retries, timeouts, secrets and a schedule compiles to Argo v4 objects", () => {
    const compiled = compileWorkflow(
      plan(
        [
          { ...sql("extract"), retry: { limit: 2, backoff: { duration: "10s", factor: 3, maxDuration: "5m" } }, timeoutSeconds: 600 },
          {
            name: "load",
            dependencies: ["transform", "extract"],
            kind: "command",
            image: "python:3.12",
            command: ["python3", "load.py", "--full"],
            workingDir: "/srv/pipelines",
            env: { MODE: "full" },
            secretEnv: { TOKEN: { secret: "api-token", key: "value" } },
            retry: { limit: 1, policy: "Always" },
          },
          sql("transform", ["extract"]),
        ],
        { schedules: ["0 2 * * *"], timezone: "Europe/Paris", concurrency: "Replace", parallelism: 2, timeoutSeconds: 7200 },
      ),
    );
    expect(compiled.template.spec.templates[0]).toEqual({
      name: "main",
      dag: {
        failFast: false,
        tasks: [
          { name: "extract", template: "extract" },
          { name: "load", template: "load", depends: "extract.Succeeded && transform.Succeeded" },
          { name: "transform", template: "transform", depends: "extract.Succeeded" },
        ],
      },
    });
    expect(compiled.template.spec.templates[1]).toEqual({
      name: "extract",
      metadata: { annotations: { "strata.dev/step-kind": "sql", "strata.dev/statements": JSON.stringify(["SELECT 'extract'"]) } },
      script: {
        image: "trinodb/trino:476",
        command: ["trino", "--server=http://127.0.0.1:8080", "--user=workflow-daily", "--file"],
        source: "SELECT 'extract';",
      },
      retryStrategy: { limit: 2, retryPolicy: "OnFailure", backoff: { duration: "10s", factor: 3, maxDuration: "5m" } },
      activeDeadlineSeconds: 600,
    });
    expect(compiled.template.spec.templates[2]).toEqual({
      name: "load",
      metadata: { annotations: { "strata.dev/step-kind": "command" } },
      container: {
        image: "python:3.12",
        command: ["python3"],
        args: ["load.py", "--full"],
        workingDir: "/srv/pipelines",
        env: [
          { name: "MODE", value: "full" },
          { name: "TOKEN", valueFrom: { secretKeyRef: { name: "api-token", key: "value" } } },
        ],
      },
      retryStrategy: { limit: 1, retryPolicy: "Always" },
    });
    expect(compiled.template.spec).toMatchObject({ entrypoint: "main", parallelism: 2, activeDeadlineSeconds: 7200 });
    expect(compiled.cron).toEqual({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "CronWorkflow",
      metadata: { name: "daily", labels: {} },
      spec: {
        schedules: ["0 2 * * *"],
        timezone: "Europe/Paris",
        concurrencyPolicy: "Replace",
        suspend: false,
        workflowSpec: { workflowTemplateRef: { name: "daily" } },
      },
    });
  });

  test("downstream workflows are started by an exit handler, only when the run succeeded", () => {
    const spec = compileWorkflow(plan([sql("a")], { downstream: ["publish", "archive"] })).template.spec;
    expect(spec.onExit).toBe("strata-after");
    expect(spec.templates.slice(2)).toEqual([
      {
        name: "strata-after",
        steps: [
          [
            { name: "start-archive", template: "strata-start-archive", when: "{{workflow.status}} == Succeeded" },
            { name: "start-publish", template: "strata-start-publish", when: "{{workflow.status}} == Succeeded" },
          ],
        ],
      },
      {
        name: "strata-start-archive",
        resource: {
          action: "create",
          manifest: JSON.stringify({
            apiVersion: "argoproj.io/v1alpha1",
            kind: "Workflow",
            metadata: { generateName: "archive-", labels: { "strata.dev/trigger": "after-daily" } },
            spec: { workflowTemplateRef: { name: "archive" } },
          }),
        },
      },
      expect.objectContaining({ name: "strata-start-publish" }),
    ]);
    expect(compileWorkflow(plan([sql("a")])).template.spec.onExit).toBeUndefined();
  });

  test("a check step carries its contract's plan and runs as the contract's user", () => {
    const plan = {
      contract: "orders",
      datasets: ["shop.public.orders"],
      queries: [
        {
          dataset: "shop.public.orders",
          sql: 'SELECT count(*) AS m0 FROM "shop"."public"."orders"',
          purpose: "aggregate" as const,
          columns: [],
        },
      ],
      expectations: [],
      columns: [],
      notExecuted: [],
    };
    const { template } = compileWorkflow({
      name: "w",
      labels: {},
      steps: [
        {
          name: "check",
          dependencies: [],
          kind: "check",
          plan,
          trino: { server: "http://t:8080", user: "contract-orders", image: "trinodb/trino:476" },
        },
      ],
      schedules: [],
      timezone: "UTC",
      concurrency: "Forbid",
      suspend: false,
    });
    const step = template.spec.templates[1]!;
    expect(step.metadata!.annotations).toEqual({ "strata.dev/step-kind": "check", "strata.dev/quality-plan": JSON.stringify(plan) });
    expect(step.script).toEqual({
      image: "trinodb/trino:476",
      command: ["trino", "--server=http://t:8080", "--user=contract-orders", "--file"],
      source: 'SELECT count(*) AS m0 FROM "shop"."public"."orders";',
    });
  });

  test("Kubernetes login: sql steps read the pod's projected token at run time and check the server against the Cluster's authority", () => {
    const login = { tokenAudience: "trino.strata.analytics", caConfigMap: "daily-trino-ca" };
    const spec = compileWorkflow(
      plan([sql("a"), { name: "c", dependencies: [], kind: "command", image: "busybox", command: ["true"], env: {}, secretEnv: {} }], {
        trinoLogin: login,
      }),
    ).template.spec;
    expect(spec.volumes).toEqual([
      {
        name: "strata-trino-token",
        projected: { sources: [{ serviceAccountToken: { audience: "trino.strata.analytics", expirationSeconds: 3600, path: "token" } }] },
      },
      { name: "strata-trino-ca", configMap: { name: "daily-trino-ca" } },
    ]);
    const step = spec.templates.find((t) => t.name === "a")!.script!;
    expect(step.command).toEqual([
      "sh",
      "-c",
      "exec 'trino' '--server=http://127.0.0.1:8080' '--user=workflow-daily' '--truststore-path=/etc/strata/trino-ca/ca.crt' " +
        '--access-token="$(cat /var/run/secrets/strata/trino/token)" --file "$0"',
    ]);
    expect(step.volumeMounts).toEqual([
      { name: "strata-trino-token", mountPath: "/var/run/secrets/strata/trino", readOnly: true },
      { name: "strata-trino-ca", mountPath: "/etc/strata/trino-ca", readOnly: true },
    ]);
    // Command steps get neither the token nor the mounts.
    expect(JSON.stringify(spec.templates.find((t) => t.name === "c"))).not.toContain("strata-trino");
    // Without a login (the local target), the CLI as before.
    expect(compileWorkflow(plan([sql("a")])).template.spec.templates.find((t) => t.name === "a")!.script!.command).toEqual([
      "trino",
      "--server=http://127.0.0.1:8080",
      "--user=workflow-daily",
      "--file",
    ]);
  });

  test("no schedule, no CronWorkflow", () => {
    expect(compileWorkflow(plan([sql("a")])).cron).toBeUndefined();
  });

  test("depends expressions round-trip, and others are refused", () => {
    expect(parseDepends("a.Succeeded && b-c.Succeeded")).toEqual(["a", "b-c"]);
    expect(parseDepends(undefined)).toEqual([]);
    expect(() => parseDepends("a || b")).toThrow(/not a conjunction/);
  });

  test("durations", () => {
    expect(parseDuration("90s")).toBe(90);
    expect(parseDuration("1h30m")).toBe(5400);
    expect(parseDuration("500ms")).toBe(0.5);
    expect(parseDuration("5")).toBe(5);
    expect(parseDuration("5 minutes")).toBeUndefined();
    expect(parseDuration("")).toBeUndefined();
  });
});

describe("validateWorkflowArgs", () => {
  const ok = { steps: [{ name: "a", kind: "sql", sql: "SELECT 1" }] };
  const problems = (args: Record<string, unknown>, name = "daily") =>
    validateWorkflowArgs(name, args, { kubernetes: false }).map((i) => `${i.field}=${JSON.stringify(i.value)} ${i.problem}`);

  test("a valid workflow has no issues", () => {
    expect(
      problems({ ...ok, schedules: ["0 2 * * *", "@hourly"], timezone: "Europe/Paris", concurrency: "Allow", parallelism: 2 }),
    ).toEqual([]);
  });

  test("the cycle is named with its steps in order", () => {
    const steps = [
      { name: "a", kind: "sql", sql: "SELECT 1", dependencies: ["c"] },
      { name: "b", kind: "sql", sql: "SELECT 1", dependencies: ["a"] },
      { name: "c", kind: "sql", sql: "SELECT 1", dependencies: ["b"] },
    ];
    expect(problems({ steps })).toEqual(['steps="a -> b -> c -> a" form a cycle']);
    expect(findCycle([{ name: "x", dependencies: [] }])).toBeUndefined();
  });

  test("unknown dependency, duplicate step, self dependency", () => {
    expect(
      problems({
        steps: [
          { name: "a", kind: "sql", sql: "SELECT 1", dependencies: ["nope", "a"] },
          { name: "a", kind: "sql", sql: "SELECT 2" },
        ],
      }),
    ).toEqual([
      'steps[1].name="a" is a duplicate step',
      'steps[0].dependencies[0]="nope" is an unknown dependency',
      'steps[0].dependencies[1]="a" is the step itself',
    ]);
  });

  test("bad cron expressions and time zones", () => {
    expect(problems({ ...ok, schedules: ["0 25 * * *", "0 2 * *", "0 2 * * MON", 5], timezone: "Mars/Olympus" })).toEqual([
      'schedules[0]="0 25 * * *" is not a cron expression (Constraint error, got value 25 expected range 0-23)',
      'schedules[1]="0 2 * *" does not have five fields (minute hour day month weekday)',
      'schedules[2]="0 2 * * MON" uses names or characters Argo refuses (give days and months as numbers)',
      "schedules[3]=5 is not a string",
      'timezone="Mars/Olympus" is an unknown time zone',
    ]);
    expect(cronProblem("@daily")).toBeUndefined();
  });

  test("untyped input: bad kinds, retries, durations, policies", () => {
    expect(
      problems({
        steps: [
          { name: "A", kind: "shell" },
          { name: "b", kind: "sql", sql: [], retry: { limit: -1, policy: "Sometimes", backoff: { factor: 1.5, maxDuration: "soon" } } },
          { name: "c", kind: "command", command: "ls -l", timeout: "0s", env: { "BAD-NAME": "x" }, workingDir: "relative/dir" },
          { name: "d", kind: "check" },
          { name: "strata-after", kind: "sql", sql: "SELECT 1" },
        ],
        concurrency: "Skip",
        parallelism: 0,
        timeout: "forever",
      }),
    ).toEqual([
      'steps[0].name="A" is not a step name',
      'steps[0].kind="shell" is not a step kind',
      "steps[1].sql=[] is not SQL",
      "steps[1].retry.limit=-1 is not a number of retries",
      'steps[1].retry.policy="Sometimes" is not a retry policy',
      "steps[1].retry.backoff.duration=undefined is missing",
      'steps[1].retry.backoff.maxDuration="soon" is not a duration',
      "steps[1].retry.backoff.factor=1.5 is not a factor Argo accepts",
      'steps[2].command="ls -l" is not a command',
      'steps[2].workingDir="relative/dir" is not an absolute directory',
      'steps[2].env.BAD-NAME="BAD-NAME" is not an environment variable name',
      'steps[2].timeout="0s" is not a duration',
      "steps[3].contract=undefined is missing",
      'steps[4].name="strata-after" starts with "strata-", which Strata keeps for itself',
      'concurrency="Skip" is not a concurrency policy',
      "parallelism=0 is not a number of steps",
      'timeout="forever" is not a duration',
    ]);
  });

  test("command steps need an image on Kubernetes targets", () => {
    const args = { steps: [{ name: "a", kind: "command", command: ["true"] }] };
    expect(validateWorkflowArgs("w", args, { kubernetes: false })).toEqual([]);
    expect(validateWorkflowArgs("w", args, { kubernetes: true }).map((i) => i.field)).toEqual(["steps[0].image"]);
  });
});

/** A clock that only moves when told to (sleeps advance it at once), recording every sleep. */
function fakeClock(start = Date.parse("2026-01-01T00:00:00Z")): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(now),
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** Records the runner's calls as lines. */
function recorder(): RunRecorder & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    attemptStarted: async (step, attempt) => void lines.push(`start ${step}#${attempt}`),
    attemptFinished: async (step, attempt, _at, outcome) => void lines.push(`end ${step}#${attempt} ${outcome.status}`),
    stepFinished: async (step, status) => void lines.push(`step ${step} ${status}`),
  };
}

/** An executor whose steps answer from a script: outcomes per attempt, optionally taking time. */
function scripted(outcomes: Record<string, AttemptOutcome["status"][]>, delayMs = 0) {
  let running = 0;
  const state = { maxRunning: 0, order: [] as string[] };
  return {
    state,
    run: async (template: ArgoTemplate, context: { attempt: number; signal: AbortSignal }): Promise<AttemptOutcome> => {
      running++;
      state.maxRunning = Math.max(state.maxRunning, running);
      state.order.push(template.name);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      running--;
      if (context.signal.aborted) return { status: "Failed", message: "aborted" };
      return { status: outcomes[template.name]?.[context.attempt] ?? "Succeeded" };
    },
  };
}

describe("executeWorkflow (Argo semantics)", () => {
  test("retries a failing step limit times with backoff, then fails it, omits its downstream, and finishes the independent branch", async () => {
    const compiled = compileWorkflow(
      plan([
        { ...sql("flaky"), retry: { limit: 2, backoff: { duration: "10s", factor: 2 } } },
        sql("after-flaky", ["flaky"]),
        sql("independent"),
        sql("after-independent", ["independent"]),
      ]),
    );
    const clock = fakeClock();
    const rec = recorder();
    const result = await executeWorkflow(compiled.template.spec, {
      executor: scripted({ flaky: ["Failed", "Failed", "Failed"] }),
      recorder: rec,
      clock,
    });
    expect(result).toEqual({
      status: "Failed",
      steps: { flaky: "Failed", "after-flaky": "Omitted", independent: "Succeeded", "after-independent": "Succeeded" },
    });
    expect(rec.lines.filter((l) => l.includes("flaky#"))).toEqual([
      "start flaky#0",
      "end flaky#0 Failed",
      "start flaky#1",
      "end flaky#1 Failed",
      "start flaky#2",
      "end flaky#2 Failed",
    ]);
    expect(clock.sleeps).toEqual([10_000, 20_000]);
  });

  test("OnFailure does not retry an error; Always does", async () => {
    const spec = (policy: "OnFailure" | "Always") => compileWorkflow(plan([{ ...sql("a"), retry: { limit: 3, policy } }])).template.spec;
    const onFailure = recorder();
    expect(
      (await executeWorkflow(spec("OnFailure"), { executor: scripted({ a: ["Error"] }), recorder: onFailure, clock: fakeClock() })).status,
    ).toBe("Error");
    expect(onFailure.lines.filter((l) => l.startsWith("start"))).toHaveLength(1);
    const always = recorder();
    const result = await executeWorkflow(spec("Always"), {
      executor: scripted({ a: ["Error", "Succeeded"] }),
      recorder: always,
      clock: fakeClock(),
    });
    expect(result.status).toBe("Succeeded");
    expect(always.lines.filter((l) => l.startsWith("start"))).toHaveLength(2);
  });

  test("no retry once maxDuration has passed since the first attempt", async () => {
    const spec = compileWorkflow(plan([{ ...sql("a"), retry: { limit: 5, backoff: { duration: "1m", factor: 2, maxDuration: "2m" } } }]))
      .template.spec;
    const clock = fakeClock();
    const rec = recorder();
    await executeWorkflow(spec, { executor: scripted({ a: ["Failed", "Failed", "Failed", "Failed"] }), recorder: rec, clock });
    // Attempt 0 at 0, sleep 1m, attempt 1 at 1m, sleep 2m, attempt 2 at 3m >= 2m: stop.
    expect(clock.sleeps).toEqual([60_000, 120_000]);
    expect(rec.lines.filter((l) => l.startsWith("start"))).toHaveLength(3);
  });

  test("failFast (Argo's default) starts nothing new after a failure; failFast false runs independent steps", async () => {
    const compiled = compileWorkflow(plan([sql("bad"), sql("later", [])]));
    const spec = compiled.template.spec;
    const failFast = {
      ...spec,
      parallelism: 1,
      templates: [{ ...spec.templates[0]!, dag: { ...spec.templates[0]!.dag!, failFast: true } }, ...spec.templates.slice(1)],
    };
    const result = await executeWorkflow(failFast, { executor: scripted({ bad: ["Failed"] }), recorder: recorder(), clock: fakeClock() });
    expect(result.steps).toEqual({ bad: "Failed", later: "Omitted" });
    const open = await executeWorkflow(
      { ...spec, parallelism: 1 },
      { executor: scripted({ bad: ["Failed"] }), recorder: recorder(), clock: fakeClock() },
    );
    expect(open.steps).toEqual({ bad: "Failed", later: "Succeeded" });
  });

  test("independent steps overlap; parallelism 1 serialises them", async () => {
    const steps = [sql("a"), sql("b"), sql("c", ["a", "b"])];
    const free = scripted({}, 30);
    await executeWorkflow(compileWorkflow(plan(steps)).template.spec, { executor: free, recorder: recorder(), clock: fakeClock() });
    expect(free.state.maxRunning).toBe(2);
    const serial = scripted({}, 30);
    await executeWorkflow(compileWorkflow(plan(steps, { parallelism: 1 })).template.spec, {
      executor: serial,
      recorder: recorder(),
      clock: fakeClock(),
    });
    expect(serial.state.maxRunning).toBe(1);
    expect(serial.state.order.at(-1)).toBe("c");
  });

  test("an attempt past its activeDeadlineSeconds fails; the run's own deadline fails the run", async () => {
    const slow = {
      run: (_t: ArgoTemplate, c: { signal: AbortSignal }) =>
        new Promise<AttemptOutcome>((resolve) => c.signal.addEventListener("abort", () => resolve({ status: "Failed" }))),
    };
    const stepDeadline = compileWorkflow(plan([{ ...sql("slow"), timeoutSeconds: 0.05 } as PlannedStep])).template.spec;
    const rec = recorder();
    const result = await executeWorkflow(stepDeadline, { executor: slow, recorder: rec, clock: fakeClock() });
    expect(result.steps).toEqual({ slow: "Failed" });
    const runDeadline = compileWorkflow(plan([sql("slow"), sql("next", ["slow"])], { timeoutSeconds: 0.05 })).template.spec;
    const run = await executeWorkflow(runDeadline, { executor: slow, recorder: recorder(), clock: fakeClock() });
    expect(run.status).toBe("Failed");
    expect(run.message).toMatch(/deadline/);
    expect(run.steps).toEqual({ slow: "Stopped", next: "Omitted" });
  });

  test("backoff delays grow by the factor", () => {
    const template = compileWorkflow(plan([{ ...sql("a"), retry: { limit: 3, backoff: { duration: "2s", factor: 3 } } }])).template.spec
      .templates[1]!;
    expect([0, 1, 2].map((n) => backoffDelayMs(template, n))).toEqual([2000, 6000, 18000]);
  });
});

describe("scheduleDue", () => {
  test("02:00 Europe/Paris is due at 01:00 UTC in winter and 00:00 UTC in summer", () => {
    const due = (after: string, until: string) => scheduleDue(["0 2 * * *"], "Europe/Paris", new Date(after), new Date(until));
    expect(due("2026-01-15T00:59:00Z", "2026-01-15T00:59:59Z")).toBe(false);
    expect(due("2026-01-15T00:59:00Z", "2026-01-15T01:00:00Z")).toBe(true);
    expect(due("2026-07-15T23:59:00Z", "2026-07-16T00:00:00Z")).toBe(true);
    expect(due("2026-07-16T00:00:00Z", "2026-07-16T23:59:00Z")).toBe(false);
  });
});
