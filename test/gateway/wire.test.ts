/**
 * The gateway's frame writer touches two things ws keeps private (`Sender.frame`, `_socket`): these
 * tests fail when an upgrade of ws changes them (instead of the gateway quietly falling back to
 * `ws.send`), and check the fallback and the corking around it.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import * as wsModule from "ws";
import { WebSocket, WebSocketServer } from "ws";
import { FrameWriter, OutgoingFrame } from "../../src/gateway/wire.js";
import { TestClient } from "./client.js";

describe("the gateway's frame writer", () => {
  let server: WebSocketServer | undefined;
  let client: TestClient | undefined;
  afterEach(async () => {
    client?.ws.terminate();
    if (server) await new Promise((r) => server!.close(r));
    server = client = undefined;
  });

  async function pair(): Promise<{ ws: WebSocket; client: TestClient }> {
    server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await once(server, "listening");
    const accepted = once(server, "connection") as Promise<[WebSocket]>;
    client = await TestClient.connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const [ws] = await accepted;
    return { ws, client };
  }

  it("writes a shared frame's bytes to the socket of the installed ws, corked until the turn ends", async () => {
    const { ws, client } = await pair();
    const writer = new FrameWriter(wsModule);
    const socket = writer.socketOf(ws);
    expect(
      socket,
      "ws's Sender.frame or _socket changed: the gateway would fall back to ws.send",
    ).toBeDefined();
    const shared = new OutgoingFrame(JSON.stringify({ type: "message", data: "é ✓ ".repeat(60) }));
    writer.send(ws, socket, shared);
    writer.send(ws, socket, JSON.stringify({ type: "ack" }));
    writer.send(ws, socket, shared);
    expect(socket!.writableCorked).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(socket!.writableCorked).toBe(0);
    await client.waitFor(() => client.frames.length === 3);
    expect(client.frames.map((f) => f.type)).toEqual(["message", "ack", "message"]);
    expect(client.frames[2]).toEqual(JSON.parse(shared.text));
  });

  it("finds ws's framing on a CommonJS-shaped module too (Sender on the default export)", async () => {
    const { ws } = await pair();
    const Sender = (wsModule as unknown as { Sender: unknown }).Sender;
    expect(new FrameWriter({ default: { Sender } }).socketOf(ws)).toBeDefined();
  });

  it("builds a shared frame once, however many sockets it is written to", () => {
    const shared = new OutgoingFrame('{"a":1}');
    let built = 0;
    const encode = (payload: Buffer) => {
      built++;
      return payload;
    };
    expect(shared.bytes(encode)).toBe(shared.bytes(encode));
    expect(built).toBe(1);
  });

  it("sends through ws.send when ws has no Sender.frame, or one that frames differently", async () => {
    const { ws, client } = await pair();
    for (const module of [{}, { Sender: { frame: () => [Buffer.from("not a frame")] } }]) {
      const writer = new FrameWriter(module);
      expect(writer.socketOf(ws)).toBeUndefined();
      writer.send(ws, undefined, new OutgoingFrame('{"type":"message"}'));
    }
    await client.waitFor(() => client.frames.length === 2);
    expect(client.frames).toEqual([{ type: "message" }, { type: "message" }]);
  });

  it("uncorks at once on request, so corked bytes are written before a client is judged slow", async () => {
    const { ws } = await pair();
    const writer = new FrameWriter(wsModule);
    const socket = writer.socketOf(ws)!;
    expect(writer.uncork(socket)).toBe(false);
    writer.send(ws, socket, new OutgoingFrame('{"type":"message"}'));
    expect(ws.bufferedAmount).toBeGreaterThan(0);
    expect(writer.uncork(socket)).toBe(true);
    expect(socket.writableCorked).toBe(0);
    expect(ws.bufferedAmount).toBe(0);
  });

  it("with a write delay, holds frames that follow a flush until the delay has passed, in order", async () => {
    const { ws, client } = await pair();
    const delayMs = 150;
    const writer = new FrameWriter(wsModule, delayMs);
    const socket = writer.socketOf(ws)!;
    const message = (i: number) => new OutgoingFrame(JSON.stringify({ type: "message", data: i }));
    // After a quiet spell: written at the end of the turn, as without a delay.
    writer.send(ws, socket, message(0));
    await new Promise((r) => setImmediate(r));
    expect(socket.writableCorked).toBe(0);
    await client.waitFor(() => client.frames.length === 1);
    const flushedAt = performance.now();
    writer.send(ws, socket, message(1));
    writer.send(ws, socket, JSON.stringify({ type: "ack" }));
    await new Promise((r) => setImmediate(r));
    expect(socket.writableCorked, "a frame right after a flush waits for the delay").toBe(1);
    writer.send(ws, socket, message(2));
    await client.waitFor(() => client.frames.length === 4);
    expect(performance.now() - flushedAt).toBeGreaterThanOrEqual(delayMs - 20);
    expect(client.frames).toEqual([
      { type: "message", data: 0 },
      { type: "message", data: 1 },
      { type: "ack" },
      { type: "message", data: 2 },
    ]);
  });
});
