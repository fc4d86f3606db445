/**
 * Finding 3 of issue 13 (WebSocket connections had no cap; one token opened 3,000): sockets are
 * capped per API key and per tenant (close 4029 naming the cap), and a token opens one socket.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { RunningServer } from "../../src/server/serve.js";
import { CLOSE_CODES } from "../../src/gateway/protocol.js";
import type { Store } from "../../src/store/types.js";
import { describeStores, makeStore } from "../support/stores.js";
import { serveNamedKeys } from "./support.js";

/** Opens a socket; resolves once it is open (and gives its close code when it closes), or the HTTP status of a refusal. */
function open(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise<{ ws: WebSocket; closed: typeof closed }>((resolve, reject) => {
    ws.once("open", () => resolve({ ws, closed }));
    ws.once("unexpected-response", (_q, res) =>
      reject(Object.assign(new Error("refused"), { status: res.statusCode })),
    );
    ws.once("error", reject);
  });
}

describeStores(
  "WebSocket connection caps",
  (ctx) => {
    let store: Store;
    let server: RunningServer;
    let keys: Record<string, string>;
    const ws = () => `${server.url.replace("http", "ws")}/v1/ws`;
    beforeAll(async () => {
      store = await makeStore(ctx.target);
      ({ server, keys } = await serveNamedKeys(
        store,
        { a1: ["client", ["acme"]], a2: ["client", ["acme"]], g: ["client", ["globex"]] },
        { maxWsConnectionsPerKey: 2, maxWsConnectionsPerTenant: 3 },
      ));
    });
    afterAll(async () => {
      await server?.stop();
      await store?.close();
    });

    it("closes a key's third socket and a tenant's fourth with 4029, naming the cap; a freed slot is reused", async () => {
      const as = (k: string) => ({ authorization: `Bearer ${keys[k]}` });
      const a = [await open(ws(), as("a1")), await open(ws(), as("a1"))];
      const third = await open(ws(), as("a1"));
      expect(await third.closed).toEqual({
        code: CLOSE_CODES.TOO_MANY_CONNECTIONS,
        reason: expect.stringMatching(/this API key \(at most 2; HOLDFAST_WS_MAX_CONNECTIONS_PER_KEY\)/),
      });
      const b = await open(ws(), as("a2")); // the tenant's third
      const fourth = await open(ws(), as("a2"));
      expect((await fourth.closed).reason).toMatch(/this tenant \(at most 3/);
      // Another tenant is not affected.
      const g = await open(ws(), as("g"));
      // Closing one frees its slot.
      a[0].ws.close();
      await a[0].closed;
      await new Promise((r) => setTimeout(r, 50));
      const again = await open(ws(), as("a1"));
      const ping = new Promise((resolve) => again.ws.once("message", resolve));
      again.ws.send(JSON.stringify({ type: "ping", id: 1 }));
      expect(JSON.parse(String(await ping))).toEqual({ type: "pong", id: 1 });
      for (const s of [a[1], b, g, again]) s.ws.close();
      await Promise.all([a[1], b, g, again].map((s) => s.closed));
    });

    it("a token opens one socket, and its sockets count against the key that minted it", async () => {
      const mint = async () => {
        const r = await fetch(`${server.url}/v1/ws-tokens`, {
          method: "POST",
          headers: { authorization: `Bearer ${keys.g}`, "content-type": "application/json" },
          body: "{}",
        });
        return ((await r.json()) as { token: string }).token;
      };
      const t = await mint();
      const first = await open(`${ws()}?token=${t}`);
      await expect(open(`${ws()}?token=${t}`)).rejects.toMatchObject({ status: 401 });
      const second = await open(`${ws()}?token=${await mint()}`);
      const third = await open(`${ws()}?token=${await mint()}`);
      expect((await third.closed).code).toBe(CLOSE_CODES.TOO_MANY_CONNECTIONS);
      first.ws.close();
      second.ws.close();
      await Promise.all([first.closed, second.closed]);
    });
  },
  { targets: ["memory", "redis"] },
);
