// A Service on the local target, under mocks: the process it registers
// with the stack's supervisor (program, port, health, secrets only in the
// environment), and what the local target refuses.
import type { Output } from "@pulumi/pulumi";
import { beforeEach, describe, expect, test } from "vitest";
import { installMocks, promiseOf } from "../support/mocks.js";

const mocks = await installMocks({ config: { "strata:dataDir": "/data/dev", "strata-test:token": "s3cr3t-token" } });
const pulumi = await import("@pulumi/pulumi");
const { Secret, Service, strataProgram } = await import("@strata/user-kernel");

beforeEach(async () => {
  await mocks.settle();
  mocks.registered.length = 0;
});

describe("a Service on the local target (mocks)", () => {
  test("its program runs under the stack's supervisor, on a fixed port, checked over HTTP, the Secret only in its environment", async () => {
    let url: Output<string> | undefined;
    await strataProgram(() => {
      const token = new Secret("api-token", { value: new pulumi.Config("strata-test").requireSecret("token") });
      url = new Service("orders-api", {
        command: ["/usr/bin/python3", "-m", "http.server"],
        port: 9191,
        healthPath: "/",
        secrets: { API_TOKEN: token },
      }).url;
      return {};
    })();
    await mocks.settle();
    expect(await promiseOf(url!)).toBe("http://127.0.0.1:9191");
    const supervisor = mocks.byName("orders-api-process");
    expect(supervisor.type).toBe("strata:local:Process");
    expect(supervisor.inputs.name).toBe("orders-api-process");
    expect(supervisor.inputs.supervisor).toEqual({
      home: "/opt/supervisor",
      dir: "/data/dev/supervisor",
      socket: "/data/dev/supervisor/supervisor.sock",
    });
    expect(supervisor.inputs.command).toBe("/usr/bin/python3");
    expect(supervisor.inputs.args).toEqual(["-m", "http.server"]);
    expect(supervisor.inputs.port).toBe(9191);
    expect(supervisor.inputs.health).toEqual({ kind: "http", path: "/" });
    expect(supervisor.inputs.logFile).toBe("/data/dev/services/orders-api/service.log");
    expect(supervisor.inputs.env).toEqual({ PORT: "9191", HOST: "127.0.0.1" });
    // Kept secret in state (the engine's secret wrapper).
    expect(supervisor.inputs.secretEnv).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: { API_TOKEN: "s3cr3t-token" },
    });
    expect(JSON.stringify(supervisor.inputs.args)).not.toContain("s3cr3t");
  });

  test("no command, a relative program, an image or replicas are refused at preview", async () => {
    const problems = async (args: object) => {
      try {
        await strataProgram(() => {
          new Service("api", args as never);
          return {};
        })();
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(await problems({})).toMatch(/Service "api": command=undefined is not a command/);
    expect(await problems({ command: ["python3", "api.py"] })).toMatch(/command\[0\]="python3" is not an absolute path/);
    expect(await problems({ command: ["/bin/true"], image: "nginx:1.27" })).toMatch(
      /image="nginx:1.27" has no meaning on the local target/,
    );
    expect(await problems({ command: ["/bin/true"], port: 80 })).toMatch(/port=80 is not a port a service may take here/);
  });
});
