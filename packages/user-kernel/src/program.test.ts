import { beforeEach, describe, expect, test } from "vitest";
import { installMocks } from "../../../test/support/mocks.js";

const mocks = await installMocks();
const { Secret, strataProgram } = await import("@strata/user-kernel");

beforeEach(() => {
  mocks.registered.length = 0;
});

describe("strataProgram", () => {
  test("exports the catalog of the run and starts each run from an empty catalog", async () => {
    let names = ["a", "b"];
    const program = strataProgram(() => {
      for (const name of names) new Secret(name, { value: "v", owner: "team" });
      return { answer: 42 };
    });
    const first = await program();
    expect(first.answer).toBe(42);
    expect((first.catalog as Array<{ address: string }>).map((e) => e.address)).toEqual(["strata:secret/a", "strata:secret/b"]);
    names = ["c"];
    const second = await program();
    expect((second.catalog as Array<{ address: string }>).map((e) => e.address)).toEqual(["strata:secret/c"]);
  });
});
