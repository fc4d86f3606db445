import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createGateway, type Gateway } from "../../src/gateway/gateway.js";
import type { GatewayOptions } from "../../src/gateway/options.js";
import { CLOSE_CODES } from "../../src/gateway/protocol.js";
import { TestClient } from "./client.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("gateway (memory store, real sockets)", () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  async function start(
    extra: Partial<GatewayOptions> = {},
  ): Promise<{ gateway: Gateway; url: string; store: Store }> {
    const store = await createStore({ type: "memory", env: {} });
    const gateway = await createGateway({
      store,
      port: 0,
      channels: {
        channels: { "task:*": { mode: "durable", maxLen: 100 }, "small:*": { mode: "durable", maxLen: 2 } },
      },
      ...extra,
    });
    cleanup.push(() => store.close());
    cleanup.push(() => gateway.close());
    return { gateway, url: `ws://127.0.0.1:${gateway.port}`, store };
  }

  async function client(url: string, headers?: Record<string, string>): Promise<TestClient> {
    const c = await TestClient.connect(url, headers);
    cleanup.push(() => c.close());
    return c;
  }

  it("accepts seed 003's browser frame exactly as written and passes its message shape through", async () => {
    const { gateway, url } = await start();
    const browser = await client(url);
    // Exactly what the seed's browser snippet sends: no request id.
    browser.send(JSON.stringify({ type: "subscribe", channel: "task:routing" }));
    browser.send(JSON.stringify({ type: "subscribe", channel: "agent:status" }));
    await browser.waitFor(() => browser.of("ack").length === 2);
    // Acks may come in either order (a durable channel reads its cursor first).
    expect(browser.of("ack", "task:routing")[0]).toMatchObject({
      type: "ack",
      action: "subscribe",
      recovered: true,
    });
    expect(browser.of("ack", "agent:status")[0]).toMatchObject({
      type: "ack",
      action: "subscribe",
      recovered: true,
    });
    const decision = {
      type: "routing_decision",
      payload: { taskId: "t-1", agent: { id: "gpt-4" }, reason: "High complexity" },
    };
    const status = { type: "agent_status", payload: { agentId: "gpt-4", status: "busy", load: 0.65 } };
    const published = await gateway.channels.publish("task:routing", decision);
    await gateway.channels.publish("agent:status", status);
    await browser.waitFor(() => browser.of("message").length === 2);
    expect(browser.of("message", "task:routing")[0]).toEqual({
      type: "message",
      channel: "task:routing",
      id: published.id,
      data: decision,
    });
    expect(browser.of("message", "agent:status")[0]).toEqual({
      type: "message",
      channel: "agent:status",
      id: null,
      data: status,
    });
  });

  it("publishes from a client, acks with the request id, and fans out to every subscriber", async () => {
    const { url } = await start();
    const [a, b, c] = await Promise.all([client(url), client(url), client(url)]);
    await a.request({ type: "subscribe", channel: "chat:1", id: "s1" });
    await b.request({ type: "subscribe", channel: "chat:1", id: 7 });
    const ack = await c.request({ type: "publish", channel: "chat:1", data: { text: "hi" }, id: "p1" });
    expect(ack).toEqual({ type: "ack", id: "p1", action: "publish", channel: "chat:1", messageId: null });
    for (const x of [a, b]) {
      await x.waitFor(() => x.of("message").length === 1);
      expect(x.of("message")[0].data).toEqual({ text: "hi" });
    }
    expect(c.of("message")).toEqual([]);
    expect(await a.request({ type: "ping", id: "p" })).toEqual({ type: "pong", id: "p" });
    await a.request({ type: "unsubscribe", channel: "chat:1", id: "u1" });
    await c.request({ type: "publish", channel: "chat:1", data: 2, id: "p2" });
    await b.waitFor(() => b.of("message").length === 2);
    await sleep(30);
    expect(a.of("message")).toHaveLength(1);
  });

  it("answers malformed frames with error frames and keeps the connection", async () => {
    const { url } = await start({ maxFrameBytes: 1024 });
    const c = await client(url);
    const cases: [unknown, string][] = [
      ["not json", "bad_request"],
      ["[1,2]", "bad_request"],
      ['"text"', "bad_request"],
      [{ type: 5 }, "bad_request"],
      [{ type: "bogus" }, "unknown_type"],
      [{ type: "subscribe" }, "bad_request"],
      [{ type: "subscribe", channel: "" }, "bad_request"],
      [{ type: "subscribe", channel: "task:x", since: "yesterday" }, "bad_request"],
      [{ type: "subscribe", channel: "a*" }, "bad_request"],
      [{ type: "subscribe", channel: "bad\u0001name" }, "bad_request"],
      [{ type: "publish", channel: "x" }, "bad_request"],
      [{ type: "ping", id: { nested: true } }, "bad_request"],
      [{ type: "publish", channel: "x", data: "y".repeat(2000) }, "too_large"],
    ];
    for (const [f] of cases) c.send(f);
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await c.waitFor(() => c.of("error").length === cases.length + 1, 5000, "every error frame");
    expect(c.of("error").map((e) => e.code)).toEqual([...cases.map(([, code]) => code), "bad_request"]);
    for (const e of c.of("error")) expect(typeof e.message).toBe("string");
    expect(await c.request({ type: "ping", id: 1 })).toEqual({ type: "pong", id: 1 });
  });

  it("asks authorize before subscribing or publishing, with the identity", async () => {
    const asked: unknown[] = [];
    const { gateway, url } = await start({
      identify: (req) => {
        const user = req.headers["x-user"];
        if (!user) throw new Error("no user");
        return { user };
      },
      authorize: ({ action, channel, identity }) => {
        asked.push({ action, channel, identity });
        if (channel === "secret") return false;
        if (action === "publish") return channel.startsWith("chat:");
        return true;
      },
    });
    await expect(TestClient.connect(url)).rejects.toThrow("401");
    const c = await client(url, { "x-user": "ann" });
    const denied = await c.request({ type: "subscribe", channel: "secret", id: 1 });
    expect(denied).toMatchObject({ type: "error", id: 1, code: "forbidden", channel: "secret" });
    await gateway.channels.publish("secret", "leak");
    await c.request({ type: "subscribe", channel: "news", id: 2 });
    const deniedPub = await c.request({ type: "publish", channel: "news", data: "fake", id: 3 });
    expect(deniedPub).toMatchObject({ type: "error", code: "forbidden" });
    await c.request({ type: "publish", channel: "chat:1", data: "ok", id: 4 });
    await sleep(50);
    expect(c.of("message")).toEqual([]);
    expect(asked).toContainEqual({ action: "subscribe", channel: "secret", identity: { user: "ann" } });
    expect(asked).toContainEqual({ action: "publish", channel: "news", identity: { user: "ann" } });
  });

  it("resumes a durable channel after a dropped connection with no loss and no duplicate", async () => {
    const { gateway, url } = await start();
    const first = await client(url);
    await first.request({ type: "subscribe", channel: "task:routing", id: "s" });
    for (let i = 0; i < 3; i++) await gateway.channels.publish("task:routing", i);
    await first.waitFor(() => first.of("message").length === 3);
    const lastId = first.of("message")[2].id as string;
    first.ws.terminate();
    await first.closed;
    // Published while the client is away, and while it resubscribes.
    for (let i = 3; i < 6; i++) await gateway.channels.publish("task:routing", i);
    const again = await client(url);
    again.send({ type: "subscribe", channel: "task:routing", since: lastId, id: "r" });
    const during = (async () => {
      for (let i = 6; i < 9; i++) await gateway.channels.publish("task:routing", i);
    })();
    const ack = await again.waitFor(() => again.frames.find((f) => f.id === "r"));
    expect(ack).toMatchObject({ type: "ack", action: "subscribe", recovered: true });
    await during;
    await again.waitFor(() => again.of("message").length >= 6, 5000, "the missed messages");
    await sleep(50);
    expect(again.of("message").map((m) => m.data)).toEqual([3, 4, 5, 6, 7, 8]);
    // The ack comes before the history.
    expect(again.frames.findIndex((f) => f.id === "r")).toBeLessThan(
      again.frames.findIndex((f) => f.type === "message"),
    );
  });

  it("says recovered: false with the first id kept when the gap exceeds the history", async () => {
    const { gateway, url } = await start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await gateway.channels.publish("small:c", i)).id!);
    const c = await client(url);
    const ack = await c.request({ type: "subscribe", channel: "small:c", since: ids[0], id: 1 });
    expect(ack).toMatchObject({ recovered: false, firstId: ids[3] });
    await c.waitFor(() => c.of("message").length === 2);
    expect(c.of("message").map((m) => m.data)).toEqual([3, 4]);
  });

  it.each([0, 20])(
    "cuts off a client that stops reading with 4008 while the others keep receiving (writeDelayMs %i)",
    async (writeDelayMs) => {
      const { gateway, url } = await start({
        maxBufferedBytes: 64 * 1024,
        slowConsumerGraceMs: 20_000,
        writeDelayMs,
      });
      const slow = await client(url);
      const fast = await client(url);
      await slow.request({ type: "subscribe", channel: "feed", id: 1 });
      await fast.request({ type: "subscribe", channel: "feed", id: 1 });
      (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
      const payload = "x".repeat(4096);
      const total = 3000; // ~12 MB: far more than the socket buffers hold
      for (let i = 0; i < total; i++) {
        await gateway.channels.publish("feed", { i, payload });
        if (i % 200 === 0) await sleep(5);
      }
      await fast.waitFor(
        () => fast.of("message").length === total,
        20_000,
        "every message on the fast client",
      );
      expect(fast.of("message").map((m) => m.data.i)).toEqual([...Array(total).keys()]);
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      expect(await slow.closed).toBe(CLOSE_CODES.SLOW_CONSUMER);
      expect(slow.closeReason).toMatch(/slow consumer/);
      expect(slow.of("message").length).toBeLessThan(total);
      expect(fast.closeCode).toBeUndefined();
    },
    35_000,
  );

  it("with writeDelayMs, delivers a stream complete and in order, and resumes after it without duplicates", async () => {
    const { gateway, url, store } = await start({ writeDelayMs: 25 });
    const c = await client(url);
    await c.request({ type: "subscribe", channel: "task:w", id: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      ids.push((await gateway.channels.publish("task:w", i)).id!);
      if (i % 10 === 0) await sleep(3);
    }
    await c.waitFor(() => c.of("message").length === 60);
    expect(c.of("message").map((m) => m.data)).toEqual([...Array(60).keys()]);
    const again = await client(url);
    await again.request({ type: "subscribe", channel: "task:w", since: ids[49], id: 1 });
    await again.waitFor(() => again.of("message").length === 10);
    await sleep(60);
    expect(again.of("message").map((m) => m.data)).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
    await expect(createGateway({ store, port: 0, writeDelayMs: -1 })).rejects.toThrow(/writeDelayMs/);
  });

  it("terminates peers that stop answering pings", async () => {
    const { gateway, url } = await start({ heartbeatIntervalMs: 500 });
    const dead = await client(url);
    const alive = await client(url);
    expect(gateway.clients).toBe(2);
    (dead.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await alive.waitFor(() => gateway.clients === 1 || undefined, 5000, "the dead peer to be dropped");
    await sleep(1200); // two more intervals: the live client keeps answering
    expect(alive.closeCode).toBeUndefined();
    expect(gateway.clients).toBe(1);
  });

  it("closes clients with 1012 on shutdown", async () => {
    const { gateway, url } = await start();
    const c = await client(url);
    await c.request({ type: "subscribe", channel: "x", id: 1 });
    await gateway.close();
    expect(await c.closed).toBe(CLOSE_CODES.SERVICE_RESTART);
  });

  it("mounts on an existing http.Server under a path", async () => {
    const server: Server = createServer((_req, res) => res.end("hello"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as AddressInfo).port;
    const store = await createStore({ type: "memory", env: {} });
    cleanup.push(() => store.close());
    const gateway = await createGateway({ store, server, path: "/realtime" });
    cleanup.push(() => gateway.close());
    expect(gateway.port).toBe(port);
    const c = await client(`ws://127.0.0.1:${port}/realtime`);
    expect(await c.request({ type: "ping", id: 1 })).toEqual({ type: "pong", id: 1 });
    await expect(TestClient.connect(`ws://127.0.0.1:${port}/elsewhere`)).rejects.toThrow("404");
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe("hello");
    await expect(createGateway({ store, server, port: 1 })).rejects.toThrow(/exactly one/);
  });
});
