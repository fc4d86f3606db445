import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Command, Redis } from "ioredis";
import { scriptCommandFactory, type ScriptCommandOptions } from "../../src/store/redis/script-command.js";
import type { ScriptArg } from "../../src/store/script.js";
import {
  IOREDIS_MAJORS,
  ioredisCommandClass,
  ioredisVersion,
  newClusterClient,
  newRedisClient,
} from "../support/ioredis.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const ARGS: ScriptArg[] = [1, 0, 1_000_000_000, 0.25, -3, "g:per-second", "", "ünï cødé ✓", 1e21];

const wire = (c: Command): string => {
  const w = c.toWritable({} as never);
  return typeof w === "string" ? w : w.toString("utf8");
};

const options = (keyPrefix?: string): ScriptCommandOptions =>
  keyPrefix ? { replyEncoding: "utf8", keyPrefix } : { replyEncoding: "utf8" };

describe.each(IOREDIS_MAJORS)("script commands on ioredis %i", (major) => {
  const clients: { disconnect(): void }[] = [];
  const client = (keyPrefix?: string) => {
    const c = newRedisClient({ lazyConnect: true, ...(keyPrefix ? { keyPrefix } : {}) }, major);
    clients.push(c);
    return c;
  };
  afterAll(() => clients.forEach((c) => c.disconnect()));

  it(`finds the fast path on ioredis ${ioredisVersion(major)}, standalone and Cluster`, () => {
    expect(scriptCommandFactory(client(), options())).toBeDefined();
    const cluster = newClusterClient([{ host: "127.0.0.1", port: 1 }], { lazyConnect: true }, major);
    clients.push(cluster);
    expect(scriptCommandFactory(cluster, options())).toBeDefined();
  });

  it("writes byte for byte what ioredis' own EVALSHA command writes", () => {
    for (const keyPrefix of [undefined, "app:"]) {
      const c = client(keyPrefix);
      const make = scriptCommandFactory(c, options(keyPrefix))!;
      const Theirs = ioredisCommandClass(major);
      for (const keys of [[], ["k:{a}"], ["k:{ä}", "k2:{ä}"]]) {
        for (const args of [[], ARGS, Object.freeze([...ARGS])]) {
          const ours = make(SHA, keys, args);
          const theirs = new Theirs("evalsha", [SHA, keys.length, ...keys, ...args], options(keyPrefix));
          // An instance of the client's own Command class (ioredis 6 calls its setReplyContext).
          expect(ours).toBeInstanceOf(Theirs);
          expect(wire(ours)).toBe(wire(theirs));
          // Written twice (a Cluster redirection re-sends the same command): the same bytes.
          expect(wire(ours)).toBe(wire(theirs));
        }
      }
    }
  });

  it("gives ioredis the prefixed keys, so a Cluster client routes it by its key", () => {
    const c = client("app:");
    const ours = scriptCommandFactory(c, options("app:"))!(SHA, ["k:{user1}"], ARGS);
    const theirs = new (ioredisCommandClass(major))(
      "evalsha",
      [SHA, 1, "k:{user1}", ...ARGS],
      options("app:"),
    );
    expect(ours.getKeys()).toEqual(["app:k:{user1}"]);
    expect(ours.getSlot()).toBe(theirs.getSlot());
  });

  it("writes the EVAL sent after NOSCRIPT byte for byte as ioredis' own", () => {
    for (const keyPrefix of [undefined, "app:"]) {
      const make = scriptCommandFactory(client(keyPrefix), options(keyPrefix))!;
      const lua = "return redis.call('GET', KEYS[1])";
      const ours = make.eval(lua, ["k:{a}"], ARGS);
      const theirs = new (ioredisCommandClass(major))("eval", [lua, 1, "k:{a}", ...ARGS], options(keyPrefix));
      expect(wire(ours)).toBe(wire(theirs));
      expect(ours.getSlot()).toBe(theirs.getSlot());
    }
  });

  it("writes a PING in its place once its promise has settled, so nothing the caller gave up on runs", async () => {
    const make = scriptCommandFactory(client(), options())!;
    const PING = "*1\r\n$4\r\nPING\r\n";
    const timedOut = make(SHA, ["k"], ARGS);
    expect(timedOut.settled).toBe(false);
    expect(wire(timedOut)).toContain("evalsha");
    // What ioredis' commandTimeout does (through a Cluster client's wrapper, which calls this one).
    timedOut.reject(new Error("Command timed out"));
    await expect(timedOut.promise).rejects.toThrow("Command timed out");
    expect(timedOut.settled).toBe(true);
    expect(wire(timedOut)).toBe(PING);
    const answered = make.eval("return 1", ["k"], []);
    answered.resolve("1");
    await expect(answered.promise).resolves.toBe("1");
    expect(wire(answered)).toBe(PING);
  });

  it("reuses the encoding of a frozen array and never that of an array that can change", () => {
    const make = scriptCommandFactory(client(), options())!;
    expect(wire(make(SHA, ["k"], Object.freeze(["1", "2"])))).toContain("$1\r\n1\r\n$1\r\n2\r\n");
    const mutable = ["1", "2"];
    expect(wire(make(SHA, ["k"], mutable))).toContain("$1\r\n2\r\n");
    mutable[1] = "3";
    expect(wire(make(SHA, ["k"], mutable))).toContain("$1\r\n3\r\n");
  });

  it("declines (so the store uses client.evalsha) when the prefix it was given is not the client's", () => {
    expect(scriptCommandFactory(client("app:"), options("other:"))).toBeUndefined();
  });
});

describe("scriptCommandFactory on clients it cannot vouch for", () => {
  it("declines a client whose commands write something else", () => {
    const c = newRedisClient({ lazyConnect: true });
    class Odd extends ioredisCommandClass() {
      override toWritable(): string {
        return "*1\r\n$4\r\nPING\r\n";
      }
    }
    const odd = {
      options: {},
      evalsha(...args: unknown[]) {
        return (this as unknown as { sendCommand(x: Command): unknown }).sendCommand(
          new Odd("evalsha", args as string[], { replyEncoding: "utf8" }),
        );
      },
      sendCommand: () => Promise.resolve(null),
    };
    expect(scriptCommandFactory(odd, options())).toBeUndefined();
    c.disconnect();
  });

  it("declines a client that builds no command, or throws", () => {
    expect(scriptCommandFactory({ options: {}, evalsha: () => undefined }, options())).toBeUndefined();
    expect(
      scriptCommandFactory(
        {
          options: {},
          evalsha: () => {
            throw new Error("no");
          },
        },
        options(),
      ),
    ).toBeUndefined();
  });

  it("never sends anything on the client it probes", () => {
    const c = newRedisClient({ lazyConnect: true, enableAutoPipelining: true });
    let sent = 0;
    const original = c.sendCommand.bind(c);
    c.sendCommand = ((...a: Parameters<Redis["sendCommand"]>) => {
      sent++;
      return original(...a);
    }) as Redis["sendCommand"];
    expect(scriptCommandFactory(c, options())).toBeDefined();
    expect(sent).toBe(0);
    expect(c.status).toBe("wait");
    c.disconnect();
  });
});

const port = inject("redisPort");

describe.runIf(port !== null).each(IOREDIS_MAJORS)("script commands on a real Redis, ioredis %i", (major) => {
  let client: Redis;
  beforeAll(async () => {
    client = newRedisClient({ port: port!, host: "127.0.0.1", keyPrefix: "sc-test:" }, major);
    await client.ping();
  });
  afterAll(() => client?.disconnect());

  it("reaches the script with the prefixed keys and every argument as client.evalsha sends it", async () => {
    const lua = "return {KEYS[1], KEYS[2], unpack(ARGV)}";
    const sha = (await client.script("LOAD", lua)) as string;
    const make = scriptCommandFactory(client, options("sc-test:"))!;
    const args = Object.freeze([...ARGS]);
    const keys = ["k:{ä}", "x:{ä}"];
    const expected = await client.evalsha(sha, 2, ...keys, ...args);
    expect((expected as string[]).slice(0, 2)).toEqual(["sc-test:k:{ä}", "sc-test:x:{ä}"]);
    for (let i = 0; i < 2; i++) {
      expect(await client.sendCommand(make(sha, keys, args))).toEqual(expected);
    }
  });
});
