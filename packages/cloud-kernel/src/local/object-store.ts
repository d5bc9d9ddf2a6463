import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { IssueCollector, StrataComponent, type ValidationIssue } from "../base/index.js";
import type { ObjectStore, ObjectStoreArgs } from "../capabilities.js";
import { LocalDirectory } from "./file.js";

export function validateLocalObjectStoreArgs(name: string, args: LocalObjectStoreArgs): ValidationIssue[] {
  const checks = new IssueCollector("LocalObjectStore", name);
  if (args.versioned === true) checks.add("versioned", true, "is not offered by a local folder", "leave versioned out on the local target");
  return checks.issues;
}

/** Arguments of a {@link LocalObjectStore}: the capability's (the network is loopback and may be left out). */
export interface LocalObjectStoreArgs extends Omit<ObjectStoreArgs, "network"> {
  network?: ObjectStoreArgs["network"];
}

/**
 * The ObjectStore capability on the local target: a private folder
 * `<dataDir>/objects/<name>` (mode 0700), kept outside dev stacks. Engines
 * read it as `file://<folder>`. Objects are not versioned.
 */
export class LocalObjectStore extends StrataComponent implements ObjectStore {
  /** The folder's name. */
  readonly bucketName: pulumi.Output<string>;
  /** `file://<absolute folder>`. */
  readonly url: pulumi.Output<string>;
  /** Absolute path of the folder. */
  readonly location: pulumi.Output<string>;

  constructor(name: string, args: LocalObjectStoreArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "cloud", kind: "LocalObjectStore" }, name, args, opts, validateLocalObjectStoreArgs(name, args));
    const directory = new LocalDirectory(
      this.childName("directory"),
      { directory: path.join(this.context.dataDir, "objects", name) },
      this.statefulChildOptions(),
    );
    this.location = directory.directory;
    this.bucketName = pulumi.output(name);
    this.url = pulumi.interpolate`file://${this.location}`;
    this.finish({ location: this.location, url: this.url });
  }
}
