// How the strata command logs in to a stack's Cluster: the endpoint and the
// certificate authority come from the stack's outputs; the password from the
// caller (an environment variable, a file, or a prompt), or, for the demo,
// from the user's own Secret file on this machine. Never a bare user name.
import * as fs from "node:fs";
import * as readline from "node:readline";
import { TrinoSession, passwordFromFile } from "@strata/user-kernel";

/** What the stack's outputs tell about logging in: `endpoint`, `caFile`, `logins` (user -> the Secret file holding the password). */
export interface ClusterConnection {
  endpoint: string;
  caFile?: string;
  logins: Record<string, string>;
}

/** The connection from a stack's outputs (`endpoint`, and on the local target `caFile` and `logins`). */
export function connectionOf(outputs: Record<string, { value: unknown }>): ClusterConnection {
  const endpoint = outputs.endpoint?.value;
  if (typeof endpoint !== "string") throw new Error("the stack has no endpoint output. Fix: deploy it first (strata up)");
  const caFile = outputs.caFile?.value;
  const logins = outputs.logins?.value;
  return {
    endpoint,
    ...(typeof caFile === "string" ? { caFile } : {}),
    logins: logins && typeof logins === "object" ? (logins as Record<string, string>) : {},
  };
}

/** Where a password comes from, first match wins. */
export interface PasswordSource {
  /** A file holding the password (exactly, as a Secret's file does). */
  passwordFile?: string;
  /** The name of an environment variable holding it. @default "STRATA_PASSWORD" */
  env?: string;
  /** Ask on the terminal when neither is given. @default true when stdin is a terminal */
  prompt?: boolean;
}

/** Reads a password without echoing it. */
function promptPassword(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    // Echo nothing while the password is typed (readline writes each key through _writeToOutput).
    const muted = rl as unknown as { _writeToOutput: (text: string) => void };
    process.stderr.write(question);
    muted._writeToOutput = () => undefined;
    rl.question("", (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
    rl.on("SIGINT", () => {
      rl.close();
      reject(new Error("no password given"));
    });
  });
}

/** The password of `user`, from the first source that has one; an error naming the three ways when none does. */
export async function passwordFor(user: string, source: PasswordSource): Promise<string> {
  if (source.passwordFile !== undefined) return passwordFromFile(source.passwordFile);
  const variable = source.env ?? "STRATA_PASSWORD";
  const fromEnv = process.env[variable];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (source.prompt ?? process.stdin.isTTY) return promptPassword(`Password of ${user}: `);
  throw new Error(
    `no password for ${user}. Fix: set ${variable}, pass --password-file <file> (e.g. the user's Secret file), or run in a terminal to be asked`,
  );
}

/** A session as `user` on the connection's Cluster, with that password; the server checked against the stack's authority. */
export function sessionFor(connection: ClusterConnection, user: string, password: string | undefined, source = "strata"): TrinoSession {
  return new TrinoSession({
    endpoint: connection.endpoint,
    user,
    source,
    ...(password === undefined ? {} : { password }),
    ...(connection.caFile ? { ca: fs.readFileSync(connection.caFile, "utf8") } : {}),
  });
}

/** The demo's way in: the user's own Secret file on this machine, named by the stack's `logins` output. */
export function demoPassword(connection: ClusterConnection, user: string): string | undefined {
  const file = connection.logins[user];
  return file === undefined ? undefined : passwordFromFile(file);
}
