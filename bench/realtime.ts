/**
 * Realtime fan-out benchmark: N WebSocket clients (default 1,000) on 10 channels, messages published
 * by a separate publisher (its own store or server) through one private Redis. Each server runs in
 * its own process and the clients in others (spread over a few processes), as in production, so the
 * figures measure the server and not the clients: deliveries per second, publish-to-receive latency
 * (p50/p99) and the server process' own CPU per delivery. Holdfast's gateway (ephemeral and durable
 * channels) beside socket.io with @socket.io/redis-adapter doing the same fan-out, same Redis, same
 * run. Bounded: a fixed number of messages per channel, a fixed number of rounds.
 *
 *   npm run bench:realtime
 *   BENCH_CLIENTS=5000 npm run bench:realtime       # clients (default 1000)
 *   BENCH_MESSAGES=50 npm run bench:realtime        # messages per channel (default 100)
 *   BENCH_ROUNDS=1 npm run bench:realtime           # rounds (default 2)
 *   BENCH_CLIENT_PROCS=3 npm run bench:realtime     # client processes (default 2)
 *   BENCH_WRITE_DELAY_MS=10 npm run bench:realtime  # two more rows: both gateways with writeDelayMs 10
 *   BENCH_PROFILE=1 npm run bench:realtime          # servers write .cpuprofile files to ./realtime-<row>-r<round>/,
 *                                                   # the first client process to ./realtime-<row>-r<round>-clients/
 *
 * Roles: this file is also the server process (`server <kind> <redisUrl>`) and the client
 * process (`clients <kind> <url> <first> <count>`), started with node:child_process `fork`.
 */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { createChannels, createGateway, createStore } from "holdfast";
import { environmentLine, redisCpuSampler } from "./support/harness.js";
import { RedisNode } from "./support/redis-topology.js";
import { envInt } from "./support/env.js";

const CLIENTS = envInt("BENCH_CLIENTS", 1000, 1);
const CHANNELS = 10;
const MESSAGES = envInt("BENCH_MESSAGES", 100, 1);
const ROUNDS = envInt("BENCH_ROUNDS", 2, 1);
const CLIENT_PROCS = envInt("BENCH_CLIENT_PROCS", 2, 1);
const PROFILE = process.env.BENCH_PROFILE === "1";
const WRITE_DELAY_MS = envInt("BENCH_WRITE_DELAY_MS", 0, 0);
/** Pause between two publishes on one channel, in ms: ~CHANNELS * 1000 / PACE_MS messages/s. */
const PACE_MS = 5;
/** Longest wait for the last delivery of a row. */
const DRAIN_TIMEOUT_MS = 60_000;

type Kind = "socket.io" | "ephemeral" | "durable" | "ephemeral-batched" | "durable-batched";
const KINDS: Kind[] = [
  "socket.io",
  "ephemeral",
  "durable",
  ...(WRITE_DELAY_MS > 0 ? (["ephemeral-batched", "durable-batched"] as const) : []),
];
const LABELS: Record<Kind, string> = {
  "socket.io": "socket.io + redis-adapter",
  ephemeral: "holdfast gateway (ephemeral)",
  durable: "holdfast gateway (durable)",
  "ephemeral-batched": `holdfast gateway (ephemeral, writeDelayMs ${WRITE_DELAY_MS})`,
  "durable-batched": `holdfast gateway (durable, writeDelayMs ${WRITE_DELAY_MS})`,
};
/** The channel mode of a gateway row. */
const modeOf = (kind: Exclude<Kind, "socket.io">) => (kind.startsWith("durable") ? "durable" : "ephemeral");

const channelOptions = (mode: "ephemeral" | "durable") => ({
  defaults: { mode, maxLen: 1000, maxAgeMs: 600_000 },
});
const storeOptions = (redisUrl: string, mode: string) => ({
  type: "redis" as const,
  redis: { url: redisUrl },
  env: {},
  checkServer: false,
  prefix: `bench:${mode}:`,
});

/** Wall-clock time in ms with sub-millisecond precision, comparable between processes of one machine. */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Messages between the parent and its children (IPC with `serialization: "advanced"`). */
type ChildMessage =
  | { type: "listening"; port: number }
  | { type: "cpu"; micros: number; writes: number }
  | { type: "ready" }
  | { type: "done" }
  | { type: "report"; n: number; lastAt: number; cpuMicros: number; reads: number; samples: Float64Array };
type ParentMessage = { type: "cpu" } | { type: "report" } | { type: "close" };

/**
 * This process' read and write system calls so far (Linux's /proc/self/io; NaN elsewhere). Unlike
 * CPU time they do not depend on the machine's load: a small message costs mostly its system call
 * on both ends, so calls per delivery say how many messages each call carried.
 */
function ioCalls(): { reads: number; writes: number } {
  try {
    const io = readFileSync("/proc/self/io", "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(io)?.[1] ?? NaN);
    return { reads: field("syscr"), writes: field("syscw") };
  } catch {
    return { reads: NaN, writes: NaN };
  }
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function send(m: ChildMessage): void {
  process.send!(m);
}

// ---------------------------------------------------------------------------------------------
// Server process: one gateway or one socket.io server, nothing else.

async function serverProcess(kind: Kind, redisUrl: string): Promise<void> {
  let close: () => Promise<void>;
  let port: number;
  if (kind === "socket.io") {
    const [{ Server }, { createAdapter }] = await Promise.all([
      import("socket.io"),
      import("@socket.io/redis-adapter"),
    ]);
    const pub = new Redis(redisUrl);
    const sub = new Redis(redisUrl);
    const http = createServer();
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const io = new Server(http, { adapter: createAdapter(pub, sub), transports: ["websocket"] });
    io.on("connection", (socket) => {
      socket.on("join", (room: string, ack: () => void) => {
        void socket.join(room);
        ack();
      });
    });
    port = (http.address() as AddressInfo).port;
    close = async () => {
      await new Promise<void>((r) => void io.close(() => r()));
      pub.disconnect();
      sub.disconnect();
    };
  } else {
    const store = await createStore(storeOptions(redisUrl, kind));
    const gateway = await createGateway({
      store,
      port: 0,
      channels: channelOptions(modeOf(kind)),
      maxBufferedBytes: 16 * 1024 * 1024,
      writeDelayMs: kind.endsWith("-batched") ? WRITE_DELAY_MS : 0,
    });
    port = gateway.port;
    close = async () => {
      await gateway.close();
      await store.close();
    };
  }
  process.on("message", (m: ParentMessage) => {
    if (m.type === "cpu") send({ type: "cpu", micros: cpuMicros(), writes: ioCalls().writes });
    else if (m.type === "close") void close().then(() => process.exit(0));
  });
  send({ type: "listening", port });
}

// ---------------------------------------------------------------------------------------------
// Client process: `count` clients, client i subscribed to channel i % CHANNELS.

async function inBatches<T>(count: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += 100) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, k) => make(i + k)))));
  }
  return out;
}

async function clientsProcess(kind: Kind, url: string, first: number, count: number): Promise<void> {
  const expected = count * MESSAGES;
  const samples = new Float64Array(expected);
  let n = 0;
  let lastAt = 0;
  const record = (sentAt: number) => {
    const t = now();
    if (n < expected) samples[n++] = t - sentAt;
    lastAt = t;
    if (n === expected) send({ type: "done" });
  };
  let closeAll: () => void;
  if (kind === "socket.io") {
    const { io } = await import("socket.io-client");
    const sockets = await inBatches(count, async (k) => {
      const socket = io(url, { transports: ["websocket"], forceNew: true });
      socket.on("message", (data: { t: number }) => record(data.t));
      await new Promise<void>((r) => socket.once("connect", () => r()));
      await new Promise<void>((r) => socket.emit("join", `bench:${(first + k) % CHANNELS}`, () => r()));
      return socket;
    });
    closeAll = () => {
      for (const s of sockets) s.disconnect();
    };
  } else {
    const { WebSocket } = await import("ws");
    const sockets = await inBatches(count, async (k) => {
      const ws = new WebSocket(url);
      await new Promise((r, j) => ws.once("open", r).once("error", j));
      let subscribed!: () => void;
      const ack = new Promise<void>((r) => (subscribed = r));
      ws.on("message", (raw) => {
        const f = JSON.parse(raw.toString()) as { type: string; data?: { t: number } };
        if (f.type === "message") record(f.data!.t);
        else if (f.type === "ack") subscribed();
      });
      ws.send(JSON.stringify({ type: "subscribe", channel: `bench:${(first + k) % CHANNELS}` }));
      await ack;
      return ws;
    });
    closeAll = () => {
      for (const ws of sockets) ws.terminate();
    };
  }
  const cpu0 = cpuMicros();
  const reads0 = ioCalls().reads;
  process.on("message", (m: ParentMessage) => {
    if (m.type === "report") {
      send({
        type: "report",
        n,
        lastAt,
        cpuMicros: cpuMicros() - cpu0,
        reads: ioCalls().reads - reads0,
        samples: samples.slice(0, n),
      });
    } else if (m.type === "close") {
      closeAll();
      setTimeout(() => process.exit(0), 100);
    }
  });
  send({ type: "ready" });
}

// ---------------------------------------------------------------------------------------------
// Parent: starts Redis, then per row one server process and CLIENT_PROCS client processes.

interface Row {
  kind: Kind;
  deliveries: number;
  expected: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuUs: number;
  clientCpuUs: number;
  redisCpuUs: number;
  /** The server's write system calls per delivery (NaN off Linux). */
  serverWrites: number;
  /** The clients' read system calls per delivery (NaN off Linux). */
  clientReads: number;
  /** How long the publishers took: 100,000 deliveries in that time is the most the row could show. */
  publishMs: number;
}

const self = fileURLToPath(import.meta.url);
/** The repository: children resolve `tsx` and tsconfig's `holdfast` paths from there. */
const root = fileURLToPath(new URL("..", import.meta.url));

function child(args: string[], profileName?: string): ChildProcess {
  const execArgv = ["--import", "tsx"];
  if (profileName) {
    // One profile per thread (tsx runs its loader in one of its own): the main thread's is the larger.
    execArgv.push("--cpu-prof", `--cpu-prof-dir=${join(process.cwd(), profileName)}`);
  }
  return fork(self, args, { cwd: root, execArgv, serialization: "advanced", stdio: "inherit" });
}

function next<T extends ChildMessage["type"]>(
  proc: ChildProcess,
  type: T,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildMessage) => {
      if (m.type !== type) return;
      proc.off("message", onMessage);
      proc.off("exit", onExit);
      resolve(m as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) before "${type}"`));
    proc.on("message", onMessage);
    proc.once("exit", onExit);
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Paces CHANNELS publishers, MESSAGES each, one every PACE_MS on a clock: message i of channel c
 * goes out at (i + c / CHANNELS) * PACE_MS, or at once when the publisher is late. A pause after
 * each publish instead would offer less load through a publisher that waits for its reply
 * (Holdfast's returns the message id) than through one that does not (socket.io's `emit`), and so
 * cap one row's deliveries/s below the other's whatever the servers do. The channels' clocks are
 * staggered: in step, every channel's message would reach the server in the same burst, which
 * flatters a server that batches by event-loop turn.
 */
async function publishAll(publish: (channel: string, i: number) => Promise<unknown>): Promise<void> {
  const start = now();
  await Promise.all(
    Array.from({ length: CHANNELS }, async (_, c) => {
      const at = (i: number) => start + (i + c / CHANNELS) * PACE_MS;
      for (let i = 0; i < MESSAGES; i++) {
        const wait = at(i) - now();
        if (wait > 0) await sleep(wait);
        await publish(`bench:${c}`, i);
      }
    }),
  );
}

async function publisherFor(
  kind: Kind,
  redisUrl: string,
): Promise<{ publish: (channel: string, i: number) => Promise<unknown>; close: () => Promise<void> }> {
  if (kind === "socket.io") {
    const [{ Server }, { createAdapter }] = await Promise.all([
      import("socket.io"),
      import("@socket.io/redis-adapter"),
    ]);
    const pub = new Redis(redisUrl);
    const sub = new Redis(redisUrl);
    // A second socket.io server on the same Redis, with no clients of its own.
    const io = new Server({ adapter: createAdapter(pub, sub) });
    await sleep(100);
    return {
      publish: (channel, i) => {
        io.to(channel).emit("message", { i, t: now() });
        return Promise.resolve();
      },
      close: () => {
        pub.disconnect();
        sub.disconnect();
        return Promise.resolve();
      },
    };
  }
  const store = await createStore(storeOptions(redisUrl, kind));
  const channels = createChannels(store, channelOptions(modeOf(kind)));
  return {
    publish: (channel, i) => channels.publish(channel, { i, t: now() }),
    close: async () => {
      await channels.close();
      await store.close();
    },
  };
}

async function runRow(kind: Kind, redisUrl: string, round: number): Promise<Row> {
  const server = child(["server", kind, redisUrl], PROFILE ? `realtime-${kind}-r${round}` : undefined);
  const procs: ChildProcess[] = [server];
  const redisClient = new Redis(redisUrl);
  const redisCpu = redisCpuSampler(redisClient);
  try {
    const { port } = await next(server, "listening");
    const url = kind === "socket.io" ? `http://127.0.0.1:${port}` : `ws://127.0.0.1:${port}`;
    const per = Math.ceil(CLIENTS / CLIENT_PROCS);
    const clients: ChildProcess[] = [];
    for (let first = 0; first < CLIENTS; first += per) {
      const c = child(
        ["clients", kind, url, String(first), String(Math.min(per, CLIENTS - first))],
        PROFILE && first === 0 ? `realtime-${kind}-r${round}-clients` : undefined,
      );
      clients.push(c);
      procs.push(c);
    }
    await Promise.all(clients.map((c) => next(c, "ready")));
    const publisher = await publisherFor(kind, redisUrl);
    await sleep(300);
    server.send({ type: "cpu" } satisfies ParentMessage);
    const { micros: serverCpu0, writes: serverWrites0 } = await next(server, "cpu");
    const redis0 = await redisCpu();
    const done = Promise.all(clients.map((c) => next(c, "done")));
    const t0 = now();
    await publishAll(publisher.publish);
    const publishMs = now() - t0;
    await Promise.race([done, sleep(DRAIN_TIMEOUT_MS)]);
    server.send({ type: "cpu" } satisfies ParentMessage);
    const { micros: serverCpu1, writes: serverWrites1 } = await next(server, "cpu");
    const redis1 = await redisCpu();
    const reports = await Promise.all(
      clients.map((c) => {
        c.send({ type: "report" } satisfies ParentMessage);
        return next(c, "report");
      }),
    );
    await publisher.close();
    const deliveries = reports.reduce((s, r) => s + r.n, 0);
    const expected = CLIENTS * MESSAGES;
    if (deliveries < expected)
      console.warn(`${LABELS[kind]}: only ${deliveries} of ${expected} deliveries arrived`);
    const lastAt = Math.max(...reports.map((r) => r.lastAt));
    const all = new Float64Array(deliveries);
    let at = 0;
    for (const r of reports) {
      all.set(r.samples, at);
      at += r.samples.length;
    }
    all.sort();
    const d = Math.max(1, deliveries);
    return {
      kind,
      deliveries,
      expected,
      perSec: (deliveries / (lastAt - t0)) * 1000,
      p50Ms: percentile(all, 50),
      p99Ms: percentile(all, 99),
      serverCpuUs: (serverCpu1 - serverCpu0) / d,
      // Includes connecting and subscribing: a client process' CPU from its start.
      clientCpuUs: reports.reduce((s, r) => s + r.cpuMicros, 0) / d,
      serverWrites: (serverWrites1 - serverWrites0) / d,
      clientReads: reports.reduce((s, r) => s + r.reads, 0) / d,
      redisCpuUs: (redis1 - redis0) / d,
      publishMs,
    };
  } finally {
    redisClient.disconnect();
    for (const p of procs) if (p.exitCode === null) p.send({ type: "close" } satisfies ParentMessage);
    await Promise.all(
      procs.map(async (p) => {
        if (p.exitCode !== null) return;
        const timer = setTimeout(() => p.kill("SIGKILL"), 10_000);
        await once(p, "exit");
        clearTimeout(timer);
      }),
    );
  }
}

function table(rows: Row[]): string {
  const base = rows.find((r) => r.kind === "socket.io")!;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const lines = [
    `| implementation | deliveries/s | p50 ms | p99 ms | server CPU µs/delivery | Redis CPU µs/delivery | client CPU µs/delivery | deliveries/s vs socket.io | p99 vs socket.io | server CPU vs socket.io | server writes/delivery | client reads/delivery |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${LABELS[r.kind]} | ${Math.round(r.perSec).toLocaleString("en-US")} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.serverCpuUs.toFixed(2)} | ${r.redisCpuUs.toFixed(2)} | ${r.clientCpuUs.toFixed(1)} | ${ratio(r.perSec, base.perSec)} | ${ratio(r.p99Ms, base.p99Ms)} | ${ratio(r.serverCpuUs, base.serverCpuUs)} | ${r.serverWrites.toFixed(3)} | ${r.clientReads.toFixed(3)} |`,
    );
  }
  // Deliveries/s cannot pass CLIENTS * MESSAGES over the publishers' own time, however fast the server.
  const ceilings = rows.map(
    (r) =>
      `${LABELS[r.kind]} ${Math.round(r.publishMs)} ms (${Math.round((r.expected / r.publishMs) * 1000).toLocaleString("en-US")} deliveries/s)`,
  );
  lines.push("", `Publishing took: ${ceilings.join("; ")}.`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const redis = await RedisNode.start();
  try {
    const info = await redis.info("server");
    console.log(await environmentLine(info.get("redis_version")));
    console.log(
      `${CLIENTS} WebSocket clients in ${CLIENT_PROCS} processes on ${CHANNELS} channels, ` +
        `${MESSAGES} messages per channel (${CLIENTS * MESSAGES} deliveries per row), one publish every ` +
        `${PACE_MS} ms per channel; each server in its own process.`,
    );
    for (let round = 1; round <= ROUNDS; round++) {
      // The order rotates from round to round: on a shared machine the load drifts in minutes, and
      // a fixed order would hand the same row the same part of the drift every time.
      const order = KINDS.map((_, i) => KINDS[(i + round - 1) % KINDS.length]);
      const rows: Row[] = [];
      for (const kind of order) rows.push(await runRow(kind, redis.url, round));
      rows.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind));
      console.log(
        `\n### Realtime fan-out, round ${round} of ${ROUNDS} (run in the order ${order.join(", ")})\n\n${table(rows)}\n`,
      );
    }
  } finally {
    await redis.stop();
  }
}

const [role, kind, a, b, c] = process.argv.slice(2);
if (role === "server") await serverProcess(kind as Kind, a);
else if (role === "clients") await clientsProcess(kind as Kind, a, Number(b), Number(c));
else {
  await main();
  process.exit(0);
}
