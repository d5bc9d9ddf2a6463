import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { type Operation, type OperationResult, loadToolchain, openStack, runOperation, type StackTarget } from "@strata/cli";
import { type Supervision, socketPathFor } from "@strata/user-kernel";

/**
 * A throw-away stack on the real engine: its own Strata home (file backend,
 * passphrase, local data) and its own work directory holding a Pulumi.yaml,
 * all under one temporary directory.
 */
export class TestStack {
  readonly root: string;
  readonly home: string;
  readonly workDir: string;
  /** Everything the engine printed, across operations. */
  log = "";

  constructor(
    readonly project: string,
    readonly program: pulumi.automation.PulumiFn,
    readonly stackName = "dev",
  ) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), `${project}-`));
    // Traversable, like a user's home: PostgreSQL runs as its own system user below it when we are root.
    fs.chmodSync(this.root, 0o711);
    this.home = path.join(this.root, "home");
    this.workDir = path.join(this.root, "work");
    fs.mkdirSync(this.workDir, { recursive: true });
    fs.writeFileSync(path.join(this.workDir, "Pulumi.yaml"), `name: ${project}\nruntime: nodejs\n`);
  }

  /** The stack's supervisor, as its local processes are given it. */
  get supervision(): Supervision {
    const dir = path.join(this.dataDir, "supervisor");
    return { home: loadToolchain().supervisorHome, dir, socket: socketPathFor(dir) };
  }

  /** The stack's local data directory (strata:dataDir as the runner sets it). */
  get dataDir(): string {
    return path.join(this.home, "data", this.project, this.stackName);
  }

  target(config?: StackTarget["config"]): StackTarget {
    return { workDir: this.workDir, stackName: this.stackName, program: this.program, home: this.home, config };
  }

  run(operation: Operation, config?: StackTarget["config"]): Promise<OperationResult> {
    return runOperation(operation, this.target(config), { onOutput: (text) => (this.log += text) });
  }

  /** The URN types of the resources in the stack's state. */
  async resourceTypes(): Promise<string[]> {
    const stack = await openStack(this.target());
    const deployment = await stack.exportStack();
    const resources = (deployment.deployment?.resources ?? []) as Array<{ type: string }>;
    return resources.map((r) => r.type);
  }

  /** Every file under the stack's root whose contents include `needle`. */
  filesContaining(needle: string): string[] {
    const hits: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile() && fs.readFileSync(full).includes(needle)) hits.push(full);
      }
    };
    walk(this.root);
    return hits;
  }

  /**
   * For each needle, the files under the stack's root holding it (needles
   * found nowhere are left out), each file read once. The provider plugins
   * the runner links into `home/pulumi-home/plugins` are skipped: binaries of
   * hundreds of MB, the same for every stack, holding no stack data.
   */
  filesHolding(needles: string[]): Record<string, string[]> {
    const hits: Record<string, string[]> = {};
    const plugins = path.join(this.home, "pulumi-home", "plugins");
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory() && full !== plugins) walk(full);
        else if (entry.isFile()) {
          const content = fs.readFileSync(full);
          for (const needle of needles) if (content.includes(needle)) (hits[needle] ??= []).push(full);
        }
      }
    };
    walk(this.root);
    return hits;
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * How `value` reads inside the standard base64 of any longer text: one form
 * per alignment (the value starting 0, 1 or 2 bytes into a 3-byte group),
 * without the characters that also depend on the bytes around it (the first
 * group when it starts mid-group, and a last incomplete group).
 */
export function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  return [0, 1, 2].map((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    return encoded.slice(offset === 0 ? 0 : 4, Math.floor((offset + bytes.length) / 3) * 4);
  });
}
