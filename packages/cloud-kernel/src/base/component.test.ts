import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, test } from "vitest";
import { installMocks, promiseOf, thrown } from "../../../../test/support/mocks.js";

const mocks = await installMocks({ stack: "prod" });
const { StrataComponent, Catalog, createPlatform, stackContext, StrataValidationError, IssueCollector } =
  await import("@strata/cloud-kernel");
// One program run's platform, shared by the components of each test.
let platform = createPlatform(stackContext());

/** A stand-in custom resource from another package, to see which provider it gets. */
class Widget extends pulumi.CustomResource {
  constructor(name: string, props: { size: number }, opts?: pulumi.CustomResourceOptions) {
    super("acme:index:Widget", name, props, opts);
  }
}

class AcmeProvider extends pulumi.ProviderResource {
  constructor(name: string) {
    super("acme", name, {});
  }
}

interface ExampleArgs {
  size: number;
  owner?: string;
  tags?: Record<string, string>;
  platform?: ReturnType<typeof createPlatform>;
}

function validateExampleArgs(name: string, args: ExampleArgs) {
  const checks = new IssueCollector("Example", name);
  if (args.size < 1) checks.add("size", args.size, "is below 1", "give a size of at least 1");
  return checks.issues;
}

class Example extends StrataComponent {
  readonly widget: Widget;
  constructor(name: string, args: ExampleArgs, opts?: pulumi.ComponentResourceOptions) {
    super({ layer: "core", kind: "Example" }, name, args, opts, validateExampleArgs(name, args));
    this.widget = new Widget(this.childName("widget"), { size: args.size }, this.childOptions());
    this.finish({ size: args.size }, { inputs: ["strata://b", "strata://a"] });
  }
  stateful() {
    return this.statefulChildOptions({ deleteBeforeReplace: true });
  }
  plain() {
    return this.childOptions();
  }
  role(role: string) {
    return this.childName(role);
  }
}

beforeEach(async () => {
  await mocks.settle();
  mocks.registered.length = 0;
  mocks.constructed.length = 0;
  platform = createPlatform(stackContext());
});

describe("StrataComponent", () => {
  test("type token strata:<layer>:<Kind>; children named <name>-<role> and parented to it", async () => {
    const example = new Example("orders", { size: 3 });
    const [urn, childUrn] = await Promise.all([promiseOf(example.urn), promiseOf(example.widget.urn)]);
    expect(urn).toBe("urn:pulumi:prod::strata-test::strata:core:Example::orders");
    expect(childUrn).toBe("urn:pulumi:prod::strata-test::strata:core:Example$acme:index:Widget::orders-widget");
    expect(mocks.byName("orders-widget").inputs).toEqual({ size: 3 });
  });

  test("passes the caller's provider on to children", async () => {
    const provider = new AcmeProvider("acme-eu");
    const example = new Example("eu", { size: 1 }, { providers: [provider] });
    await promiseOf(example.widget.urn);
    const providerRef = `${await promiseOf(provider.urn)}::${await promiseOf(provider.id)}`;
    expect(mocks.byName("eu-widget").provider).toBe(providerRef);
  });

  test("invalid arguments throw before anything is registered, naming primitive, field, value and fix", () => {
    expect(() => new Example("Bad_Name", { size: 0, owner: " ", tags: { "Bad Key": "x" } })).toThrow(StrataValidationError);
    // A resource is recorded as its constructor runs, so nothing here means nothing will ever reach the engine.
    expect(mocks.constructed).toEqual([]);
    expect(thrown(() => new Example("Bad_Name", { size: 0 })).message).toBe(
      "2 problems:\n" +
        '  - Example "Bad_Name": name="Bad_Name" cannot be used as a file name, Kubernetes name and Trino identifier. ' +
        'Fix: use 1-63 characters: lower-case letters, digits and "-", starting with a letter and not ending with "-" (e.g. "orders-db")\n' +
        '  - Example "Bad_Name": size=0 is below 1. Fix: give a size of at least 1',
    );
    expect(mocks.constructed).toEqual([]);
    expect(platform.catalog.entries()).toEqual([]);
  });

  test("common arguments are checked too", () => {
    expect(() => new Example("ok", { size: 1, owner: " ", tags: { "Bad Key": "x" } })).toThrow(
      /owner=" " is blank[\s\S]*tags.Bad Key="Bad Key" is not a valid tag key/,
    );
  });

  test("registers a catalog entry with kind, name, address, owner, tags and sorted inputs", () => {
    const example = new Example("orders", { size: 1, owner: "sales-eng", tags: { tier: "gold" }, platform });
    const expected = {
      kind: "Example",
      name: "orders",
      address: "strata:example/orders",
      owner: "sales-eng",
      tags: { tier: "gold" },
      inputs: ["strata://a", "strata://b"],
    };
    expect(example.catalogEntry).toEqual(expected);
    expect(platform.catalog.entries()).toEqual([expected]);
  });

  test("owner defaults to unassigned; entries are sorted by address whatever the order of declaration", () => {
    new Example("b", { size: 1, platform });
    new Example("a", { size: 1, platform });
    expect(platform.catalog.entries().map((e) => [e.address, e.owner])).toEqual([
      ["strata:example/a", "unassigned"],
      ["strata:example/b", "unassigned"],
    ]);
  });

  test("a catalog keeps one entry per address: a second registration replaces the first", () => {
    const catalog = new Catalog();
    const entry = { kind: "Example", name: "a", address: "strata:example/a", owner: "x", tags: {}, inputs: [] };
    catalog.register(entry);
    catalog.register({ ...entry, owner: "y" });
    expect(catalog.entries()).toEqual([{ ...entry, owner: "y" }]);
  });

  test("a component declared outside a program run gets a platform of its own from the stack's config", () => {
    const a = new Example("alone", { size: 1 });
    expect(a.platform).not.toBe(platform);
    expect(a.platform.catalog.entries().map((e) => e.address)).toEqual(["strata:example/alone"]);
  });

  test("stateful children are protected and retained outside dev stacks", () => {
    const example = new Example("warehouse", { size: 1 });
    expect(example.context.environment).toBe("prod");
    expect(example.stateful()).toMatchObject({ protect: true, retainOnDelete: true, deleteBeforeReplace: true, parent: example });
  });

  test("an environment from the given platform overrides the stack name", () => {
    const example = new Example("scratch", { size: 1, ...{ platform: createPlatform({ ...stackContext(), environment: "dev-bob" }) } });
    expect(example.stateful()).toMatchObject({ protect: false, retainOnDelete: false });
  });

  test("the caller's retainOnDelete is copied to children", () => {
    const example = new Example("kept", { size: 1 }, { retainOnDelete: true });
    expect(example.plain()).toEqual({ retainOnDelete: true, parent: example });
    expect(new Example("plain", { size: 1 }).plain()).toEqual({ parent: expect.anything() });
  });

  test("child roles are checked", () => {
    const example = new Example("roles", { size: 1 });
    expect(example.role("catalog-file")).toBe("roles-catalog-file");
    expect(() => example.role("Bad Role")).toThrow(/child role "Bad Role"/);
  });
});
