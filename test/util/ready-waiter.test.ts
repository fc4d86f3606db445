import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { ReadyWaiter } from "../../src/util/ready-waiter.js";

class Conn extends EventEmitter {
  status = "connecting";
  becomeReady() {
    this.status = "ready";
    this.emit("ready");
  }
}

describe("ReadyWaiter", () => {
  it("adds one listener however many wait, and resolves them all on ready", async () => {
    const conn = new Conn();
    const w = new ReadyWaiter(conn);
    const waits = Array.from({ length: 50 }, () => w.wait(1000, () => new Error("late")));
    expect(conn.listenerCount("ready")).toBe(1);
    conn.becomeReady();
    await Promise.all(waits);
    expect(conn.listenerCount("ready")).toBe(0);
    await w.wait(1, () => new Error("late")); // ready now: at once
  });

  it("times each waiter out on its own, and waits again after a disconnect", async () => {
    const conn = new Conn();
    const w = new ReadyWaiter(conn);
    const short = w.wait(20, () => new Error("short"));
    const long = w.wait(2000, () => new Error("long"));
    await expect(short).rejects.toThrow("short");
    conn.becomeReady();
    await long;
    conn.status = "reconnecting";
    const again = w.wait(1000, () => new Error("again"));
    expect(conn.listenerCount("ready")).toBe(1);
    conn.becomeReady();
    await again;
  });
});
