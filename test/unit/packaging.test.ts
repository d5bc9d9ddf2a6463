// The packages as npm publishes them: @pulumi/pulumi and the provider SDKs are
// peers (the user's program holds the one copy), what runs is in "files", and
// each README's program compiles against the packages.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { MissingPeerError } from "@strata/cloud-kernel";

const repo = path.resolve(import.meta.dirname, "..", "..");
const PACKAGES = ["cloud-kernel", "core-kernel", "user-kernel", "cli", "policy-pack"];
const SDKS = ["@pulumi/aws", "@pulumi/gcp", "@pulumi/azure-native", "@pulumi/kubernetes"];

interface Manifest {
  name: string;
  main?: string;
  bin?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
}

const manifest = (pkg: string) => JSON.parse(fs.readFileSync(path.join(repo, "packages", pkg, "package.json"), "utf8")) as Manifest;

describe.each(PACKAGES)("packages/%s/package.json", (pkg) => {
  const m = manifest(pkg);

  test("no @pulumi package is a dependency: each is a peer with a ^range, and an exact dev dependency inside it", () => {
    expect(Object.keys(m.dependencies ?? {}).filter((d) => d.startsWith("@pulumi/"))).toEqual([]);
    expect(m.peerDependencies?.["@pulumi/pulumi"]).toBe("^3.204.0");
    for (const [peer, range] of Object.entries(m.peerDependencies ?? {})) {
      const dev = m.devDependencies?.[peer];
      expect(range, peer).toMatch(/^\^\d+\.\d+\.\d+$/);
      expect(dev, peer).toMatch(/^\d+\.\d+\.\d+$/);
      const [major, minor, patch] = range.slice(1).split(".").map(Number);
      const [dMajor, dMinor, dPatch] = dev!.split(".").map(Number);
      expect(dMajor, peer).toBe(major);
      expect(dMinor! * 1e6 + dPatch!, peer).toBeGreaterThanOrEqual(minor! * 1e6 + patch!);
    }
  });

  test("the provider SDKs are optional peers (a local-only program installs none)", () => {
    for (const sdk of SDKS.filter((s) => s in (m.peerDependencies ?? {}))) expect(m.peerDependenciesMeta?.[sdk]?.optional, sdk).toBe(true);
    expect(m.peerDependenciesMeta?.["@pulumi/pulumi"]).toBeUndefined();
  });

  test('"files" holds what runs: every export, bin and main, and a README', () => {
    const targets = [
      m.main,
      ...Object.values(m.bin ?? {}),
      ...Object.values(m.exports ?? {}).flatMap((e) => (typeof e === "string" ? [e] : Object.values(e))),
    ].filter((t): t is string => t !== undefined);
    for (const target of targets) {
      const top = path.normalize(target).split(path.sep)[0]!;
      expect(m.files, target).toContain(top);
    }
    expect(fs.existsSync(path.join(repo, "packages", pkg, "README.md"))).toBe(true);
  });
});

test("cloud-kernel ships its provider plugin's launcher, user-kernel the ODCS schema, cli the stack templates", () => {
  expect(manifest("cloud-kernel").files).toContain("bin");
  expect(manifest("user-kernel").files).toContain("schemas");
  expect(manifest("cli").files).toContain("stacks");
});

test("the provider SDKs are never imported as values by the kernels (they load at first use, base/peer.ts)", () => {
  const sources = fs
    .globSync("packages/{cloud-kernel,core-kernel,user-kernel,cli}/src/**/*.ts", { cwd: repo })
    .filter((f) => !f.endsWith(".test.ts"));
  const valueImports = sources.flatMap((file) =>
    fs
      .readFileSync(path.join(repo, file), "utf8")
      .split("\n")
      .filter((line) => /^import (?!type )[^;]*from "@pulumi\/(aws|gcp|azure-native|kubernetes)[/"]/.test(line))
      .map((line) => `${file}: ${line}`),
  );
  expect(valueImports).toEqual([]);
});

test("a missing provider SDK names the target needing it and the install that fixes it", () => {
  expect(new MissingPeerError("@pulumi/aws", undefined).message).toBe(
    "@pulumi/aws is not installed, and the aws target needs it (it is an optional peer dependency of @strata/cloud-kernel: " +
      'the local target does without it). Fix: npm install @pulumi/aws@"^7.48.0" in the program\'s project',
  );
  expect(new MissingPeerError("@pulumi/kubernetes", undefined).message).toMatch(
    /^@pulumi\/kubernetes is not installed, and the kubernetes, aws, gcp and azure targets need it .* Fix: npm install @pulumi\/kubernetes@"\^4\.24\.1"/,
  );
});

test("each README's TypeScript program type-checks against the packages", () => {
  fs.mkdirSync(path.join(repo, "test", ".work"), { recursive: true });
  // Inside the repository, so the packages resolve as from a project's node_modules.
  const dir = fs.mkdtempSync(path.join(repo, "test", ".work", "readmes-"));
  try {
    const files: string[] = [];
    for (const pkg of PACKAGES) {
      const readme = fs.readFileSync(path.join(repo, "packages", pkg, "README.md"), "utf8");
      const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((b) => b[1]!);
      expect(blocks.length, `${pkg}/README.md has a TypeScript program`).toBeGreaterThan(0);
      blocks.forEach((block, i) => {
        const file = `${pkg}-${i}.ts`;
        fs.writeFileSync(path.join(dir, file), block.includes("import ") ? block : `export {};\n${block}`);
        files.push(file);
      });
    }
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
        },
        files,
      }),
    );
    fs.writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
    const tsc = spawnSync(process.execPath, [path.join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
