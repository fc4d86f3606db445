import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { Command, Redis } from "ioredis";
import { ScriptCommand } from "../../src/store/redis/script-command.js";
import type { ScriptArg } from "../../src/store/script.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const ARGS: ScriptArg[] = [1, 0, 1_000_000_000, 0.25, -3, "g:per-second", "", "ünï cødé ✓", 1e21];

const wire = (c: Command): string => {
  const w = c.toWritable({} as never);
  return typeof w === "string" ? w : w.toString("utf8");
};

describe("ScriptCommand", () => {
  it("writes byte for byte what ioredis' own EVALSHA command writes", () => {
    for (const keyPrefix of [undefined, "app:"]) {
      const options = keyPrefix
        ? { replyEncoding: "utf8" as const, keyPrefix }
        : { replyEncoding: "utf8" as const };
      for (const keys of [[], ["k:{a}"], ["k:{ä}", "k2:{ä}"]]) {
        for (const args of [[], ARGS, Object.freeze([...ARGS])]) {
          const ours = new ScriptCommand(SHA, keys, args, options);
          const theirs = new Command("evalsha", [SHA, keys.length, ...keys, ...args], options);
          expect(wire(ours)).toBe(wire(theirs));
          // Written twice (a Cluster redirection re-sends the same command): the same bytes.
          expect(wire(ours)).toBe(wire(theirs));
        }
      }
    }
  });

  it("gives ioredis the prefixed keys, so a Cluster client routes it by its key", () => {
    const c = new ScriptCommand(SHA, ["k:{user1}"], ARGS, { replyEncoding: "utf8", keyPrefix: "app:" });
    const theirs = new Command("evalsha", [SHA, 1, "k:{user1}", ...ARGS], {
      replyEncoding: "utf8",
      keyPrefix: "app:",
    });
    expect(c.getKeys()).toEqual(["app:k:{user1}"]);
    expect(c.getSlot()).toBe(theirs.getSlot());
  });

  it("reuses the encoding of a frozen array and never that of an array that can change", () => {
    const frozen = Object.freeze(["1", "2"]);
    const a = new ScriptCommand(SHA, ["k"], frozen, { replyEncoding: "utf8" });
    expect(wire(a)).toContain("$1\r\n1\r\n$1\r\n2\r\n");
    const mutable = ["1", "2"];
    expect(wire(new ScriptCommand(SHA, ["k"], mutable, { replyEncoding: "utf8" }))).toContain("$1\r\n2\r\n");
    mutable[1] = "3";
    expect(wire(new ScriptCommand(SHA, ["k"], mutable, { replyEncoding: "utf8" }))).toContain("$1\r\n3\r\n");
  });
});

const port = inject("redisPort");

describe.runIf(port !== null)("ScriptCommand on a real Redis", () => {
  let client: Redis;
  beforeAll(async () => {
    client = new Redis({ port: port!, host: "127.0.0.1", keyPrefix: "sc-test:" });
    await client.ping();
  });
  afterAll(() => client?.disconnect());

  it("reaches the script with the prefixed keys and every argument intact", async () => {
    const lua = "return {KEYS[1], KEYS[2], unpack(ARGV)}";
    const sha = (await client.script("LOAD", lua)) as string;
    const args = Object.freeze([...ARGS]);
    for (let i = 0; i < 2; i++) {
      const reply = await client.sendCommand(
        new ScriptCommand(sha, ["k:{ä}", "x:{ä}"], args, { replyEncoding: "utf8", keyPrefix: "sc-test:" }),
      );
      expect(reply).toEqual(["sc-test:k:{ä}", "sc-test:x:{ä}", ...ARGS.map(String)]);
    }
  });
});
