import * as pulumi from "@pulumi/pulumi";

/** Inputs of a {@link SecretFile}. */
export interface SecretFileArgs {
  /** Absolute path of the file. Changing it replaces the file. */
  path: pulumi.Input<string>;
  /** Contents; kept a Pulumi secret, so state holds only ciphertext. */
  value: pulumi.Input<string>;
}

interface SecretFileInputs {
  path: string;
  value: string;
}

interface SecretFileOutputs {
  path: string;
}

// Methods of a dynamic provider are serialized into state and run in the
// provider's own process: they import what they need inside the method and
// only call functions defined in this file.

/** Writes `value` to `file` with mode 0600, atomically (temporary file + rename). */
async function writePrivateFile(file: string, value: string): Promise<void> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.writeFile(temporary, value, { mode: 0o600, flag: "wx" });
    await fs.chmod(temporary, 0o600);
    await fs.rename(temporary, file);
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

const secretFileProvider: pulumi.dynamic.ResourceProvider<SecretFileInputs, SecretFileOutputs> = {
  async check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (typeof news.path !== "string" || !news.path.startsWith("/")) {
      failures.push({ property: "path", reason: `path must be absolute, got ${JSON.stringify(news.path)}` });
    }
    if (typeof news.value !== "string" || news.value.length === 0) {
      failures.push({ property: "value", reason: "value must be a non-empty string" });
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    // Old outputs carry only the path; a change of value is found by the
    // engine comparing old and new inputs, so report "unknown" unless the path moved.
    if (olds.path !== news.path) return { changes: true, replaces: ["path"], deleteBeforeReplace: false };
    return {};
  },

  async create(inputs) {
    await writePrivateFile(inputs.path, inputs.value);
    return { id: inputs.path, outs: { path: inputs.path } };
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
    await writePrivateFile(news.path, news.value);
    return { outs: { path: news.path } };
  },

  async delete(id) {
    const fs = await import("node:fs/promises");
    await fs.rm(id, { force: true });
  },
};

/**
 * A file of mode 0600 holding a secret, written by a dynamic provider.
 * Create writes it, update rewrites it, delete removes it, refresh notices
 * when it has gone. Only the path is an output.
 */
export class SecretFile extends pulumi.dynamic.Resource {
  declare readonly path: pulumi.Output<string>;

  constructor(name: string, args: SecretFileArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      secretFileProvider,
      name,
      { path: args.path, value: pulumi.secret(args.value) },
      opts,
      "strata-local",
      "SecretFile",
    );
  }
}
