import { describe, expect, test } from "vitest";
import { hintedWriter, strataHint, withStrataHints } from "./hints.js";

describe("strata hints after pulumi commands", () => {
  test("each pulumi command the engine names has its strata equivalent", () => {
    expect(strataHint("If you want to remove the stack completely, run `pulumi stack rm dev`.", "x")).toBe(
      "npm run strata -- remove --stack dev",
    );
    expect(strataHint("run `pulumi stack rm --force organization/p/prod`", "x")).toBe("npm run strata -- remove --stack prod --force");
    expect(strataHint("the stack is currently locked by 1 lock(s): run `pulumi cancel` if the update was interrupted", "prod")).toBe(
      "npm run strata -- cancel --stack prod",
    );
    expect(strataHint("  refresh first: run `pulumi refresh`", "dev")).toBe("npm run strata -- refresh --stack dev");
    expect(strataHint("Resources: 3 unchanged", "dev")).toBeUndefined();
  });

  test("the hint follows its line, indented like it; streamed text is hinted a whole line at a time", () => {
    expect(withStrataHints("a\n  run `pulumi cancel` now\nb", "dev")).toBe(
      "a\n  run `pulumi cancel` now\n  With strata: npm run strata -- cancel --stack dev\nb",
    );
    const out: string[] = [];
    const writer = hintedWriter("dev", (t) => out.push(t));
    writer.write("please run `pulumi st");
    writer.write("ack rm dev`\nnext");
    writer.flush();
    expect(out.join("")).toBe("please run `pulumi stack rm dev`\nWith strata: npm run strata -- remove --stack dev\nnext");
  });
});
