import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type ValidationIssue, validateName, validatedInput } from "../base/index.js";
import type { SecretStore, SecretStoreArgs } from "../capabilities.js";
import { LocalFile } from "./file.js";

/** Arguments of the local {@link LocalSecretStore}: the capability's (the network is loopback and may be left out), and the folder. */
export interface LocalSecretStoreArgs extends Omit<SecretStoreArgs, "network"> {
  network?: SecretStoreArgs["network"];
  /**
   * Directory holding the secret files of this stack.
   * @default `<context.dataDir>/secrets`
   */
  directory?: string;
  /**
   * File name inside `directory`. Changing it moves the file (replacement).
   * @default the store's name
   */
  fileName?: string;
}

function checkValue(name: string, value: unknown): ValidationIssue[] {
  const checks = new IssueCollector("LocalSecretStore", name);
  if (value === "") checks.add("value", value, "is empty", "give a non-empty value");
  return checks.issues;
}

/** Checks the arguments that can be checked before deployment. Pure. */
export function validateLocalSecretStoreArgs(name: string, args: LocalSecretStoreArgs): ValidationIssue[] {
  const checks = new IssueCollector("LocalSecretStore", name);
  checks.addAll(checkValue(name, args.value));
  if (args.directory !== undefined && !path.isAbsolute(args.directory)) {
    checks.add("directory", args.directory, "is not an absolute path", "give an absolute directory or leave it out");
  }
  if (args.fileName !== undefined) checks.addAll(validateName("LocalSecretStore", name, "fileName", args.fileName));
  return checks.issues;
}

/**
 * The SecretStore capability on the local target: the value stays encrypted
 * in Pulumi state and is written to `<directory>/<name>` with mode 0600 for
 * the local processes that read it.
 */
export class LocalSecretStore extends StrataComponent implements SecretStore {
  /** Absolute path of the file holding the value. */
  readonly reference: pulumi.Output<string>;
  /** The raw file resource (escape hatch). */
  readonly file: LocalFile;

  constructor(name: string, args: LocalSecretStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "LocalSecretStore" }, name, args, opts, validateLocalSecretStoreArgs(name, args));
    const directory = args.directory ?? path.join(this.context.dataDir, "secrets");
    const value = validatedInput(args.value, (v) => checkValue(name, v));
    this.file = new LocalFile(
      this.childName("file"),
      { path: path.join(directory, args.fileName ?? name), content: value, mode: 0o600, secret: true },
      this.childOptions(),
    );
    this.reference = this.file.path;
    this.finish({ reference: this.reference });
  }
}
