import * as pulumi from "@pulumi/pulumi";
import { LocalResource } from "./resource.js";

/** Inputs of a {@link LocalFile}. */
export interface LocalFileArgs {
  /** Absolute path of the file. Changing it replaces the file (the old one is removed). */
  path: pulumi.Input<string>;
  /** Contents. A secret Input stays a secret: state then holds only ciphertext. */
  content: pulumi.Input<string>;
  /** Permission bits. @default 0o600 */
  mode?: number;
  /** Keep `content` secret in state even when the Input is not. @default false */
  secret?: boolean;
  /** Content may be the empty string. @default false */
  allowEmpty?: boolean;
  /**
   * Seconds to wait after writing, for a reader that reloads the file on a
   * timer: the deployment then ends only once the change is in effect.
   * @default 0
   */
  settleSeconds?: number;
}

/**
 * A file on this machine: create writes it atomically, update rewrites it in
 * place, delete removes it, refresh notices when it has gone. Outputs are the
 * path and mode, never the content.
 */
export class LocalFile extends LocalResource {
  declare readonly path: pulumi.Output<string>;
  declare readonly mode: pulumi.Output<number>;

  constructor(name: string, args: LocalFileArgs, opts?: pulumi.CustomResourceOptions) {
    const content = args.secret ? pulumi.secret(args.content) : args.content;
    super(
      "File",
      name,
      {
        path: args.path,
        content,
        // Fields at their default are left out: each would take room in state for nothing.
        ...(args.mode === undefined || args.mode === 0o600 ? {} : { mode: args.mode }),
        ...(args.allowEmpty ? { allowEmpty: true } : {}),
        ...(args.settleSeconds ? { settleSeconds: args.settleSeconds } : {}),
      },
      opts,
    );
  }
}

/**
 * A directory holding exactly the given files: a file dropped from `files`
 * is removed in the same update that writes the others, so a process
 * restarted after it never sees a stale one (e.g. Trino's catalog folder).
 */
export class LocalFileSet extends LocalResource {
  declare readonly directory: pulumi.Output<string>;

  constructor(
    name: string,
    args: { directory: pulumi.Input<string>; files: pulumi.Input<Record<string, pulumi.Input<string>>>; mode?: number },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("FileSet", name, { directory: args.directory, files: args.files, mode: args.mode ?? 0o600 }, opts);
  }
}

/** A directory holding exactly the given symbolic links (e.g. the plugins a Trino server loads). */
export class LocalLinks extends LocalResource {
  declare readonly directory: pulumi.Output<string>;

  constructor(
    name: string,
    args: { directory: pulumi.Input<string>; links: pulumi.Input<Record<string, string>> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("Links", name, args, opts);
  }
}

/** A private directory (mode 0700). Deleting the resource deletes its contents. */
export class LocalDirectory extends LocalResource {
  declare readonly directory: pulumi.Output<string>;

  constructor(name: string, args: { directory: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
    super("Directory", name, args, opts);
  }
}
