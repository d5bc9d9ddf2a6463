import * as pulumi from "@pulumi/pulumi";
import { type Platform, platformOf } from "../platform.js";
import { type CatalogEntry, primitiveAddress } from "./catalog.js";
import type { StrataContext } from "./context.js";
import { statefulOptions } from "./environment.js";
import { IssueCollector, StrataValidationError, type ValidationIssue } from "./errors.js";
import { validateName } from "./names.js";

/** The kernel layer a component belongs to; the middle part of its type token. */
export type Layer = "cloud" | "core" | "user";

/** Identifies a component type: `{ layer: "core", kind: "Secret" }` is `strata:core:Secret`. */
export interface ComponentType {
  readonly layer: Layer;
  readonly kind: string;
}

/**
 * How a component names and parents the children a helper function (a
 * primitive's backend, a builder of Kubernetes objects) creates for it.
 */
export interface ChildFactory {
  /** The program run of the component. */
  readonly platform: Platform;
  /** The component's `childName`: `<name>-<role>`. */
  name(role: string): string;
  /** The component's `childOptions()`, `extra` winning. */
  options(extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions;
  /** The component's `statefulChildOptions()`: protected and retained outside dev stacks. */
  statefulOptions(extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions;
}

/** Arguments every primitive accepts. */
export interface PrimitiveArgs {
  /**
   * Team or person accountable for this primitive; recorded in the catalog.
   * @default "unassigned"
   */
  owner?: string;
  /** Business domain (e.g. "sales"); recorded in the catalog. @default none */
  domain?: string;
  /** What this primitive is for, in a sentence; recorded in the catalog. @default none */
  description?: string;
  /** Free-form labels recorded in the catalog. @default {} */
  tags?: Record<string, string>;
  /**
   * The program run this primitive belongs to: target, environment, data
   * folder, Kubernetes cluster, catalog. Give it to deploy one program to two
   * places at once.
   * @default the platform `strataProgram` created for this run (outside it, one from the stack's `strata:*` config)
   */
  platform?: Platform;
}

const TAG_KEY = /^[a-z][a-z0-9_./-]{0,62}$/;
const ROLE = /^[a-z][a-z0-9-]*$/;

/** Checks the arguments shared by every primitive. Pure. */
export function validatePrimitiveArgs(kind: string, name: string, args: PrimitiveArgs): ValidationIssue[] {
  const checks = new IssueCollector(kind, name);
  if (args.owner !== undefined && args.owner.trim() === "") {
    checks.add("owner", args.owner, "is blank", 'name the accountable team, e.g. "data-platform", or leave it out');
  }
  for (const [key, value] of Object.entries(args.tags ?? {})) {
    if (!TAG_KEY.test(key)) {
      checks.add(
        `tags.${key}`,
        key,
        "is not a valid tag key",
        'use lower-case letters, digits, "_", ".", "/" or "-", starting with a letter',
      );
    }
    if (typeof value !== "string") {
      checks.add(`tags.${key}`, value, "is not a string", "give tag values as strings");
    }
  }
  return checks.issues;
}

/**
 * The base of every Strata component.
 *
 * Order of work, which every subclass keeps: its own validator runs as an
 * argument to `super`, so invalid input throws before anything at all is
 * registered; then children are created with {@link childName} and
 * {@link childOptions}; then {@link finish} registers outputs and the catalog
 * entry.
 */
export abstract class StrataComponent extends pulumi.ComponentResource {
  /** The name this component was given; children are named `${resourceName}-<role>`. */
  readonly resourceName: string;
  /** The program run this component belongs to. */
  readonly platform: Platform;
  /** Target, environment and data directory this component deploys with (the platform's). */
  readonly context: StrataContext;
  /** This component's catalog entry, once {@link finish} has run with one. */
  catalogEntry?: CatalogEntry;

  private readonly kind: string;
  private readonly primitiveArgs: PrimitiveArgs;
  // Pulumi does not pass retainOnDelete from a component to its children; we do.
  private readonly retainOnDelete: boolean | undefined;

  /**
   * @param issues what the subclass's validator found, or a validator that
   *   needs the platform; thrown together with the name and common-argument
   *   checks, before registration.
   */
  protected constructor(
    type: ComponentType,
    name: string,
    args: PrimitiveArgs,
    opts: pulumi.ComponentResourceOptions | undefined,
    issues: readonly ValidationIssue[] | ((platform: Platform) => readonly ValidationIssue[]),
  ) {
    const platform = platformOf(args.platform);
    const own = typeof issues === "function" ? issues(platform) : issues;
    const all = [...validateName(type.kind, name), ...validatePrimitiveArgs(type.kind, name, args), ...own];
    if (all.length > 0) throw new StrataValidationError(all);
    super(`strata:${type.layer}:${type.kind}`, name, {}, opts);
    this.resourceName = name;
    this.kind = type.kind;
    this.platform = platform;
    this.context = platform.context;
    this.primitiveArgs = args;
    this.retainOnDelete = opts?.retainOnDelete;
  }

  /** `${name}-${role}`: stable, so renaming a role (not the name) is what forces replacement. */
  protected childName(role: string): string {
    if (!ROLE.test(role)) throw new Error(`${this.kind} "${this.resourceName}": child role "${role}" is not a valid role`);
    return `${this.resourceName}-${role}`;
  }

  /**
   * Options for a child: parented to this component, so it inherits the
   * caller's `providers` and `protect`; the caller's `retainOnDelete` is
   * copied on. `extra` wins over both.
   */
  protected childOptions(extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    const retain = this.retainOnDelete === undefined ? {} : { retainOnDelete: this.retainOnDelete };
    return { ...retain, ...extra, parent: this };
  }

  /** Options for a child holding data: protected and retained outside dev stacks. */
  protected statefulChildOptions(extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    return this.childOptions({ ...statefulOptions(this.context.environment), ...extra });
  }

  /** Naming and options for children that a helper function creates on this component's behalf. */
  protected childFactory(): ChildFactory {
    return {
      platform: this.platform,
      name: (role) => this.childName(role),
      options: (extra) => this.childOptions(extra),
      statefulOptions: (extra) => this.statefulChildOptions(extra),
    };
  }

  /**
   * Registers outputs and, for primitives, the catalog entry.
   * @param catalog omitted for cloud-kernel building blocks, which are not primitives.
   */
  protected finish(outputs: pulumi.Inputs, catalog?: { address?: string; inputs?: string[] }): void {
    if (catalog) {
      this.catalogEntry = {
        kind: this.kind,
        name: this.resourceName,
        address: catalog.address ?? primitiveAddress(this.kind, this.resourceName),
        owner: this.primitiveArgs.owner ?? "unassigned",
        ...(this.primitiveArgs.domain === undefined ? {} : { domain: this.primitiveArgs.domain }),
        ...(this.primitiveArgs.description === undefined ? {} : { description: this.primitiveArgs.description }),
        tags: { ...this.primitiveArgs.tags },
        inputs: [...(catalog.inputs ?? [])].sort(),
      };
      this.platform.catalog.register(this.catalogEntry);
    }
    this.registerOutputs(outputs);
  }
}
