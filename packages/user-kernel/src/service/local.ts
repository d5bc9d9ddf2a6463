import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type ChildFactory, FreePort, LocalProcess, supervisionFor } from "@strata/core-kernel";
import { type ServiceArgs, type ServiceNative, serviceUser } from "./index.js";

/**
 * Local target: the program is a LocalProcess, so the stack's supervisor
 * starts it again when it exits, and its health (an HTTP check), its logs in
 * the stack's data folder and its drift on refresh are those of every local
 * engine. It listens on 127.0.0.1 at `PORT`; Secrets reach it in its
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
  const secrets = Object.values(args.secrets ?? {});
  // Its Cluster login: its own service account's password file and the stack's authority (paths, never values).
  const login = args.cluster?.serviceAccount(serviceUser(name), "Service", name).login;
  const trinoEnv = login
    ? pulumi.all([args.cluster!.endpoint, login.passwordFile, login.caFile]).apply(([server, passwordFile, caFile]) => ({
        STRATA_TRINO_SERVER: server,
        STRATA_TRINO_USER: login.user,
        STRATA_TRINO_PASSWORD_FILE: passwordFile,
        STRATA_TRINO_CA_FILE: caFile,
      }))
    : pulumi.output({});
  const process_ = new LocalProcess(
    children.name("process"),
    {
      supervisor: supervisionFor(children.platform.context),
      command: program!,
      ...(programArgs.length > 0 ? { args: programArgs } : {}),
      cwd: args.workingDir ?? folder,
      env: pulumi.all([port, trinoEnv]).apply(([p, trino]) => ({ ...(args.env ?? {}), ...trino, PORT: String(p), HOST: "127.0.0.1" })),
      secretEnv: Object.fromEntries(Object.entries(args.secrets ?? {}).map(([variable, secret]) => [variable, secret.value])),
      logFile: path.join(folder, "service.log"),
      port,
      health: { kind: "http", path: args.healthPath ?? "/healthz" },
      ...(args.startTimeoutSeconds === undefined ? {} : { startTimeoutSeconds: args.startTimeoutSeconds }),
      ...(args.restartTrigger === undefined ? {} : { restartTrigger: args.restartTrigger }),
    },
    children.options({ dependsOn: [...secrets, ...(args.cluster ? [args.cluster] : []), ...(args.dependsOn ?? [])] }),
  );
  return { url: pulumi.interpolate`http://127.0.0.1:${port}`, native: { kind: "local", process: process_, folder } };
}
