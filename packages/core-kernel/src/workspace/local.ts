import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { type ChildFactory, LocalDirectory } from "@strata/cloud-kernel";
import type { WorkspaceNative } from "./index.js";

/** Local: a private folder `<dataDir>/workspaces/<name>` (mode 0700), protected and retained outside dev stacks. */
export function deployWorkspaceLocally(children: ChildFactory, name: string): { location: pulumi.Output<string>; native: WorkspaceNative } {
  const directory = new LocalDirectory(
    children.name("directory"),
    { directory: path.join(children.platform.context.dataDir, "workspaces", name) },
    children.statefulOptions(),
  );
  return { location: directory.directory, native: { kind: "local", directory } };
}
