import { describe, expect, it } from "vitest";
import { ScriptError } from "../../src/errors/store-errors.js";
import { decodePosition, decodePositions } from "../../src/waiting-room/decode.js";
import { PACKED_LENGTH_LIMIT } from "../../src/waiting-room/status.js";

// The position script answers a queued user with one integer, ahead * 2^26 + length, while the
// room holds fewer than 2^26 users, and with the table {state, ahead, length, ms} otherwise.
describe("the waiting room's position reply", () => {
  it("unpacks ahead and length exactly, up to the largest room that is packed", () => {
    const top = PACKED_LENGTH_LIMIT - 1;
    expect(decodePosition((top - 1) * PACKED_LENGTH_LIMIT + top)).toEqual({
      state: "queued",
      position: top,
      ahead: top - 1,
      length: top,
    });
    expect(decodePosition(0 * PACKED_LENGTH_LIMIT + 1)).toEqual({
      state: "queued",
      position: 1,
      ahead: 0,
      length: 1,
    });
    expect(decodePosition(41 * PACKED_LENGTH_LIMIT + 100_000)).toEqual({
      state: "queued",
      position: 42,
      ahead: 41,
      length: 100_000,
    });
  });

  it("reads the table that larger rooms, admitted and absent users get", () => {
    expect(decodePosition([0, PACKED_LENGTH_LIMIT, PACKED_LENGTH_LIMIT + 5, 0])).toEqual({
      state: "queued",
      position: PACKED_LENGTH_LIMIT + 1,
      ahead: PACKED_LENGTH_LIMIT,
      length: PACKED_LENGTH_LIMIT + 5,
    });
    expect(decodePosition([2, 0, 7, 1500])).toEqual({ state: "admitted", expiresInMs: 1500, length: 7 });
    expect(decodePosition([3, 0, 7, 0])).toEqual({ state: "absent", length: 7 });
  });

  it("refuses what no script sends", () => {
    expect(() => decodePosition(-1)).toThrow(ScriptError);
    expect(() => decodePosition(1.5)).toThrow(ScriptError);
    expect(() => decodePosition([9, 0, 0, 0])).toThrow(ScriptError);
    expect(() => decodePosition([0, 1, 2] as never)).toThrow(ScriptError);
  });
});

// The batched position reply: {length, code per user}, code >= 0 a rank, -1 absent, -1 - ms admitted.
describe("the waiting room's batched position reply", () => {
  it("decodes each user's code against the room's one length", () => {
    expect(decodePositions([7, 0, 6, -1, -2, -60_001], 5)).toEqual([
      { state: "queued", position: 1, ahead: 0, length: 7 },
      { state: "queued", position: 7, ahead: 6, length: 7 },
      { state: "absent", length: 7 },
      { state: "admitted", expiresInMs: 1, length: 7 },
      { state: "admitted", expiresInMs: 60_000, length: 7 },
    ]);
  });

  it("refuses a reply of the wrong shape with a ScriptError", () => {
    for (const raw of [
      [3, 0],
      [3, 0, 1, 2],
      [3, 0.5, 1],
      [3, "1", 0],
      "3",
      null,
      [3, 0, Number.MAX_SAFE_INTEGER + 2],
    ]) {
      expect(() => decodePositions(raw as never, 2)).toThrow(ScriptError);
    }
  });
});
