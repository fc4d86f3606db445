/**
 * Realtime fan-out benchmark: 1,000 WebSocket clients on 10 channels (100 per channel), messages
 * published by a second "process" (its own store or server) through one private Redis, measured
 * at the clients: deliveries per second and publish-to-receive latency (p50/p99). Holdfast's
 * gateway (ephemeral and durable channels) beside socket.io with @socket.io/redis-adapter doing
 * the same fan-out, same Redis, same run. Bounded: a fixed number of messages per channel.
 *
 *   npm run bench:realtime
 *   BENCH_MESSAGES=50 npm run bench:realtime     # messages per channel (default 100)
 *
 * Client CPU per delivery is this process' CPU (clients, gateway and publisher share it).
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { Server as IoServer } from "socket.io";
import { createAdapter } from "@socket.io/redis-adapter";
import { io as ioClient, type Socket as IoSocket } from "socket.io-client";
import { WebSocket } from "ws";
import { environmentLine, printTable, type Measurement } from "./support/harness.js";
import { PrivateRedis } from "./support/redis-server.js";
import { createChannels, createGateway, createStore } from "holdfast";

const CLIENTS = 1000;
const CHANNELS = 10;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100);
/** Pause between two publishes on one channel, in ms: ~CHANNELS * 1000 / PACE_MS messages/s. */
const PACE_MS = 5;
const BASELINE = "socket.io + redis-adapter";

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Collects latencies; resolves `done` when every expected delivery arrived (or after a timeout). */
class Recorder {
  private samples: Float64Array;
  n = 0;
  private resolve!: () => void;
  readonly done = new Promise<void>((r) => (this.resolve = r));
  constructor(readonly expected: number) {
    this.samples = new Float64Array(expected);
  }
  record(sentAt: number): void {
    if (this.n < this.expected) this.samples[this.n++] = now() - sentAt;
    if (this.n === this.expected) this.resolve();
  }
  sorted(): Float64Array {
    return this.samples.slice(0, this.n).sort();
  }
}

async function publishAll(publish: (channel: string, i: number) => Promise<unknown>): Promise<void> {
  await Promise.all(
    Array.from({ length: CHANNELS }, async (_, c) => {
      for (let i = 0; i < MESSAGES; i++) {
        await publish(`bench:${c}`, i);
        await sleep(PACE_MS);
      }
    }),
  );
}

async function run(
  name: string,
  setup: (
    rec: Recorder,
  ) => Promise<{ publish: (channel: string, i: number) => Promise<unknown>; close: () => Promise<void> }>,
): Promise<Measurement> {
  const rec = new Recorder(CLIENTS * MESSAGES);
  const { publish, close } = await setup(rec);
  await sleep(300);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await publishAll(publish);
  await Promise.race([rec.done, sleep(60_000)]);
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await close();
  const sorted = rec.sorted();
  if (rec.n < rec.expected) console.warn(`${name}: only ${rec.n} of ${rec.expected} deliveries arrived`);
  return {
    name,
    concurrency: CLIENTS,
    ops: rec.n,
    opsPerSec: (rec.n / elapsed) * 1000,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cpuUsPerOp: (cpu.user + cpu.system) / Math.max(1, rec.n),
  };
}

async function inBatches<T>(count: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += 100) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, k) => make(i + k)))));
  }
  return out;
}

function holdfast(redisUrl: string, mode: "ephemeral" | "durable") {
  return async (rec: Recorder) => {
    const channelOptions = { defaults: { mode, maxLen: 1000, maxAgeMs: 600_000 } };
    const opts = {
      type: "redis" as const,
      redis: { url: redisUrl },
      env: {},
      checkServer: false,
      prefix: `bench:${mode}:`,
    };
    const gatewayStore = await createStore(opts);
    const publisherStore = await createStore(opts);
    const gateway = await createGateway({
      store: gatewayStore,
      port: 0,
      channels: channelOptions,
      maxBufferedBytes: 16 * 1024 * 1024,
    });
    const publisher = createChannels(publisherStore, channelOptions);
    const url = `ws://127.0.0.1:${gateway.port}`;
    const clients = await inBatches(CLIENTS, async (i) => {
      const ws = new WebSocket(url);
      await new Promise((r, j) => ws.once("open", r).once("error", j));
      let subscribed!: () => void;
      const ack = new Promise<void>((r) => (subscribed = r));
      ws.on("message", (raw) => {
        const f = JSON.parse(raw.toString()) as { type: string; data?: { t: number } };
        if (f.type === "message") rec.record(f.data!.t);
        else if (f.type === "ack") subscribed();
      });
      ws.send(JSON.stringify({ type: "subscribe", channel: `bench:${i % CHANNELS}` }));
      await ack;
      return ws;
    });
    return {
      publish: (channel: string, i: number) => publisher.publish(channel, { i, t: now() }),
      close: async () => {
        for (const ws of clients) ws.terminate();
        await gateway.close();
        await publisher.close();
        await Promise.all([gatewayStore.close(), publisherStore.close()]);
      },
    };
  };
}

function socketIo(redisUrl: string) {
  return async (rec: Recorder) => {
    const conns = [new Redis(redisUrl), new Redis(redisUrl), new Redis(redisUrl), new Redis(redisUrl)];
    const http: HttpServer = createServer();
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const io = new IoServer(http, { adapter: createAdapter(conns[0], conns[1]), transports: ["websocket"] });
    io.on("connection", (socket) => {
      socket.on("join", (room: string, ack: () => void) => {
        void socket.join(room);
        ack();
      });
    });
    // The publishing "process": a second server on the same Redis, with no clients of its own.
    const publisherIo = new IoServer({ adapter: createAdapter(conns[2], conns[3]) });
    const port = (http.address() as AddressInfo).port;
    const clients: IoSocket[] = await inBatches(CLIENTS, async (i) => {
      const socket = ioClient(`http://127.0.0.1:${port}`, { transports: ["websocket"], forceNew: true });
      socket.on("message", (data: { t: number }) => rec.record(data.t));
      await new Promise<void>((r) => socket.once("connect", () => r()));
      await new Promise<void>((r) => socket.emit("join", `bench:${i % CHANNELS}`, () => r()));
      return socket;
    });
    return {
      publish: (channel: string, i: number) => {
        publisherIo.to(channel).emit("message", { i, t: now() });
        return Promise.resolve();
      },
      close: async () => {
        for (const s of clients) s.disconnect();
        await new Promise<void>((r) => void io.close(() => r()));
        // publisherIo has no engine to close (it never listened): closing its Redis connections ends it.
        for (const c of conns) c.disconnect();
      },
    };
  };
}

async function main(): Promise<void> {
  const redis = await PrivateRedis.start();
  try {
    const info = await new Redis(redis.url).info("server");
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1];
    console.log(await environmentLine(version));
    console.log(
      `${CLIENTS} WebSocket clients on ${CHANNELS} channels, ${MESSAGES} messages per channel ` +
        `(${CLIENTS * MESSAGES} deliveries per row), one publish every ${PACE_MS} ms per channel.`,
    );
    const rows: Measurement[] = [];
    rows.push(await run(BASELINE, socketIo(redis.url)));
    rows.push(await run("holdfast gateway (ephemeral)", holdfast(redis.url, "ephemeral")));
    rows.push(await run("holdfast gateway (durable)", holdfast(redis.url, "durable")));
    printTable("Realtime fan-out: deliveries/s and publish-to-receive latency", rows, BASELINE);
  } finally {
    await redis.stop();
  }
  process.exit(0);
}

await main();
