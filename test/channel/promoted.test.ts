/**
 * `promoted`: whether a subscriber that reconnected (or followed its slot) may be on a replica
 * promoted since, whose history can lack messages the old master acknowledged.
 */
import { describe, expect, it } from "vitest";
import { promoted } from "../../src/channel/node-subscriber.js";

const NONE = "0000000000000000000000000000000000000000";
const id = (c: string) => c.repeat(40);
const master = { replid: id("a"), replid2: NONE };

describe("promoted", () => {
  it("is true on a replica that took over from the server seen before", () => {
    expect(promoted(master, { replid: id("b"), replid2: master.replid })).toBe(true);
  });

  it("is true on a promoted replica whose old master changed its id after it was read", () => {
    // A master takes a new replication id when its first replica attaches: the replica promoted
    // later names that id, not the one a subscriber read before.
    expect(promoted(master, { replid: id("b"), replid2: id("c") })).toBe(true);
  });

  it("is false on the same server and on a server that was never promoted", () => {
    expect(promoted(master, master)).toBe(false);
    expect(promoted({ replid: id("d"), replid2: id("e") }, { replid: id("d"), replid2: id("e") })).toBe(
      false,
    );
    expect(promoted(master, { replid: id("c"), replid2: NONE })).toBe(false);
  });

  it("is true when either side is unknown: a failover cannot be ruled out", () => {
    expect(promoted(undefined, master)).toBe(true);
    expect(promoted(master, undefined)).toBe(true);
    expect(promoted(undefined, undefined)).toBe(true);
  });
});
