import { afterEach, describe, expect, it } from "vitest";
import { envInt } from "../../bench/support/env.js";

const NAME = "HOLDFAST_TEST_BENCH_ENV_INT";

describe("bench envInt (the benches' rule for a number from the environment)", () => {
  afterEach(() => {
    delete process.env[NAME];
  });

  it("gives the default when unset or empty, and the value when it is a whole number ≥ min", () => {
    expect(envInt(NAME, 3, 1)).toBe(3);
    process.env[NAME] = "";
    expect(envInt(NAME, 3, 1)).toBe(3);
    process.env[NAME] = "12";
    expect(envInt(NAME, 3, 1)).toBe(12);
    process.env[NAME] = "0";
    expect(envInt(NAME, 1, 0)).toBe(0);
  });

  it.each(["3s", "1.5", "-1", "1e3", " 2", "0x10", "1_000", "99999999999999999999"])(
    "stops on %j, naming the variable",
    (raw) => {
      process.env[NAME] = raw;
      expect(() => envInt(NAME, 3, 0)).toThrow(new RegExp(`^${NAME}=.* is not a whole number ≥ 0`));
    },
  );

  it("stops on a value under the minimum, and on a required variable that is missing", () => {
    process.env[NAME] = "0";
    expect(() => envInt(NAME, 3, 1)).toThrow(/is not a whole number ≥ 1/);
    delete process.env[NAME];
    expect(() => envInt(NAME, undefined, 1)).toThrow(`${NAME} is not set`);
  });
});
