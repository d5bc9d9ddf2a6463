// Files and folders on this machine: File, FileSet, Links, Directory.
import * as fs from "node:fs/promises";
import type { ResourceType } from "./framework.js";
import { exists, sleep, syncFolder, writeFileAtomically } from "./os.js";

/** A file's inputs; fields at their default are left out. */
export interface FileInputs {
  path: string;
  content: string;
  /** @default 0o600 */
  mode?: number;
  /** @default false */
  allowEmpty?: boolean;
  /** Seconds to wait after a write, for a reader that reloads the file on a timer. @default 0 */
  settleSeconds?: number;
}

export interface FileOutputs {
  path: string;
  mode: number;
}

/** A file written atomically; outputs never hold its content. */
export const File: ResourceType<FileInputs, FileOutputs> = {
  name: "File",
  replaceOn: ["path"],
  async check(news) {
    const failures = [];
    if (typeof news.path !== "string" || !news.path.startsWith("/"))
      failures.push({ property: "path", reason: `path must be absolute, got ${JSON.stringify(news.path)}` });
    if (typeof news.content !== "string" || (news.content.length === 0 && !news.allowEmpty))
      failures.push({ property: "content", reason: "content must be a non-empty string" });
    return failures;
  },
  async create(inputs) {
    await writeFileAtomically(inputs.path, inputs.content, inputs.mode ?? 0o600);
    await sleep((inputs.settleSeconds ?? 0) * 1000);
    return { id: inputs.path, outs: { path: inputs.path, mode: inputs.mode ?? 0o600 } };
  },
  // Gone from disk: refresh drops it, and the next up writes it again.
  async read(id, outs) {
    return (await exists(id)) ? outs : undefined;
  },
  async update(_id, _olds, news) {
    await writeFileAtomically(news.path, news.content, news.mode ?? 0o600);
    await sleep((news.settleSeconds ?? 0) * 1000);
    return { path: news.path, mode: news.mode ?? 0o600 };
  },
  async delete(id) {
    await fs.rm(id, { force: true });
  },
};

export interface FileSetInputs {
  directory: string;
  /** File name -> contents. */
  files: Record<string, string>;
  mode: number;
}

/** A folder holding exactly the given files: one dropped from `files` is removed in the same update. */
export const FileSet: ResourceType<FileSetInputs, { directory: string }> = {
  name: "FileSet",
  replaceOn: ["directory"],
  deleteBeforeReplace: true,
  async create(inputs) {
    await syncFileSet(inputs);
    return { id: inputs.directory, outs: { directory: inputs.directory } };
  },
  async read(id, outs) {
    return (await exists(id)) ? outs : undefined;
  },
  async update(_id, _olds, news) {
    await syncFileSet(news);
    return { directory: news.directory };
  },
  async delete(id) {
    await fs.rm(id, { recursive: true, force: true });
  },
};

async function syncFileSet(inputs: FileSetInputs): Promise<void> {
  await syncFolder(inputs.directory, 0o700, Object.keys(inputs.files), (name, full) =>
    writeFileAtomically(full, inputs.files[name]!, inputs.mode),
  );
}

export interface LinksInputs {
  directory: string;
  /** Link name -> absolute target. */
  links: Record<string, string>;
}

/** A folder holding exactly the given symbolic links (the plugins a Trino server loads). */
export const Links: ResourceType<LinksInputs, { directory: string }> = {
  name: "Links",
  replaceOn: ["directory"],
  deleteBeforeReplace: true,
  async create(inputs) {
    await syncLinks(inputs);
    return { id: inputs.directory, outs: { directory: inputs.directory } };
  },
  async read(id, outs) {
    return (await exists(id)) ? outs : undefined;
  },
  async update(_id, _olds, news) {
    await syncLinks(news);
    return { directory: news.directory };
  },
  async delete(id) {
    await fs.rm(id, { recursive: true, force: true });
  },
};

async function syncLinks(inputs: LinksInputs): Promise<void> {
  await syncFolder(inputs.directory, 0o755, Object.keys(inputs.links), async (name, link) => {
    const target = inputs.links[name]!;
    if ((await fs.readlink(link).catch(() => undefined)) === target) return;
    await fs.rm(link, { recursive: true, force: true });
    await fs.symlink(target, link);
  });
}

/** A private folder (mode 0700). Deleting it deletes its contents: it is protected outside dev stacks. */
export const Directory: ResourceType<{ directory: string }, { directory: string }> = {
  name: "Directory",
  async create(inputs) {
    await fs.mkdir(inputs.directory, { recursive: true, mode: 0o700 });
    return { id: inputs.directory, outs: { directory: inputs.directory } };
  },
  async read(id, outs) {
    return (await fs
      .stat(id)
      .then((s) => s.isDirectory())
      .catch(() => false))
      ? outs
      : undefined;
  },
  async delete(id) {
    await fs.rm(id, { recursive: true, force: true });
  },
};
