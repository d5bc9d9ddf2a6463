import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { StrataComponent, type PrimitiveArgs } from "../base/index.js";
import { LocalDirectory } from "./file.js";

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
