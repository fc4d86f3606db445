import type { Duplex } from "node:stream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { WebSocket } from "ws";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createChannels } from "../../src/channel/index.js";
import { startServer, type RunningServer } from "../../src/server/serve.js";
import { DEFAULT_SERVE_CONFIG } from "../../src/server/config.js";
import { StoreKeyStore } from "../../src/server/auth/key-store.js";
import { mintApiKey } from "../../src/server/auth/api-keys.js";
import {
  ChannelClient,
  ChannelsApi,
  HttpClient,
  isHoldfastApiError,
  type ChannelClientStatus,
  type ChannelGapEvent,
} from "../../src/client/index.js";
import { backoffMs, gatewayUrl } from "../../src/client/channel-wire.js";
import { uniquePrefix } from "../support/stores.js";
import { tempKeysFile } from "../server/support.js";

const port = inject("redisPort");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe("ChannelClient helpers", () => {
  it("derives the gateway URL from a ws or http URL", () => {
    expect(gatewayUrl("http://localhost:4000")).toBe("ws://localhost:4000/v1/ws");
    expect(gatewayUrl("https://api.example.com/")).toBe("wss://api.example.com/v1/ws");
    expect(gatewayUrl("ws://localhost:3001/v1/ws")).toBe("ws://localhost:3001/v1/ws");
    expect(() => gatewayUrl("ftp://x")).toThrow(/ws:\/\//);
  });

  it("backs off exponentially with jitter, capped", () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const cap = Math.min(10_000, 250 * 2 ** attempt);
      for (let i = 0; i < 50; i++) {
        const d = backoffMs(attempt, 250, 10_000);
        expect(d).toBeGreaterThanOrEqual(Math.floor(cap / 4));
        expect(d).toBeLessThanOrEqual(cap);
      }
    }
  });

  it("needs a WebSocket constructor on Node 20", () => {
    const g = globalThis as { WebSocket?: unknown };
    if (g.WebSocket !== undefined) return; // Node 22+ has one
    expect(() => new ChannelClient({ url: "ws://127.0.0.1:1" })).toThrow(/WebSocket/);
  });
});

describe.runIf(port !== null)("ChannelClient against holdfast serve, on Redis", () => {
  let store: Store;
  let server: RunningServer;
  let key: string;
  let serverPort = 0;
  const sockets: Duplex[] = [];
  const clients: ChannelClient[] = [];
  const api = () => new ChannelsApi(new HttpClient({ baseUrl: server.url, apiKey: key }));

  async function start(): Promise<void> {
    server = await startServer(
      {
        ...DEFAULT_SERVE_CONFIG,
        port: serverPort,
        keysFile: tempKeysFile(),
        logLevel: "silent",
        keyCacheMs: 0,
        shutdownTimeoutMs: 5000,
      },
      { store, checkReplies: true },
    );
    serverPort = Number(new URL(server.url).port);
    server.app.server.prependListener("upgrade", (_req, socket: Duplex) => sockets.push(socket));
  }

  function client(options: { publish?: boolean } = {}) {
    const c = new ChannelClient({
      url: server.url,
      token: async () => (await api().mintToken(options)).token,
      WebSocket,
      initialDelayMs: 50,
      maxDelayMs: 400,
    });
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    store = await createStore({
      type: "redis",
      redis: { host: "127.0.0.1", port: port! },
      prefix: uniquePrefix(),
      env: {},
      checkServer: false,
    });
    const { key: k, record } = mintApiKey({ name: "c", role: "client", tenants: ["acme"] });
    await new StoreKeyStore(store).put(record);
    key = k;
    await start();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.stop();
    await store?.close();
  });

  it("resumes with no gap and no duplicate after the server kills its socket, twice", async () => {
    const c = client();
    const statuses: ChannelClientStatus[] = [];
    c.onStatus((s) => statuses.push(s));
    const gaps: ChannelGapEvent[] = [];
    c.onGap((g) => gaps.push(g));
    const got: number[] = [];
    const sub = await c.subscribe("task:routing", (m) => got.push(m.data as number));
    expect(sub.lastId).toMatch(/^\d+-\d+$/);

    const total = 150;
    for (let i = 0; i < total; i++) {
      await api().publish("task:routing", i);
      if (i === 40 || i === 90) for (const s of sockets.splice(0)) s.destroy();
    }
    await until(() => got.length >= total, 20_000, `${total} messages, got ${got.length}`);
    await sleep(200);
    expect(got).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(gaps).toEqual([]);
    expect(statuses.filter((s) => s === "open").length).toBeGreaterThanOrEqual(3);
    expect(statuses).toContain("reconnecting");
    sub.unsubscribe();
  });

  it("resumes across a server restart (1012), and reports plainly what the history no longer holds", async () => {
    const c = client();
    const gaps: ChannelGapEvent[] = [];
    const a: number[] = [];
    const b: number[] = [];
    await c.subscribe("restart:a", (m) => a.push(m.data as number));
    await c.subscribe("restart:b", (m) => b.push(m.data as number), { onGap: (g) => gaps.push(g) });
    await api().publish("restart:a", 0);
    await api().publish("restart:b", 0);
    await until(() => a.length === 1 && b.length === 1, 5000, "the first messages");

    const closed = new Promise<void>((resolve) => c.onStatus((s) => s === "reconnecting" && resolve()));
    await server.stop();
    await closed;
    // Published while no server runs: straight into the store, under the tenant's prefix.
    const direct = createChannels(store, { defaults: { mode: "durable" } });
    for (let i = 1; i <= 5; i++) await direct.publish("t:acme:restart:a", i);
    for (let i = 1; i <= 10; i++) await direct.publish("t:acme:restart:b", i, { maxLen: 3 });
    await direct.close();
    await start();

    await until(() => a.length === 6 && b.length === 4, 15_000, `resume (a=${a.length}, b=${b.length})`);
    await api().publish("restart:a", 6);
    await until(() => a.length === 7, 5000, "a live message after the restart");
    await sleep(200);
    expect(a).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // b kept only its last 3: 1..7 are gone, and the client says so instead of pretending.
    expect(b).toEqual([0, 8, 9, 10]);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ channel: "restart:b", reason: "history", firstId: expect.any(String) });
  });

  it("publishes, and surfaces server refusals as typed errors", async () => {
    const c = client();
    const got: unknown[] = [];
    await c.subscribe("pub:test", (m) => got.push(m.data));
    const r = await c.publish("pub:test", { hello: "world" });
    expect(r.id).toMatch(/^\d+-\d+$/);
    await until(() => got.length === 1, 5000, "own message");

    const readOnly = client({ publish: false });
    const e = await readOnly.publish("pub:test", 1).catch((err: unknown) => err);
    expect(isHoldfastApiError(e, "HOLDFAST_FORBIDDEN")).toBe(true);
    expect((e as { status: number }).status).toBe(403);
    const bad = await readOnly
      .subscribe("x", () => undefined, { since: "not-an-id" })
      .catch((err: unknown) => err);
    expect(isHoldfastApiError(bad, "HOLDFAST_INVALID_ARGUMENT")).toBe(true);
    const big = await c.publish("pub:test", "x".repeat(70_000)).catch((err: unknown) => err);
    expect(isHoldfastApiError(big, "HOLDFAST_MESSAGE_TOO_LARGE")).toBe(true);

    c.close();
    expect(c.status).toBe("closed");
    await expect(c.publish("pub:test", 1)).rejects.toMatchObject({ code: "HOLDFAST_NETWORK" });
  });
});
