import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { type ChildFactory, FreePort, LocalProcess } from "@strata/core-kernel";
import type { ServiceArgs, ServiceNative } from "./index.js";

/**
 * Local target: the program under a supervisor process (supervisor.js),
 * which starts it again with backoff when it exits; the supervisor is a
 * LocalProcess, so its health (an HTTP check of the program), its logs in
 * the stack's data folder and its drift on refresh (a killed supervisor is
 * gone, and the next `up` starts it) are those of every local engine. The
 * program listens on 127.0.0.1 at `PORT`; Secrets reach it in its
 * environment only.
 */
export function deployServiceLocally(
  children: ChildFactory,
  name: string,
  args: ServiceArgs,
): { url: pulumi.Output<string>; native: ServiceNative } {
  const folder = path.join(children.platform.context.dataDir, "services", name);
  const port = args.port !== undefined ? pulumi.output(args.port) : new FreePort(children.name("port"), children.options()).port;
  const [program, ...programArgs] = args.command!;
  const supervisor = fileURLToPath(new URL("./supervisor.js", import.meta.url));
  const secrets = Object.values(args.secrets ?? {});
  const process_ = new LocalProcess(
    children.name("process"),
    {
      command: process.execPath,
      args: [supervisor, folder, program!, ...programArgs],
      cwd: args.workingDir ?? folder,
      env: port.apply((p) => ({ ...(args.env ?? {}), PORT: String(p), HOST: "127.0.0.1" })),
      secretEnv: Object.fromEntries(Object.entries(args.secrets ?? {}).map(([variable, secret]) => [variable, secret.value])),
      logFile: path.join(folder, "service.log"),
      port,
      health: { kind: "http", path: args.healthPath ?? "/healthz" },
      // The program of a supervisor that was killed still holds the port: stopped before a new start.
      leftoverPidFiles: [path.join(folder, "child.pid")],
      ...(args.startTimeoutSeconds === undefined ? {} : { startTimeoutSeconds: args.startTimeoutSeconds }),
      ...(args.restartTrigger === undefined ? {} : { restartTrigger: args.restartTrigger }),
    },
    children.options({ dependsOn: [...secrets, ...(args.dependsOn ?? [])] }),
  );
  return { url: pulumi.interpolate`http://127.0.0.1:${port}`, native: { kind: "local", process: process_, folder } };
}
