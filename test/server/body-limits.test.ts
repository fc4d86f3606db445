/**
 * Finding 5 of issue 13: JSON nested 10,000 deep overflowed JSON.stringify (500 over HTTP, an
 * `internal` frame without an id over WebSocket). Every body and frame is limited in depth and size,
 * with a 400 (or a `bad_request` frame) naming the limit.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEFAULT_SERVE_CONFIG } from "../../src/server/config.js";
import { startServer, type RunningServer } from "../../src/server/serve.js";
import { MAX_JSON_DEPTH } from "../../src/util/json-depth.js";
import type { Store } from "../../src/store/types.js";
import { describeStores, makeStore } from "../support/stores.js";
import { TestClient } from "../gateway/client.js";
import { tempKeysFile } from "./support.js";

const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const nested = (n: number): unknown => JSON.parse(deep(n));

describeStores(
  "depth and size limits",
  (ctx) => {
    let store: Store;
    let server: RunningServer;
    beforeAll(async () => {
      store = await makeStore(ctx.target);
      server = await startServer(
        {
          ...DEFAULT_SERVE_CONFIG,
          port: 0,
          keysFile: tempKeysFile(),
          logLevel: "silent",
          bodyLimit: 64 * 1024,
        },
        { store },
      );
    });
    afterAll(async () => {
      await server?.stop();
      await store?.close();
    });
    const post = async (path: string, body: string) => {
      const r = await fetch(server.url + path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      return { status: r.status, body: (await r.json()) as any };
    };

    it("a body nested deeper than the limit is a 400 naming the limit, on every route (publish data, lock metadata)", async () => {
      for (const [path, body] of [
        ["/v1/channels/c/publish", `{"data":${deep(10_000)}}`],
        ["/v1/locks/x/acquire", `{"metadata":{"m":${deep(10_000)}}}`],
        ["/v1/sessions", `{"token":"${"t".repeat(20)}","user":"u","data":${deep(200)}}`],
        ["/v1/events", `{"source":"s","type":"t","context":{"c":${deep(MAX_JSON_DEPTH + 1)}}}`],
      ]) {
        const r = await post(path, body);
        expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(400);
        expect(r.body.error).toMatchObject({ code: "HOLDFAST_INVALID_ARGUMENT", field: "body" });
        expect(r.body.error.message).toMatch(new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`));
      }
      // At the limit it is accepted.
      expect(
        (await post("/v1/channels/c/publish", JSON.stringify({ data: nested(MAX_JSON_DEPTH - 1) }))).status,
      ).toBe(200);
    });

    it("a body over the size limit is a 413 naming the limit, and a body of a type other than JSON a 415", async () => {
      const big = await post("/v1/channels/c/publish", JSON.stringify({ data: "x".repeat(70_000) }));
      expect(big.status).toBe(413);
      expect(big.body.error.message).toMatch(/limit of 65536 bytes \(HOLDFAST_BODY_LIMIT\)/);
      const r = await fetch(`${server.url}/v1/channels/c/publish`, {
        method: "POST",
        headers: { "content-type": "application/xml" },
        body: "hi",
      });
      expect(r.status).toBe(415);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("HOLDFAST_INVALID_ARGUMENT");
    });

    it("a WebSocket frame nested too deep gets a bad_request error frame with its id; the socket stays open", async () => {
      const c = await TestClient.connect(`${server.url.replace("http", "ws")}/v1/ws`);
      try {
        c.send(`{"type":"publish","channel":"c","id":7,"data":${deep(10_000)}}`);
        const err = await c.waitFor(() => c.frames.find((f) => f.type === "error"));
        expect(err).toMatchObject({ type: "error", id: 7, code: "bad_request" });
        expect(err.message).toMatch(new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`));
        const pong = await c.request({ type: "ping", id: 8 });
        expect(pong).toEqual({ type: "pong", id: 8 });
      } finally {
        c.close();
      }
    });
  },
  { targets: ["memory", "redis"] },
);
