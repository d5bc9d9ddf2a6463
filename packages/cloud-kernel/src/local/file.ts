import * as pulumi from "@pulumi/pulumi";

/** Inputs of a {@link LocalFile}. */
export interface LocalFileArgs {
  /** Absolute path of the file. Changing it replaces the file (the old one is removed). */
  path: pulumi.Input<string>;
  /** Contents. A secret Input stays a secret: state then holds only ciphertext. */
  content: pulumi.Input<string>;
  /** Permission bits. @default 0o600 */
  mode?: number;
  /**
   * Keep `content` out of outputs and mark it secret in state even when the
   * Input is not. @default false
   */
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

interface LocalFileInputs {
  path: string;
  content: string;
  mode: number;
  allowEmpty: boolean;
  settleSeconds: number;
}

interface LocalFileOutputs {
  path: string;
  mode: number;
}

// Methods of a dynamic provider are serialized into state and run in the
// provider's own process: they import what they need inside the method and
// only call functions defined in this file.

/** Writes `content` to `file` atomically (temporary file + rename) with `mode`, in a 0700 directory if it creates one. */
async function writeFileAtomically(file: string, content: string, mode: number): Promise<void> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.writeFile(temporary, content, { mode, flag: "wx" });
    await fs.chmod(temporary, mode);
    await fs.rename(temporary, file);
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

const localFileProvider: pulumi.dynamic.ResourceProvider<LocalFileInputs, LocalFileOutputs> = {
  async check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (typeof news.path !== "string" || !news.path.startsWith("/")) {
      failures.push({ property: "path", reason: `path must be absolute, got ${JSON.stringify(news.path)}` });
    }
    if (typeof news.content !== "string" || (news.content.length === 0 && !news.allowEmpty)) {
      failures.push({ property: "content", reason: "content must be a non-empty string" });
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    // Old outputs carry no content; a change of content is found by the
    // engine comparing old and new inputs, so answer "unknown" unless the path moved.
    if (olds.path !== news.path) return { changes: true, replaces: ["path"], deleteBeforeReplace: false };
    return {};
  },

  async create(inputs) {
    await writeFileAtomically(inputs.path, inputs.content, inputs.mode);
    await new Promise((resolve) => setTimeout(resolve, (inputs.settleSeconds ?? 0) * 1000));
    return { id: inputs.path, outs: { path: inputs.path, mode: inputs.mode } };
  },

  async read(id, props) {
    const fs = await import("node:fs/promises");
    try {
      await fs.access(id);
      return { id, props };
    } catch {
      // Gone from disk: an empty id makes refresh drop it, and the next up writes it again.
      return { id: "" };
    }
  },

  async update(_id, _olds, news) {
    await writeFileAtomically(news.path, news.content, news.mode);
    await new Promise((resolve) => setTimeout(resolve, (news.settleSeconds ?? 0) * 1000));
    return { outs: { path: news.path, mode: news.mode } };
  },

  async delete(id) {
    const fs = await import("node:fs/promises");
    await fs.rm(id, { force: true });
  },
};

/**
 * A file on this machine written by a dynamic provider: create writes it,
 * update rewrites it in place (atomically), delete removes it, refresh
 * notices when it has gone. Outputs are the path and mode, never the content.
 */
export class LocalFile extends pulumi.dynamic.Resource {
  declare readonly path: pulumi.Output<string>;
  declare readonly mode: pulumi.Output<number>;

  constructor(name: string, args: LocalFileArgs, opts?: pulumi.CustomResourceOptions) {
    const content = args.secret ? pulumi.secret(args.content) : args.content;
    super(
      localFileProvider,
      name,
      { path: args.path, content, mode: args.mode ?? 0o600, allowEmpty: args.allowEmpty ?? false, settleSeconds: args.settleSeconds ?? 0 },
      args.secret ? pulumi.mergeOptions(opts, { additionalSecretOutputs: ["content"] }) : opts,
      "strata-local",
      "File",
    );
  }
}

interface FileSetInputs {
  directory: string;
  /** File name -> contents. */
  files: Record<string, string>;
  mode: number;
}

/**
 * Makes `directory` hold exactly the entries `names`: removes any other
 * entry, then lets `place` write each one (a file set, a set of links).
 */
async function syncFolder(directory: string, mode: number, names: string[], place: (name: string, full: string) => Promise<void>): Promise<void> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  await fs.mkdir(directory, { recursive: true, mode });
  for (const entry of await fs.readdir(directory)) {
    if (!names.includes(entry)) await fs.rm(path.join(directory, entry), { recursive: true, force: true });
  }
  for (const name of names) await place(name, path.join(directory, name));
}

/** Makes `directory` hold exactly `files`: writes each (atomically), removes any other file. */
async function syncFileSet(inputs: FileSetInputs): Promise<void> {
  await syncFolder(inputs.directory, 0o700, Object.keys(inputs.files), (name, full) => writeFileAtomically(full, inputs.files[name]!, inputs.mode));
}

const fileSetProvider: pulumi.dynamic.ResourceProvider<FileSetInputs, { directory: string }> = {
  async create(inputs) {
    await syncFileSet(inputs);
    return { id: inputs.directory, outs: { directory: inputs.directory } };
  },
  async diff(_id, olds, news) {
    if (olds.directory !== news.directory) return { changes: true, replaces: ["directory"], deleteBeforeReplace: true };
    return {};
  },
  async update(_id, _olds, news) {
    await syncFileSet(news);
    return { outs: { directory: news.directory } };
  },
  async delete(id) {
    const fs = await import("node:fs/promises");
    await fs.rm(id, { recursive: true, force: true });
  },
};

/**
 * A directory holding exactly the given files: a file dropped from `files`
 * is removed in the same update that writes the others, so a process
 * restarted after it never sees a stale one (e.g. Trino's catalog folder).
 */
export class LocalFileSet extends pulumi.dynamic.Resource {
  declare readonly directory: pulumi.Output<string>;

  constructor(
    name: string,
    args: { directory: pulumi.Input<string>; files: pulumi.Input<Record<string, pulumi.Input<string>>>; mode?: number },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(fileSetProvider, name, { directory: args.directory, files: args.files, mode: args.mode ?? 0o600 }, opts, "strata-local", "FileSet");
  }
}

interface LinksInputs {
  directory: string;
  /** Link name -> absolute target. */
  links: Record<string, string>;
}

/** Makes `directory` hold exactly the given symbolic links. */
async function syncLinks(inputs: LinksInputs): Promise<void> {
  const fs = await import("node:fs/promises");
  await syncFolder(inputs.directory, 0o755, Object.keys(inputs.links), async (name, link) => {
    const target = inputs.links[name]!;
    if ((await fs.readlink(link).catch(() => undefined)) === target) return;
    await fs.rm(link, { recursive: true, force: true });
    await fs.symlink(target, link);
  });
}

const linksProvider: pulumi.dynamic.ResourceProvider<LinksInputs, LinksInputs> = {
  async create(inputs) {
    await syncLinks(inputs);
    return { id: inputs.directory, outs: inputs };
  },
  async diff(_id, olds, news) {
    if (olds.directory !== news.directory) return { changes: true, replaces: ["directory"] };
    return { changes: JSON.stringify(olds.links) !== JSON.stringify(news.links) };
  },
  async update(_id, _olds, news) {
    await syncLinks(news);
    return { outs: news };
  },
  async delete(id) {
    const fs = await import("node:fs/promises");
    await fs.rm(id, { recursive: true, force: true });
  },
};

/** A directory holding exactly the given symbolic links (e.g. the plugins a Trino server loads). */
export class LocalLinks extends pulumi.dynamic.Resource {
  declare readonly directory: pulumi.Output<string>;

  constructor(name: string, args: { directory: pulumi.Input<string>; links: pulumi.Input<Record<string, string>> }, opts?: pulumi.CustomResourceOptions) {
    super(linksProvider, name, args, opts, "strata-local", "Links");
  }
}
