/**
 * `promoted`: whether a subscriber that reconnected (or followed its slot) may be on a replica
 * promoted since, whose history can lack messages the old master acknowledged.
 */
import { describe, expect, it } from "vitest";
import { promoted } from "../../src/channel/node-subscriber.js";

const NONE = "0000000000000000000000000000000000000000";
const master = { replid: "a".repeat(40), replid2: NONE };

describe("promoted", () => {
  it("is true on a replica that took over from the server seen before", () => {
    expect(promoted(master, { replid: "b".repeat(40), replid2: master.replid })).toBe(true);
  });

  it("is false on the same server, on a restarted one and on an unrelated master", () => {
    expect(promoted(master, master)).toBe(false);
    expect(promoted(master, { replid: "c".repeat(40), replid2: NONE })).toBe(false);
    expect(promoted(master, { replid: "d".repeat(40), replid2: "e".repeat(40) })).toBe(false);
  });

  it("is true when either side is unknown: a failover cannot be ruled out", () => {
    expect(promoted(undefined, master)).toBe(true);
    expect(promoted(master, undefined)).toBe(true);
    expect(promoted(undefined, undefined)).toBe(true);
  });
});
