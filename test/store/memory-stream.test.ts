import { describe, expect, it } from "vitest";
import { MemoryStream } from "../../src/store/memory/stream.js";

describe("MemoryStream (twin of a Redis Stream)", () => {
  it("generates ids like XADD *: monotonic even when the clock stands still or goes back", () => {
    const s = new MemoryStream();
    expect(s.add(1000, ["a", "1"])).toBe("1000-0");
    expect(s.add(1000, ["a", "2"])).toBe("1000-1");
    expect(s.add(999, ["a", "3"])).toBe("1000-2");
    expect(s.add(1001, ["a", "4"])).toBe("1001-0");
    expect(s.length).toBe(4);
    expect(s.entriesAdded).toBe(4);
  });

  it("ranges inclusively and exclusively, forwards and backwards", () => {
    const s = new MemoryStream();
    for (let i = 0; i < 5; i++) s.add(100 + i, ["i", String(i)]);
    expect(s.range("-", "+").map((e) => e.id)).toEqual(["100-0", "101-0", "102-0", "103-0", "104-0"]);
    expect(s.range("(101-0", "+", 2).map((e) => e.id)).toEqual(["102-0", "103-0"]);
    expect(s.range("102", "103").map((e) => e.id)).toEqual(["102-0", "103-0"]);
    expect(s.revRange("+", "-", 2).map((e) => e.id)).toEqual(["104-0", "103-0"]);
  });

  it("trims by MAXLEN and MINID exactly", () => {
    const s = new MemoryStream();
    for (let i = 0; i < 3000; i++) s.add(i, []);
    expect(s.trimMaxLen(1000)).toBe(2000);
    expect(s.first()!.id).toBe("2000-0");
    expect(s.trimMinId("2500-0")).toBe(500);
    expect(s.length).toBe(500);
    expect(s.range("-", "+", 1)[0].id).toBe("2500-0");
    expect(s.last()!.id).toBe("2999-0");
  });
});
