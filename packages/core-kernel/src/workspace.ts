import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalDirectory, StrataComponent, type PrimitiveArgs, toIdentifier } from "@strata/cloud-kernel";

/** Arguments of a {@link Workspace}. */
export type WorkspaceArgs = PrimitiveArgs;

/**
 * A team's space. On the local target: a private directory
 * `<dataDir>/workspaces/<name>` and a schema prefix `<name>_` for the
 * schemas the team creates. Its directory is kept outside dev stacks.
 */
export class Workspace extends StrataComponent {
  /** Absolute path of the team's directory. */
  readonly directory: pulumi.Output<string>;
  /** Prefix of the team's schemas, e.g. `marketing_`. */
  readonly schemaPrefix: string;

  constructor(name: string, args: WorkspaceArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Workspace" }, name, args, opts, []);
    const dir = new LocalDirectory(
      this.childName("directory"),
      { directory: path.join(this.context.dataDir, "workspaces", name) },
      this.statefulChildOptions(),
    );
    this.directory = dir.directory;
    this.schemaPrefix = `${toIdentifier(name)}_`;
    this.finish({ directory: this.directory, schemaPrefix: this.schemaPrefix }, {});
  }
}
