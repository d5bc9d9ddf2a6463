import { createHash } from "node:crypto";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type * as pulumi from "@pulumi/pulumi";
import {
  IssueCollector,
  LocalFile,
  type PrimitiveArgs,
  StrataComponent,
  type ValidationIssue,
  onKubernetes,
  platformIssues,
  primitiveAddress,
} from "@strata/core-kernel";
import { Service } from "../service/index.js";
import type { ModelApiConfig } from "./api-server.js";
import { Model } from "./index.js";

/** Arguments of a {@link ModelApi}. */
export interface ModelApiArgs extends PrimitiveArgs {
  /** The Model whose measures it serves. */
  model: Model;
  /** Port on 127.0.0.1. @default a free port */
  port?: number;
}

export function validateModelApiArgs(name: string, args: ModelApiArgs, kubernetes: boolean): ValidationIssue[] {
  const checks = new IssueCollector("ModelApi", name);
  if (kubernetes)
    checks.add(
      "strata:target",
      "kubernetes",
      "cannot run a ModelApi in this version (it runs on the local target)",
      "deploy it with the local target",
    );
  if (!(args.model instanceof Model)) checks.add("model", typeof args.model, "is not a Model", "pass a Model of this program");
  return checks.issues;
}

/**
 * A model's measures over HTTP as JSON: `GET /v1/metrics?measures=...&dimensions=...&filters=...&segments=...&timeGrain=...`,
 * compiled by the model's compiler and run on its Cluster as the calling
 * user, who logs in with their Cluster user and password (HTTP Basic), so
 * that user's Policies apply; its OpenAPI 3.1 document is at `/openapi.json`.
 * A local Service (fastify) on 127.0.0.1. The API holds no credential and
 * checks none itself: it passes the caller's login to the Cluster, which
 * refuses a wrong one (401 here) and applies that user's Policies.
 */
export class ModelApi extends StrataComponent {
  /** `http://127.0.0.1:<port>`. */
  readonly url: pulumi.Output<string>;
  readonly service: Service;

  constructor(name: string, args: ModelApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "user", kind: "ModelApi" }, name, args, opts, (platform) => [
      ...validateModelApiArgs(name, args, onKubernetes(platform.context.target)),
      ...platformIssues("ModelApi", name, platform),
    ]);
    const children = this.childFactory();
    const folder = path.join(children.platform.context.dataDir, "services", name);
    const configFile = path.join(folder, "api.json");
    const caFile = args.model.cluster.caFile;
    const content = args.model.cluster.endpoint.apply((endpoint) => {
      const config: ModelApiConfig = { name: args.model.resourceName, model: args.model.model, endpoint, ...(caFile ? { caFile } : {}) };
      return `${JSON.stringify(config, null, 2)}\n`;
    });
    const file = new LocalFile(children.name("config"), { path: configFile, content }, children.options());
    const server = fileURLToPath(new URL("./api-server.js", import.meta.url));
    this.service = new Service(
      children.name("service"),
      {
        command: [process.execPath, server, configFile],
        ...(args.port === undefined ? {} : { port: args.port }),
        workingDir: folder,
        // A changed model (or a new version of the server) restarts it.
        restartTrigger: content.apply((c) => createHash("sha256").update(c).update(server).digest("hex").slice(0, 16)),
        dependsOn: [file, args.model],
        platform: this.platform,
        owner: args.owner,
        domain: args.domain,
      },
      this.childOptions(),
    );
    this.url = this.service.url;
    this.finish({ url: this.url }, { inputs: [primitiveAddress("Model", args.model.resourceName)] });
  }
}
