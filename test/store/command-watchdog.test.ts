import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { Redis } from "ioredis";
import { PrivateRedis } from "../support/redis-server.js";
import { IOREDIS_MAJORS, newRedisClient } from "../support/ioredis.js";
import { COMMAND_TIMED_OUT, CommandWatchdog } from "../../src/store/redis/command-watchdog.js";

const hasRedis = inject("redisPort") !== null;

describe.runIf(hasRedis).each(IOREDIS_MAJORS)("CommandWatchdog on a real ioredis %i connection", (major) => {
  let redis: PrivateRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // No ioredis commandTimeout: the watchdog is the only thing that can fail a command.
    client = newRedisClient({ port: redis.port, host: "127.0.0.1", maxRetriesPerRequest: 0 }, major);
    await client.ping();
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it("fails every command of a stalled server after the timeout, never before, and the connection carries on", async () => {
    const timeoutMs = 300;
    const tickMs = 15;
    const watchdog = new CommandWatchdog(client, timeoutMs, tickMs);
    try {
      await client.set("wd:n", 0);
      redis.pause();
      const started = Date.now();
      let outcomes: { error: string; afterMs: number }[];
      try {
        outcomes = await Promise.all(
          Array.from({ length: 20 }, () =>
            client.incr("wd:n").then(
              () => ({ error: "none", afterMs: Date.now() - started }),
              (e: Error) => ({ error: e.message, afterMs: Date.now() - started }),
            ),
          ),
        );
      } finally {
        redis.resume();
      }
      for (const o of outcomes) {
        expect(o.error).toBe(COMMAND_TIMED_OUT);
        expect(o.afterMs).toBeGreaterThanOrEqual(timeoutMs);
        // Two ticks late at most, plus scheduling slack on a busy machine.
        expect(o.afterMs).toBeLessThan(timeoutMs + 2 * tickMs + 400);
      }
      // The stalled commands still ran once the server resumed; their late replies are dropped and
      // the next reply goes to the right command.
      expect(await client.incr("wd:n")).toBe(21);
    } finally {
      watchdog.stop();
    }
  });

  it("leaves commands that get their reply in time alone", async () => {
    const watchdog = new CommandWatchdog(client, 1_000, 5);
    try {
      const deadline = Date.now() + 600;
      let done = 0;
      while (Date.now() < deadline) {
        await Promise.all(Array.from({ length: 50 }, () => client.incr("wd:ok")));
        done += 50;
      }
      expect(Number(await client.get("wd:ok"))).toBe(done);
    } finally {
      watchdog.stop();
    }
  });

  it("does nothing once stopped", async () => {
    const watchdog = new CommandWatchdog(client, 50, 5);
    watchdog.stop();
    redis.pause();
    const reply = client.ping();
    await new Promise((r) => setTimeout(r, 200));
    redis.resume();
    expect(await reply).toBe("PONG");
  });
});
