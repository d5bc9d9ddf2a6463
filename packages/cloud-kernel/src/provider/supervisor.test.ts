import { describe, expect, test } from "vitest";
import { programHistory, programName, programSection, socketPathFor, startScript, supervisorConfig } from "./supervisor.js";

const spec = {
  command: "/opt/trino/bin/launcher",
  args: ["run", "--etc-dir=/data/it's here/etc"],
  cwd: "/data/100%",
  env: { JAVA_HOME: "/opt/jdk", STRATA_DEPOT_WAREHOUSE_PASSWORD: "p'w $HOME `x`" },
  logFile: "/data/server.log",
  runAs: "",
  staleFiles: ["/data/launcher.pid"],
};

describe("the supervisor's files", () => {
  test("a start script quotes every word for /bin/sh and execs the program", () => {
    expect(startScript(spec)).toBe(
      [
        "# Written by the strata provider plugin; the supervisor runs it with /bin/sh.",
        "rm -f -- '/data/launcher.pid'",
        "export JAVA_HOME='/opt/jdk'",
        "export STRATA_DEPOT_WAREHOUSE_PASSWORD='p'\\''w $HOME `x`'",
        "exec '/opt/trino/bin/launcher' 'run' '--etc-dir=/data/it'\\''s here/etc'",
        "",
      ].join("\n"),
    );
  });

  test("an environment variable name that is not a shell name is refused", () => {
    expect(() => startScript({ ...spec, env: { "A-B": "x" } })).toThrow('environment variable name "A-B" is not valid');
  });

  test("a program's section escapes % and names the user only when given", () => {
    const section = programSection("analytics-server", spec, "/data/100%/programs/analytics-server.sh");
    expect(section).toContain("command=/bin/sh /data/100%%/programs/analytics-server.sh\n");
    expect(section).toContain("directory=/data/100%%\n");
    expect(section).not.toContain("user=");
    expect(section).toContain("autorestart=true\n");
    expect(section).toContain("stopasgroup=true\n");
    expect(programSection("pg", { ...spec, runAs: "postgres" }, "/x.sh")).toContain("user=postgres\n");
    expect(() => programSection("pg", { ...spec, cwd: "/a\nb" }, "/x.sh")).toThrow("cannot hold a line break");
  });

  test("the supervisor listens on a private socket and includes the programs folder", () => {
    const config = supervisorConfig("/data/dev/supervisor", "/data/dev/supervisor/supervisor.sock");
    expect(config).toContain("file=/data/dev/supervisor/supervisor.sock\nchmod=0700\n");
    expect(config).toContain("[include]\nfiles = programs/*.conf\n");
    expect(config).toContain("nodaemon=true\n");
  });

  test("a folder too deep for a Unix socket gets a short private one", () => {
    const deep = `/data/${"x".repeat(120)}/supervisor`;
    expect(socketPathFor(deep)).toMatch(/^\/.+\/strata-sv-[0-9a-f]{16}\/supervisor\.sock$/);
    expect(socketPathFor(deep).length).toBeLessThanOrEqual(107);
    expect(socketPathFor(deep)).toBe(socketPathFor(deep));
  });

  test("program names keep letters, digits, dots and dashes", () => {
    expect(programName("analytics-server")).toBe("analytics-server");
    expect(programName("a:b c")).toBe("a_b_c");
  });
});

describe("a program's history from the supervisor's log", () => {
  const log = [
    "2026-12-01 04:30:00,001 INFO spawned: 'analytics-server' with pid 100",
    "2026-12-01 04:30:01,002 INFO success: analytics-server entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)",
    "2026-12-01 04:30:05,000 INFO spawned: 'warehouse-server' with pid 101",
    "2026-12-01 04:31:00,000 WARN exited: analytics-server (terminated by SIGKILL; not expected)",
    "2026-12-01 04:31:00,500 INFO spawned: 'analytics-server' with pid 200",
    "2026-12-01 04:32:00,000 WARN exited: analytics-server (exit status 1; not expected)",
    "2026-12-01 04:32:01,000 INFO spawned: 'analytics-server' with pid 300",
    "",
  ].join("\n");

  test("counts the starts after the deployment's own, and gives the last exit", () => {
    expect(programHistory(log, "analytics-server", 100)).toEqual({
      restarts: 2,
      lastExit: { time: "2026-12-01 04:32:00.000", description: "exit status 1; not expected" },
    });
    expect(programHistory(log, "analytics-server", 200)).toEqual({
      restarts: 1,
      lastExit: { time: "2026-12-01 04:32:00.000", description: "exit status 1; not expected" },
    });
  });

  test("a program that never exited has no restart and no last exit", () => {
    expect(programHistory(log, "warehouse-server", 101)).toEqual({ restarts: 0 });
  });

  test("without the deployment's start in the log, every start but the first is a restart", () => {
    expect(programHistory(log, "analytics-server", 999).restarts).toBe(2);
  });
});
