import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { StrataComponent, type PrimitiveArgs } from "../base/index.js";

interface DirectoryInputs {
  directory: string;
}

const directoryProvider: pulumi.dynamic.ResourceProvider<DirectoryInputs, DirectoryInputs> = {
  async create(inputs) {
    const fs = await import("node:fs/promises");
    await fs.mkdir(inputs.directory, { recursive: true, mode: 0o700 });
    return { id: inputs.directory, outs: inputs };
  },
  async read(id, props) {
    const fs = await import("node:fs/promises");
    return (await fs.stat(id).then((s) => s.isDirectory()).catch(() => false)) ? { id, props } : { id: "" };
  },
  async delete(id) {
    // Reached only in dev stacks: elsewhere the directory is protected and retained.
    const fs = await import("node:fs/promises");
    await fs.rm(id, { recursive: true, force: true });
  },
};

/** A private directory (mode 0700). Deleting the resource deletes its contents. */
export class LocalDirectory extends pulumi.dynamic.Resource {
  declare readonly directory: pulumi.Output<string>;

  constructor(name: string, args: { directory: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
    super(directoryProvider, name, args, opts, "strata-local", "Directory");
  }
}

/** The ObjectStore capability on the local target: a private directory under `<dataDir>/objects/<name>`, kept outside dev stacks. */
export class LocalObjectStore extends StrataComponent {
  /** Absolute path of the store. */
  readonly location: pulumi.Output<string>;

  constructor(name: string, args: PrimitiveArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "LocalObjectStore" }, name, args, opts, []);
    const directory = new LocalDirectory(
      this.childName("directory"),
      { directory: path.join(this.context.dataDir, "objects", name) },
      this.statefulChildOptions(),
    );
    this.location = directory.directory;
    this.finish({ location: this.location });
  }
}
