// A Workspace per team: a private directory and a schema prefix.
import { Workspace } from "@strata/core-kernel";

export function workspaceExample() {
  const marketing = new Workspace("marketing", { owner: "marketing" });
  return { directory: marketing.directory, schemaPrefix: marketing.schemaPrefix };
}
