/**
 * Counts the Redis round trips (EVALSHA calls) and Redis commands (scripts' inner commands
 * included) per HTTP cycle of one server, exactly: the `INFO commandstats` delta of a private
 * Redis over sequential cycles. No timing, so the figure does not depend on the machine's load.
 *
 *   npm run bench:http-round-trips -- app   # seed-004 app: POST /api/locks/acquire + /release
 *   npm run bench:http-round-trips -- book  # seed-004 app: acquire + POST /api/appointments
 *   npm run bench:http-round-trips -- serve # holdfast serve: /v1/locks/:key/acquire + /release
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { PrivateRedis, freePort } from "./support/redis-server.js";

const MODES = ["app", "book", "serve"] as const;
type Mode = (typeof MODES)[number];
const mode = (process.argv[2] ?? "app") as Mode;
if (!MODES.includes(mode)) throw new Error(`usage: http-round-trips.ts ${MODES.join("|")}`);
const CYCLES = 400;
const WARMUP = 20;
const ROOT = fileURLToPath(new URL("..", import.meta.url));

const redis = await PrivateRedis.start();
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(
  process.execPath,
  mode === "serve"
    ? ["bin/holdfast.js", "serve"]
    : ["--import", "tsx", "examples/appointment-locks/server.ts"],
  {
    cwd: ROOT,
    stdio: "ignore",
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      REDIS_HOST: "127.0.0.1",
      REDIS_PORT: String(new URL(redis.url).port),
      PORT: String(port),
      HOST: "127.0.0.1",
      HOLDFAST_LOG_LEVEL: "warn",
      LOCK_TTL: "30000",
    },
  },
);
const client = new Redis(redis.url);

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await r.json()) as Record<string, unknown>;
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** One cycle; `i` picks the key (ten keys in turn; a new slot for every booking). */
async function cycle(i: number): Promise<void> {
  if (mode === "serve") {
    const { token } = await post(`/v1/locks/k${i % 10}/acquire`, {});
    await post(`/v1/locks/k${i % 10}/release`, { token });
    return;
  }
  const startTime =
    mode === "book"
      ? `${String(i % 24).padStart(2, "0")}:${String(Math.floor(i / 24) % 60).padStart(2, "0")}`
      : `0${i % 10}:00`;
  const slot = { tenantId: "t", resourceId: "r", date: "2025-01-01", startTime };
  const { lockId } = await post("/api/locks/acquire", slot);
  if (mode === "app") {
    await post("/api/locks/release", { ...slot, lockId });
    return;
  }
  await post("/api/appointments", {
    lockId,
    tenantId: "t",
    specialistId: "r",
    serviceId: "s",
    date: slot.date,
    startTime,
    endTime: "23:59",
    customerName: "A",
    customerEmail: "a@example.com",
  });
}

async function commandCounts(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await client.info("commandstats")).matchAll(/cmdstat_(\w+):calls=(\d+)/g))
    out.set(m[1], Number(m[2]));
  return out;
}

try {
  for (let i = 0; i < 300; i++) {
    const up = await fetch(base + (mode === "serve" ? "/readyz" : "/api/locks/health")).catch(
      () => undefined,
    );
    if (up?.ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (let i = 0; i < WARMUP; i++) await cycle(10_000 + i); // first use of a key is not the steady state
  const before = await commandCounts();
  for (let i = 0; i < CYCLES; i++) await cycle(i);
  const after = await commandCounts();
  const perCycle: Record<string, number> = {};
  let total = 0;
  for (const [name, n] of after) {
    const d = n - (before.get(name) ?? 0) - (name === "info" ? 1 : 0);
    if (d <= 0) continue;
    perCycle[name] = d / CYCLES;
    total += d;
  }
  console.log(
    `${mode}: ${perCycle.evalsha ?? 0} round trips (EVALSHA) and ${total / CYCLES} Redis commands per cycle`,
    JSON.stringify(perCycle),
  );
} finally {
  client.disconnect();
  server.kill();
  await redis.stop();
}
