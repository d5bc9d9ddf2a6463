// The mocks helper the unit tests stand on: each construction is recorded
// synchronously with the options the engine would get, and settle() returns
// only once every registration has landed, however many turns it took.
import type * as Pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, test } from "vitest";
import { installMocks } from "../support/mocks.js";

const mocks = await installMocks({ stack: "prod" });
const pulumi = await import("@pulumi/pulumi");

class Thing extends pulumi.CustomResource {
  declare readonly size: Pulumi.Output<number>;
  constructor(name: string, props: { size: Pulumi.Input<number> }, opts?: Pulumi.CustomResourceOptions) {
    super("acme:index:Thing", name, props, opts);
  }
}

class Group extends pulumi.ComponentResource {
  constructor(name: string, opts?: Pulumi.ComponentResourceOptions) {
    super("acme:index:Group", name, {}, opts);
  }
}

beforeEach(async () => {
  await mocks.settle();
  mocks.registered.length = 0;
  mocks.constructed.length = 0;
});

describe("installMocks", () => {
  test("records a construction as it happens: protect inherited from the parent, retainOnDelete not", () => {
    const group = new Group("kept", { protect: true, retainOnDelete: true });
    new Thing("kept-child", { size: 1 }, { parent: group });
    new Thing("kept-released", { size: 1 }, { parent: group, protect: false, retainOnDelete: true });
    expect(mocks.constructed).toEqual([
      { type: "acme:index:Group", name: "kept", custom: false, protect: true, retainOnDelete: true },
      { type: "acme:index:Thing", name: "kept-child", custom: true, protect: true, retainOnDelete: false },
      { type: "acme:index:Thing", name: "kept-released", custom: true, protect: false, retainOnDelete: true },
    ]);
    // Registration itself waits for the inputs: nothing has landed yet.
    expect(mocks.registered).toEqual([]);
  });

  test("each registration carries its constructor's options", async () => {
    const group = new Group("kept", { protect: true });
    new Thing("kept-child", { size: 2 }, { parent: group });
    new Thing("loose", { size: 3 }, { retainOnDelete: true });
    await mocks.settle();
    // A child registers once its parent has: sorted, not in construction order.
    const landed = mocks.registered.map((r) => [r.name, r.inputs, r.protect, r.retainOnDelete] as const);
    expect(landed.sort(([a], [b]) => a.localeCompare(b))).toEqual([
      ["kept", {}, true, false],
      ["kept-child", { size: 2 }, true, false],
      ["loose", { size: 3 }, false, true],
    ]);
  });

  test("settle() waits for a chain of registrations, each waiting for the previous one's output", async () => {
    let previous = new Thing("chain-0", { size: 0 });
    for (let i = 1; i <= 30; i++) previous = new Thing(`chain-${i}`, { size: previous.size.apply((s) => s + 1) });
    await mocks.settle();
    expect(mocks.registered.map((r) => r.name)).toEqual(Array.from({ length: 31 }, (_, i) => `chain-${i}`));
    expect(mocks.byName("chain-30").inputs).toEqual({ size: 30 });
  });

  test("settle() waits for a registration whose input takes longer than any fixed quiet period", async () => {
    // The SDK counts a registration as pending until its inputs resolved and the mock answered.
    new Thing("late", { size: new Promise<number>((resolve) => setTimeout(() => resolve(7), 150)) });
    await mocks.settle();
    expect(mocks.registered.map((r) => [r.name, r.inputs])).toEqual([["late", { size: 7 }]]);
  });

  test("settle() waits for a resource constructed after every pending registration had finished", async () => {
    new Thing("first", { size: 1 }).size.apply(async (size) => {
      // A later turn, when nothing is pending any more; then a registration that takes a while.
      await new Promise((resolve) => setImmediate(resolve));
      new Thing("second", { size: new Promise<number>((resolve) => setTimeout(() => resolve(size + 1), 20)) });
    });
    await mocks.settle();
    expect(mocks.registered.map((r) => [r.name, r.inputs])).toEqual([
      ["first", { size: 1 }],
      ["second", { size: 2 }],
    ]);
  });

  test("settle() waits for resources constructed once an output resolved, several levels deep", async () => {
    // Not how components work (they create nothing inside apply), but the longest way a registration can take.
    const grow = (thing: Thing, depth: number): void => {
      if (depth > 0) thing.size.apply((s) => grow(new Thing(`nested-${s + 1}`, { size: s + 1 }), depth - 1));
    };
    grow(new Thing("nested-0", { size: 0 }), 5);
    await mocks.settle();
    expect(mocks.registered.map((r) => r.name)).toEqual(["nested-0", "nested-1", "nested-2", "nested-3", "nested-4", "nested-5"]);
    expect(mocks.byName("nested-5").inputs).toEqual({ size: 5 });
  });
});
