/**
 * Seed 003's walkthrough, end to end over real HTTP and WebSockets on a private Redis (with AOF, so
 * a restart keeps the data): route a task, read the stats, watch both channels live; then what the
 * seed never tried: a client that drops and resumes while decisions keep coming, two app
 * instances on one Redis, Redis restarting mid-flow, and the seed's snippet in a real browser.
 */
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import WebSocket from "ws";
import { ChannelClient, type WebSocketConstructor } from "holdfast/client";
import { createStore, holdfastRegistry, type Store } from "holdfast";
import { hasChromium, launchChromium } from "../support/chromium.js";
import { PrivateRedis } from "../support/redis-server.js";
import { tempKeysFile } from "../server/support.js";
import { buildTaskRoutingApp, type TaskRoutingApp } from "../../examples/task-routing/app.js";
import { AGENT_BANDS, complexity, selectAgent } from "../../examples/task-routing/scoring.js";

const hasRedis = inject("redisPort") !== null;
const SEED_TEXT =
  "Implement a binary search algorithm in Python with type hints and comprehensive error handling";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Frame = Record<string, any>;

/** A raw-protocol WebSocket client that keeps every frame and the last id per channel. */
class FeedSocket {
  readonly frames: Frame[] = [];
  readonly lastId: Record<string, string> = {};
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const f = JSON.parse(String(data)) as Frame;
      this.frames.push(f);
      if (f.type === "message" && f.id) this.lastId[f.channel as string] = f.id as string;
    });
  }

  static open(port: number): Promise<FeedSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new FeedSocket(ws)));
      ws.once("error", reject);
    });
  }

  /** Subscribes as the seed does (optionally with `since`) and waits for the ack. */
  async subscribe(channel: string, since?: string): Promise<Frame> {
    const id = `${channel}-${this.frames.length}-${Math.random()}`;
    this.ws.send(JSON.stringify({ type: "subscribe", channel, ...(since ? { since } : {}), id }));
    return this.waitFor((f) => f.id === id);
  }

  /** Messages of `channel`, as the seed's `{type, payload}`. */
  data(channel: string): Frame[] {
    return this.frames.filter((f) => f.type === "message" && f.channel === channel).map((f) => f.data);
  }

  async waitFor(pred: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.frames)}`);
      await sleep(20);
    }
  }

  async waitForCount(channel: string, n: number, timeoutMs = 15_000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.data(channel).length < n) {
      if (Date.now() > deadline) throw new Error(`${this.data(channel).length}/${n} messages on ${channel}`);
      await sleep(20);
    }
    return this.data(channel);
  }

  close(): void {
    this.ws.terminate();
  }
}

describe("seed 003: the complexity score", () => {
  it("gives the seed's example a high score and routes it to GPT-4", () => {
    const s = complexity(SEED_TEXT);
    expect(s).toEqual({ d_var: 0.652, factors: { length: 94, punctuation: 0, uniqueTokens: 14 } });
    expect(selectAgent(s).reason).toBe(
      "High complexity (D_var=0.652): Routed to GPT-4 for advanced reasoning",
    );
  });

  it("stays in [0, 1], grows with the text, and uses every band", () => {
    expect(complexity("hi").d_var).toBeLessThan(0.15);
    const huge = complexity("Why? ".repeat(400) + Array.from({ length: 50 }, (_, i) => `w${i}`).join(" "));
    expect(huge.d_var).toBe(1);
    const texts = [
      "hi",
      "Translate hello to French",
      "Write a product description for a steel water bottle.",
      "Summarize this article about climate change in three bullet points.",
      SEED_TEXT,
    ];
    const agents = texts.map((t) => selectAgent(complexity(t)).agent.id);
    expect(agents).toEqual(["llama", "mistral", "gemini", "claude", "gpt-4"]);
    expect(AGENT_BANDS.map((b) => b.agent)).toEqual(agents);
    let previous = 0;
    for (let n = 1; n <= 40; n++) {
      const d = complexity(Array.from({ length: n }, (_, i) => `word${i}`).join(" ")).d_var;
      expect(d).toBeGreaterThanOrEqual(previous);
      previous = d;
    }
  });
});

describe.runIf(hasRedis)("seed 003: task routing with a live feed", () => {
  let redis: PrivateRedis;
  const stores: Store[] = [];
  const apps: TaskRoutingApp[] = [];
  const sockets: FeedSocket[] = [];
  let a: { base: string; wsPort: number };

  const newStore = async () => {
    const s = await createStore({
      type: "redis",
      redis: { url: redis.url },
      env: {},
      checkServer: false,
      commandTimeoutMs: 1000,
      reconnectCapMs: 200,
    });
    stores.push(s);
    return s;
  };
  const newApp = async (store: Store) => {
    const built = await buildTaskRoutingApp({
      store,
      wsPort: 0,
      keysFile: tempKeysFile(),
      logLevel: "silent",
    });
    apps.push(built);
    const base = await built.app.listen({ port: 0, host: "127.0.0.1" });
    return { base, wsPort: built.wsPort };
  };
  const open = async (port: number) => {
    const s = await FeedSocket.open(port);
    sockets.push(s);
    return s;
  };
  const route = async (base: string, text: string) => {
    const r = await fetch(`${base}/api/routing/test`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };
  const stats = async (base: string) => {
    const r = await fetch(`${base}/api/routing/test`);
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    redis = await PrivateRedis.start({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
    a = await newApp(await newStore());
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const x of apps) await x.app.close();
    for (const s of stores) await s.close();
    await redis?.stop();
  });

  it("follows the seed's walkthrough: route, stats, and both message kinds over WebSocket", async () => {
    const client = await open(a.wsPort);
    expect(await client.subscribe("task:routing")).toMatchObject({ type: "ack", recovered: true });
    expect(await client.subscribe("agent:status")).toMatchObject({ type: "ack", recovered: true });

    const routed = await route(a.base, SEED_TEXT);
    expect(routed.status).toBe(200);
    const decision = routed.body.decision;
    expect(routed.body).toMatchObject({
      success: true,
      decision: {
        selectedAgent: {
          id: "gpt-4",
          name: "GPT-4",
          strengths: ["code", "reasoning"],
          cost: 0.03,
          latency: 2.5,
        },
        complexityScore: { d_var: 0.652, factors: { length: 94, punctuation: 0, uniqueTokens: 14 } },
        reason: "High complexity (D_var=0.652): Routed to GPT-4 for advanced reasoning",
      },
      live: { published: true, statsRecorded: true },
    });
    expect(routed.body.degraded).toBeUndefined();
    expect(decision.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(decision.taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(decision.timestamp)).toBeGreaterThan(Date.now() - 60_000);

    const [message] = await client.waitForCount("task:routing", 1);
    expect(message).toEqual({
      type: "routing_decision",
      payload: {
        id: decision.id,
        taskId: decision.taskId,
        agent: decision.selectedAgent,
        complexityScore: decision.complexityScore,
        reason: decision.reason,
        timestamp: Date.parse(decision.timestamp),
      },
    });
    const [status] = await client.waitForCount("agent:status", 1);
    expect(status).toMatchObject({
      type: "agent_status",
      payload: { agentId: "gpt-4", name: "GPT-4", status: "busy", load: 1 },
    });
    expect(status.payload.timestamp).toBe(message.payload.timestamp);
    const frame = client.frames.find((f) => f.type === "message" && f.channel === "task:routing")!;
    expect(frame.id).toBe(routed.body.live.messageId);

    await route(a.base, "Summarize this article about climate change in three bullet points.");
    await route(a.base, "Hi there");
    const s = await stats(a.base);
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({
      success: true,
      stats: { totalRoutes: 3, agentUsage: { claude: 1, "gpt-4": 1, gemini: 0, llama: 1, mistral: 0 } },
    });
    expect(s.body.stats.recentDecisions.map((d: Frame) => d.selectedAgent.id)).toEqual([
      "llama",
      "claude",
      "gpt-4",
    ]);
    expect(s.body.stats.recentDecisions[2]).toEqual(decision);
    const statuses = await client.waitForCount("agent:status", 3);
    expect(statuses.map((m) => [m.payload.agentId, m.payload.load, m.payload.status])).toEqual([
      ["gpt-4", 1, "busy"],
      ["claude", 0.5, "busy"],
      ["llama", 0.33, "available"],
    ]);
  });

  it("refuses bad input (400, nothing published) and browser publishes or other channels", async () => {
    const before = (await stats(a.base)).body.stats.totalRoutes;
    for (const bad of [{}, { text: "" }, { text: "   " }, { text: 42 }, { text: "x".repeat(10_001) }]) {
      const r = await fetch(`${a.base}/api/routing/test`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(bad),
      });
      expect(r.status).toBe(400);
      expect(((await r.json()) as Frame).field).toBe("text");
    }
    expect((await stats(a.base)).body.stats.totalRoutes).toBe(before);

    const client = await open(a.wsPort);
    client.ws.send(JSON.stringify({ type: "publish", channel: "task:routing", data: { fake: true }, id: 1 }));
    expect(await client.waitFor((f) => f.id === 1)).toMatchObject({ type: "error", code: "forbidden" });
    client.ws.send(JSON.stringify({ type: "subscribe", channel: "secrets", id: 2 }));
    expect(await client.waitFor((f) => f.id === 2)).toMatchObject({ type: "error", code: "forbidden" });
  });

  it("lets a client that drops resume with `since`: every decision exactly once, in order", async () => {
    const first = await open(a.wsPort);
    await first.subscribe("task:routing");
    const posted: { decisionId: string; messageId: string }[] = [];
    const total = 40;
    const poster = (async () => {
      for (let i = 0; i < total; i++) {
        const r = await route(a.base, `Task number ${i}: write ${"more ".repeat(i % 7)}words, please.`);
        expect(r.body.live.published).toBe(true);
        posted.push({ decisionId: r.body.decision.id, messageId: r.body.live.messageId });
        await sleep(10);
      }
    })();
    await first.waitForCount("task:routing", 8);
    first.close(); // the connection drops while decisions keep coming
    const seenBeforeDrop = first.data("task:routing").map((m) => m.payload.id as string);
    const since = first.lastId["task:routing"];
    const postedAtDrop = posted.length;
    while (posted.length < postedAtDrop + 6 && posted.length < total) await sleep(10);

    const second = await open(a.wsPort);
    const ack = await second.subscribe("task:routing", since);
    expect(ack).toMatchObject({ type: "ack", recovered: true });
    await poster;
    const missed = total - seenBeforeDrop.length;
    await second.waitForCount("task:routing", missed);
    await sleep(300); // a duplicate would arrive now
    const got = [...seenBeforeDrop, ...second.data("task:routing").map((m) => m.payload.id as string)];
    expect(got).toEqual(posted.map((p) => p.decisionId));
    const ids = second.frames.filter((f) => f.type === "message").map((f) => f.id as string);
    expect(ids).toEqual(posted.slice(seenBeforeDrop.length).map((p) => p.messageId));
  });

  it("resumes with Holdfast's ChannelClient across a network drop: every decision exactly once, in order", async () => {
    // A TCP proxy in front of the gateway, so the connection can be cut like a network failure.
    const links = new Set<Socket>();
    const proxy = createNetServer((inbound) => {
      const outbound = connect(a.wsPort, "127.0.0.1");
      for (const [s, other] of [
        [inbound, outbound],
        [outbound, inbound],
      ] as const) {
        links.add(s);
        s.on("error", () => other.destroy());
        s.on("close", () => {
          links.delete(s);
          other.destroy();
        });
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const client = new ChannelClient({
      url: `ws://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      initialDelayMs: 50,
      maxDelayMs: 500,
    });
    const statuses: string[] = [];
    client.onStatus((st) => statuses.push(st));
    const got: string[] = [];
    const gaps: unknown[] = [];
    try {
      const sub = await client.subscribe(
        "task:routing",
        (m) => got.push((m.data as { payload: { id: string } }).payload.id),
        { onGap: (g) => gaps.push(g) },
      );
      const posted: string[] = [];
      const total = 40;
      const poster = (async () => {
        for (let i = 0; i < total; i++) {
          const r = await route(a.base, `Client task ${i}: ${"detail ".repeat(i % 5)}please.`);
          expect(r.body.live.published).toBe(true);
          posted.push(r.body.decision.id as string);
          await sleep(10);
        }
      })();
      while (got.length < 8) await sleep(10);
      for (const s of links) s.destroy(); // the network drops; decisions keep coming
      await poster;
      const deadline = Date.now() + 15_000;
      while (got.length < total && Date.now() < deadline) await sleep(20);
      await sleep(300); // a duplicate would arrive now
      expect(statuses).toContain("reconnecting");
      expect(got).toEqual(posted);
      expect(sub.recovered).toBe(true);
      expect(gaps).toEqual([]);
    } finally {
      client.close();
      await new Promise((r) => proxy.close(r));
    }
  });

  it("shares the feed and the stats between two app instances on one Redis", async () => {
    const b = await newApp(await newStore());
    const onA = await open(a.wsPort);
    const onB = await open(b.wsPort);
    for (const c of [onA, onB]) {
      await c.subscribe("task:routing");
      await c.subscribe("agent:status");
    }
    const viaA = await route(a.base, "Write a product description for a steel water bottle.");
    const viaB = await route(b.base, "Translate hello to French");
    expect(viaA.body.decision.selectedAgent.id).toBe("gemini");
    expect(viaB.body.decision.selectedAgent.id).toBe("mistral");
    for (const c of [onA, onB]) {
      const got = await c.waitForCount("task:routing", 2);
      expect(got.map((m) => m.payload.id)).toEqual([viaA.body.decision.id, viaB.body.decision.id]);
      await c.waitForCount("agent:status", 2);
    }
    const [sa, sb] = await Promise.all([stats(a.base), stats(b.base)]);
    expect(sa.body).toEqual(sb.body);
    expect(sa.body.stats.recentDecisions.slice(0, 2).map((d: Frame) => d.id)).toEqual([
      viaB.body.decision.id,
      viaA.body.decision.id,
    ]);
  });

  it("keeps routing while Redis restarts: says what was not published, then the feed resumes", async () => {
    const client = await open(a.wsPort);
    await client.subscribe("task:routing");
    const before = (await stats(a.base)).body.stats;

    await redis.kill();
    // Fast: the connection is known to be down, so nothing waits for a reconnect (the store's
    // commandTimeoutMs is 1000 ms here, 2000 by default).
    const started = performance.now();
    const during = await route(a.base, SEED_TEXT);
    expect(performance.now() - started).toBeLessThan(500);
    expect(during.status).toBe(200);
    expect(during.body).toMatchObject({
      success: true,
      decision: { selectedAgent: { id: "gpt-4" } },
      live: { published: false, messageId: null, statusMessageId: null, statsRecorded: false },
      degraded: true,
    });
    // True: none of the three happened, and the sentence says so.
    expect(during.body.live.error).toMatch(
      /^Not published on task:routing, not published on agent:status, not counted in the stats: Redis is not connected \(connection \w+\); nothing was sent\. The routing decision itself stands\.$/,
    );
    expect(during.body.live.uncertain).toBeUndefined();
    const statsStarted = performance.now();
    const down = await stats(a.base);
    expect(performance.now() - statsStarted).toBeLessThan(500);
    expect(down.status).toBe(503);
    expect(down.body.reason).toBe("stats_unavailable");
    // Read in-process: the service's /metrics needs the store for its auth check.
    const metrics =
      (await holdfastRegistry.getSingleMetricAsString("routing_feed_failures_total")) +
      (await holdfastRegistry.getSingleMetricAsString("holdfast_degraded_decisions_total"));
    expect(metrics).toMatch(/routing_feed_failures_total\{what="decision"\} [1-9]/);
    expect(metrics).toMatch(/holdfast_degraded_decisions_total\{primitive="task-routing-feed"/);

    await redis.start();
    const after: Frame[] = [];
    for (let i = 0; i < 100 && !after.at(-1)?.live.published; i++) {
      after.push((await route(a.base, `after the restart ${i}`)).body);
      if (!after.at(-1)!.live.published) await sleep(100);
    }
    expect(after.at(-1)!.live.published).toBe(true);
    const published = after.filter((r) => r.live.published).map((r) => r.decision.id as string);
    await client.waitFor((f) => f.type === "message" && f.data.payload.id === published.at(-1));
    // AOF kept the history: the live subscription resumed without a gap or a repeat.
    expect(client.data("task:routing").map((m) => m.payload.id)).toEqual(published);
    expect(client.frames.some((f) => f.type === "gap")).toBe(false);
    expect(client.data("task:routing").map((m) => m.payload.id)).not.toContain(during.body.decision.id);
    const s = (await stats(a.base)).body.stats;
    expect(s.totalRoutes).toBe(before.totalRoutes + after.filter((r) => r.live.statsRecorded).length);
  });

  it("when Redis stalls: says what is uncertain, skips the feed at once after, and tries again", async () => {
    const client = await open(a.wsPort);
    await client.subscribe("task:routing");
    const before = (await stats(a.base)).body.stats.totalRoutes as number;
    redis.pause();
    let stalled: { status: number; body: Record<string, any> };
    let skipped: { status: number; body: Record<string, any> };
    try {
      // Connected but silent: the first call waits for the store's command timeout (1000 ms)…
      stalled = await route(a.base, "stalled one");
      // …and the breaker skips the next at once, sending nothing.
      const started = performance.now();
      skipped = await route(a.base, "skipped one");
      expect(performance.now() - started).toBeLessThan(500);
    } finally {
      redis.resume();
    }
    expect(stalled.body.live).toMatchObject({
      published: false,
      statsRecorded: false,
      uncertain: ["decision", "stats"],
    });
    expect(stalled.body.live.error).toMatch(
      /^Not published on agent:status; unknown whether published on task:routing or counted in the stats \(sent, but not confirmed\): the store failed \(.*did not answer within 1000 ms/,
    );
    expect(skipped.body.live.uncertain).toBeUndefined();
    expect(skipped.body.live.error).toMatch(
      /^Not published on task:routing, not published on agent:status, not counted in the stats: the store failed moments ago; it is tried again in \d+ ms; nothing was sent\./,
    );
    // Uncertain was the true word: Redis ran the stalled publish once it woke up. The skipped one
    // was never sent.
    await client.waitFor((f) => f.type === "message" && f.data.payload.id === stalled.body.decision.id);
    const after: Frame[] = [];
    for (let i = 0; i < 50 && !after.at(-1)?.live.published; i++) {
      if (i > 0) await sleep(100);
      after.push((await route(a.base, `after the stall ${i}`)).body);
    }
    const last = after.at(-1)!;
    expect(last.live.published).toBe(true);
    await client.waitFor((f) => f.type === "message" && f.data.payload.id === last.decision.id);
    expect(client.data("task:routing").map((m) => m.payload.id)).not.toContain(skipped.body.decision.id);
    const counted = after.filter((r) => r.live.statsRecorded).length;
    expect((await stats(a.base)).body.stats.totalRoutes).toBe(before + 1 + counted);
  });

  it.runIf(hasChromium)(
    "runs the seed's browser snippet as written in Chromium and receives a routing decision",
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(`${a.base}/`);
        await page.waitForSelector('body[data-ready="true"]');
        // The seed's snippet as written (text, not a compiled function), but for the port and a
        // `received` array to look at.
        await page.evaluate(`
          window.received = [];
          const ws = new WebSocket('ws://localhost:${a.wsPort}');

          ws.onopen = () => {
            console.log('Connected to WebSocket server');

            // Subscribe to routing decisions
            ws.send(JSON.stringify({
              type: 'subscribe',
              channel: 'task:routing'
            }));

            // Subscribe to agent status
            ws.send(JSON.stringify({
              type: 'subscribe',
              channel: 'agent:status'
            }));
          };

          ws.onmessage = (event) => {
            const message = JSON.parse(event.data);
            console.log('Received:', message);
            window.received.push(message);
          };

          ws.onerror = (error) => {
            console.error('WebSocket error:', error);
          };

          ws.onclose = () => {
            console.log('WebSocket closed');
          };
        `);
        await page.waitForFunction(
          () =>
            (globalThis as unknown as { received: { type: string }[] }).received.filter(
              (m) => m.type === "ack",
            ).length === 2,
        );
        await page.waitForSelector('#state:has-text("connected")');
        const routed = await route(a.base, SEED_TEXT);
        const id = routed.body.decision.id as string;
        const kinds = await page.waitForFunction((decisionId) => {
          const got = (globalThis as unknown as { received: { type: string; data?: any }[] }).received;
          const decision = got.find((m) => m.type === "message" && m.data.payload.id === decisionId);
          const status = got.find((m) => m.type === "message" && m.data.type === "agent_status");
          return decision && status ? [decision.data.type, status.data.type] : null;
        }, id);
        expect(await kinds.jsonValue()).toEqual(["routing_decision", "agent_status"]);
        // The page's own feed (the snippet plus resume) shows it too.
        await page.waitForSelector(`li[data-kind="routing_decision"]:has-text("GPT-4")`);
        mkdirSync("test-results", { recursive: true });
        await page.screenshot({ path: "test-results/task-routing.png" });
      } finally {
        await browser.close();
      }
    },
  );
});
