// A Workspace per team: a private directory (local) or namespace (Kubernetes targets), and a schema prefix.
import { Workspace } from "@strata/core-kernel";

export function workspaceExample() {
  const marketing = new Workspace("marketing", { owner: "marketing" });
  return { location: marketing.location, schemaPrefix: marketing.schemaPrefix };
}
