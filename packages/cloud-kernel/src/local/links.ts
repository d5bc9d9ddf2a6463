import * as pulumi from "@pulumi/pulumi";

interface LinksInputs {
  directory: string;
  /** Link name -> absolute target. */
  links: Record<string, string>;
}

// Serialized into state: self-contained (see file.ts).
async function syncLinks(inputs: LinksInputs): Promise<void> {
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  await fs.mkdir(inputs.directory, { recursive: true, mode: 0o755 });
  for (const entry of await fs.readdir(inputs.directory)) {
    if (!(entry in inputs.links)) await fs.rm(path.join(inputs.directory, entry), { recursive: true, force: true });
  }
  for (const [name, target] of Object.entries(inputs.links)) {
    const link = path.join(inputs.directory, name);
    const current = await fs.readlink(link).catch(() => undefined);
    if (current === target) continue;
    await fs.rm(link, { recursive: true, force: true });
    await fs.symlink(target, link);
  }
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
