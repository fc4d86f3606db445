import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { WebSocket } from "ws";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { startServer, type RunningServer } from "../../src/server/serve.js";
import { DEFAULT_SERVE_CONFIG } from "../../src/server/config.js";
import { StoreKeyStore } from "../../src/server/auth/key-store.js";
import { mintApiKey } from "../../src/server/auth/api-keys.js";
import { ChannelsApi, HttpClient, isHoldfastApiError } from "../../src/client/index.js";
import { uniquePrefix } from "../support/stores.js";
import { TestClient } from "../gateway/client.js";
import { tempKeysFile } from "./support.js";

const port = inject("redisPort");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const redisStore = (prefix = uniquePrefix()) =>
  createStore({
    type: "redis",
    redis: { host: "127.0.0.1", port: port! },
    prefix,
    env: {},
    checkServer: false,
  });

const serve = (store: Store, extra: Partial<typeof DEFAULT_SERVE_CONFIG> = {}) =>
  startServer(
    {
      ...DEFAULT_SERVE_CONFIG,
      port: 0,
      keysFile: tempKeysFile(),
      logLevel: "silent",
      keyCacheMs: 0,
      shutdownTimeoutMs: 5000,
      ...extra,
    },
    { store, checkReplies: true },
  );

const wsUrl = (server: RunningServer, path = "/v1/ws") => server.url.replace(/^http/, "ws") + path;

/** Opens a socket offering `protocols`; resolves with it, or rejects with the HTTP status of a refusal. */
function rawSocket(
  url: string,
  protocols: string[] = [],
  headers: Record<string, string> = {},
): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, { headers });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () =>
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })),
      );
    });
    ws.once("error", reject);
  });
}

describe.runIf(port !== null)("channels over HTTP and WebSocket, with API keys, on Redis", () => {
  let store: Store;
  let server: RunningServer;
  const keys: Record<string, string> = {};
  const api = (who: string) => new ChannelsApi(new HttpClient({ baseUrl: server.url, apiKey: keys[who] }));
  const clients: TestClient[] = [];
  const connect = async (url: string, headers: Record<string, string> = {}) => {
    const c = await TestClient.connect(url, headers);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    store = await redisStore();
    const keyStore = new StoreKeyStore(store);
    for (const [name, role, tenants] of [
      ["acme", "client", ["acme"]],
      ["globex", "client", ["globex"]],
      ["admin", "admin", ["acme"]],
      ["operator", "operator", []],
    ] as const) {
      const { key, record } = mintApiKey({ name, role, tenants: [...tenants] });
      await keyStore.put(record);
      keys[name] = key;
    }
    server = await serve(store);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.stop();
    await store?.close();
  });

  it("a token minted over HTTP opens a socket (query or Sec-WebSocket-Protocol), and the socket gets what HTTP publishes", async () => {
    const minted = await api("acme").mintToken();
    expect(minted.token).toMatch(/^hft_[0-9a-f]{32}$/);
    expect(minted.tenant).toBe("acme");
    expect(minted.expiresAt).toBeGreaterThan(Date.now() + 30_000);

    const a = await connect(`${wsUrl(server)}?token=${minted.token}`);
    const ack = await a.request({ type: "subscribe", channel: "task:routing", id: 1 });
    expect(ack).toMatchObject({ type: "ack", action: "subscribe", recovered: true });
    expect(ack.cursor).toMatch(/^\d+-\d+$/);

    // A token opens one socket: a second one needs a new token.
    await expect(rawSocket(`${wsUrl(server)}?token=${minted.token}`)).rejects.toMatchObject({ status: 401 });
    const second = await api("acme").mintToken();
    const viaProtocol = await rawSocket(wsUrl(server), ["holdfast.v1", `holdfast.token.${second.token}`]);
    expect(viaProtocol.protocol).toBe("holdfast.v1"); // the token is never echoed back
    viaProtocol.close();

    const published = await api("acme").publish("task:routing", {
      type: "routing_decision",
      payload: { n: 1 },
    });
    expect(published.id).toMatch(/^\d+-\d+$/);
    const m = await a.waitFor(() => a.of("message", "task:routing")[0]);
    expect(m).toEqual({
      type: "message",
      channel: "task:routing",
      id: published.id,
      data: { type: "routing_decision", payload: { n: 1 } },
    });

    const page = await api("acme").history("task:routing", { since: ack.cursor as string });
    expect(page).toMatchObject({
      recovered: true,
      messages: [{ id: published.id, data: { type: "routing_decision" } }],
    });
  });

  it("refuses sockets without a credential, with an unknown, malformed or expired token, or a key in the URL", async () => {
    for (const url of [
      wsUrl(server),
      `${wsUrl(server)}?token=hft_00000000000000000000000000000000`,
      `${wsUrl(server)}?token=nonsense`,
      `${wsUrl(server)}?apiKey=${keys.acme}`,
      wsUrl(server, "/"),
    ]) {
      await expect(rawSocket(url), url).rejects.toMatchObject({ status: 401 });
    }
    const err = await rawSocket(wsUrl(server)).catch((e: { body: string }) => JSON.parse(e.body));
    expect(err.error.code).toBe("HOLDFAST_UNAUTHENTICATED");

    // Expired before use: refused (a used one is refused too, see above).
    const short = await api("acme").mintToken({ ttlMs: 1000 });
    const shortToo = await api("acme").mintToken({ ttlMs: 1000 });
    await sleep(1600);
    await expect(rawSocket(`${wsUrl(server)}?token=${short.token}`)).rejects.toMatchObject({ status: 401 });
    await expect(
      rawSocket(wsUrl(server), ["holdfast.v1", `holdfast.token.${shortToo.token}`]),
    ).rejects.toMatchObject({ status: 401 });

    // API keys in headers work (Node clients); a revoked or unknown one does not.
    (await rawSocket(wsUrl(server), [], { authorization: `Bearer ${keys.acme}` })).close();
    await expect(
      rawSocket(wsUrl(server), [], { authorization: `Bearer ${keys.acme.slice(0, -2)}xx` }),
    ).rejects.toMatchObject({ status: 401 });
    // Unknown paths are not upgraded.
    await expect(
      rawSocket(wsUrl(server, "/v1/other"), [], { authorization: `Bearer ${keys.acme}` }),
    ).rejects.toMatchObject({
      status: 404,
    });
  });

  it("keeps tenants apart: the same channel name is two channels", async () => {
    const channel = `task:routing:${Date.now()}`;
    const a = await connect(wsUrl(server), { authorization: `Bearer ${keys.acme}` });
    const g = await connect(`${wsUrl(server)}?token=${(await api("globex").mintToken()).token}`);
    await a.request({ type: "subscribe", channel, id: 1 });
    await g.request({ type: "subscribe", channel, id: 1 });

    for (let i = 0; i < 5; i++) await api("globex").publish(channel, { tenant: "globex", i });
    const wsAck = await g.request({ type: "publish", channel, data: { tenant: "globex", i: 5 }, id: "p" });
    expect(wsAck.messageId).toMatch(/^\d+-\d+$/);
    await g.waitFor(() => g.of("message", channel).length === 6);
    await api("acme").publish(channel, { tenant: "acme", marker: true });
    await a.waitFor(() => a.of("message", channel).length >= 1);
    await sleep(200);
    expect(a.of("message", channel).map((f) => f.data)).toEqual([{ tenant: "acme", marker: true }]);
    expect(g.of("message", channel).every((f) => (f.data as { tenant: string }).tenant === "globex")).toBe(
      true,
    );

    const cursor = (await api("globex").history(channel)).cursor;
    const acmeHistory = await api("acme").history(channel, { since: "0-0" });
    expect(acmeHistory.messages.map((m) => m.data)).toEqual([{ tenant: "acme", marker: true }]);
    expect(acmeHistory.messages[0].id).not.toBe(cursor);
    expect((await api("globex").history(channel, { since: "0-0" })).messages).toHaveLength(6);
  });

  it("tokens can be scoped to channels and to subscribing only", async () => {
    const { token } = await api("acme").mintToken({ channels: ["task:*"], publish: false });
    const c = await connect(`${wsUrl(server)}?token=${token}`);
    expect(await c.request({ type: "subscribe", channel: "task:a", id: 1 })).toMatchObject({ type: "ack" });
    expect(await c.request({ type: "subscribe", channel: "agent:status", id: 2 })).toMatchObject({
      type: "error",
      code: "forbidden",
    });
    expect(await c.request({ type: "publish", channel: "task:a", data: 1, id: 3 })).toMatchObject({
      type: "error",
      code: "forbidden",
    });
  });

  it("validates routes: bad names, since, limit and bodies are 400 and write nothing; too large is 413", async () => {
    const acme = api("acme");
    const cases: [() => Promise<unknown>, string][] = [
      [() => acme.publish("a*b", 1), "channel"],
      [() => acme.publish("ch", undefined), "body.data"],
      [() => acme.history("ch", { since: "yesterday" }), "query.since"],
      [() => acme.history("ch", { limit: 0 }), "query.limit"],
      [() => acme.mintToken({ ttlMs: 10 }), "body.ttlMs"],
      [() => acme.mintToken({ ttlMs: 7_200_000 }), "body.ttlMs"],
      [() => acme.publish("x".repeat(510), 1), "channel"],
    ];
    for (const [p, field] of cases) {
      const e = await p().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isHoldfastApiError(e, "HOLDFAST_INVALID_ARGUMENT"), field).toBe(true);
      expect((e as { status: number }).status).toBe(400);
      expect(String((e as { details: { field: string } }).details.field)).toContain(field);
    }
    await expect(acme.publish("big", "x".repeat(70_000))).rejects.toMatchObject({
      status: 413,
      code: "HOLDFAST_MESSAGE_TOO_LARGE",
    });
    expect((await acme.history("ch", { since: "0-0" })).messages).toEqual([]);
    expect((await acme.history("big", { since: "0-0" })).messages).toEqual([]);
    await expect(
      new ChannelsApi(new HttpClient({ baseUrl: server.url })).publish("ch", 1),
    ).rejects.toMatchObject({
      status: 401,
    });
  });

  it("shows connections and upgrades in /metrics", async () => {
    const c = await connect(wsUrl(server), { authorization: `Bearer ${keys.acme}` });
    await c.request({ type: "subscribe", channel: "metrics:test", id: 1 });
    await api("acme").publish("metrics:test", 1);
    await c.waitFor(() => c.of("message").length === 1);
    const res = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${keys.operator}` },
    });
    const text = await res.text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? NaN);
    expect(value("holdfast_gateway_connections")).toBeGreaterThanOrEqual(1);
    expect(value("holdfast_server_channel_messages_total")).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/holdfast_server_ws_upgrades_total\{result="accepted"\} \d+/);
    expect(text).toMatch(/holdfast_server_ws_upgrades_total\{result="401"\} \d+/);
    expect(text).toMatch(/holdfast_channel_published_total\{mode="durable"\} \d+/);
  });
});

describe.runIf(port !== null)("channels on a server without API keys (open, loopback only)", () => {
  it("refuses to start open on a non-loopback address", async () => {
    const store = await redisStore();
    await expect(serve(store, { host: "0.0.0.0" })).rejects.toThrow(/without API keys/);
    await store.close();
  });

  it("serves seed 003's browser snippet on `/`, publishes over HTTP, and closes sockets with 1012 on shutdown", async () => {
    const store = await redisStore();
    const server = await serve(store);
    try {
      // Seed 003: new WebSocket('ws://localhost:3001') then {type:'subscribe', channel:'task:routing'}.
      const seed = await TestClient.connect(server.url.replace(/^http/, "ws"));
      seed.send({ type: "subscribe", channel: "task:routing" });
      seed.send({ type: "subscribe", channel: "agent:status" });
      await seed.waitFor(() => seed.of("ack").length === 2);
      const open = new ChannelsApi(new HttpClient({ baseUrl: server.url }));
      await open.publish("task:routing", { type: "routing_decision", payload: { taskId: "t1" } });
      await open.publish("agent:status", { type: "agent_status", payload: { agentId: "gpt-4", load: 0.65 } });
      await seed.waitFor(() => seed.of("message").length === 2);
      expect(seed.of("message", "task:routing")[0].data).toEqual({
        type: "routing_decision",
        payload: { taskId: "t1" },
      });

      const other = await TestClient.connect(`${server.url.replace(/^http/, "ws")}/v1/ws`);
      await other.request({ type: "subscribe", channel: "task:routing", id: 1 });
      const stopping = server.stop();
      expect(await seed.closed).toBe(1012);
      expect(await other.closed).toBe(1012);
      await stopping;
    } finally {
      await server.stop();
      await store.close();
    }
  });
});

describe("channels on the memory store (holdfast serve without Redis)", () => {
  it("serves the gateway and the routes, per tenant, and resumes with since", async () => {
    const store = await createStore({ type: "memory", env: {}, prefix: uniquePrefix() });
    const server = await serve(store);
    try {
      const url = `${server.url.replace(/^http/, "ws")}/v1/ws`;
      const a = await TestClient.connect(url, { "x-holdfast-tenant": "acme" });
      const b = await TestClient.connect(url, { "x-holdfast-tenant": "globex" });
      const ack = await a.request({ type: "subscribe", channel: "room", id: 1 });
      await b.request({ type: "subscribe", channel: "room", id: 1 });
      const acme = new ChannelsApi(new HttpClient({ baseUrl: server.url, tenant: "acme" }));
      const first = await acme.publish("room", 1);
      await acme.publish("room", 2);
      await a.waitFor(() => a.of("message").length === 2);
      await sleep(100);
      expect(b.of("message")).toEqual([]);

      const late = await TestClient.connect(url, { "x-holdfast-tenant": "acme" });
      const resumed = await late.request({ type: "subscribe", channel: "room", since: first.id, id: 1 });
      expect(resumed.recovered).toBe(true);
      await late.waitFor(() => late.of("message").length === 1);
      expect(late.of("message")[0].data).toBe(2);
      expect(ack.cursor).toMatch(/^\d+-\d+$/);
      for (const c of [a, b, late]) c.close();
    } finally {
      await server.stop();
      await store.close();
    }
  });
});
