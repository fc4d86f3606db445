/**
 * The threading service's HTTP API: replies to a thread are numbered under the thread's lock (so
 * two instances never hand out the same reply number) and limited per user (shared by every
 * instance). The reply list stands in for the seed's database: it lives in this process.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { z } from "zod";
import { holdfastRegistry } from "../../src/observe/metrics.js";
import type { RedisHelpers } from "./helpers.js";

/** Options of {@link buildThreadingApp}. */
export interface ThreadingAppOptions {
  /** The helpers this instance uses (the seed module's default one in `server.ts`). */
  redis: RedisHelpers;
  /** Replies a user may post per window. @defaultValue 5 */
  replyLimit?: number;
  /** The rate-limit window, in seconds. @defaultValue 60 */
  replyWindowSeconds?: number;
  /** Thread lock TTL, in seconds: longer than the critical section can take. @defaultValue 10 */
  lockTtlSeconds?: number;
  /** How long a reply waits for a busy thread's lock, in ms. @defaultValue 2000 */
  lockWaitMs?: number;
  /** Simulated database work inside the lock, in ms (to make races visible). @defaultValue 0 */
  writeDelayMs?: number;
  /** pino level of the request log. @defaultValue "info" */
  logLevel?: string;
}

export interface Reply {
  number: number;
  userId: string;
  text: string;
  /** The fencing token of the lock this reply was written under. */
  fence: number;
}

const threadId = z.string().regex(/^[\w-]{1,64}$/, "letters, digits, - and _ only (≤ 64)");
const replyBody = z.object({
  userId: z.string().regex(/^[\w-]{1,64}$/, "letters, digits, - and _ only (≤ 64)"),
  text: z.string().min(1).max(10_000),
});

/**
 * Builds the app.
 * - `POST /api/threads/:id/reply` `{ userId, text }` → 201 `{ reply, rateLimit }`; 429 over the
 *   per-user limit; 409 when the thread stays busy past `lockWaitMs`; 503 when Redis cannot answer
 *   (locks fail closed; rate limits per `RATE_LIMIT_ON_REDIS_DOWN`); 400 for bad input.
 * - `GET /api/threads/:id` → `{ replies }` (this instance's copy).
 * - `GET /health` → `{ status, redis, store, policies, degradedDecisions }`, always 200 (the instance
 *   can still serve reads; `status` says `degraded`).
 * - `GET /metrics` → Prometheus text, including `holdfast_degraded_decisions_total`.
 */
export function buildThreadingApp(options: ThreadingAppOptions): FastifyInstance {
  const { redis } = options;
  const limit = options.replyLimit ?? 5;
  const windowSeconds = options.replyWindowSeconds ?? 60;
  const ttlSeconds = options.lockTtlSeconds ?? 10;
  const waitMs = options.lockWaitMs ?? 2000;
  const writeDelayMs = options.writeDelayMs ?? 0;
  const threads = new Map<string, Reply[]>();
  const app = Fastify({ logger: { level: options.logLevel ?? "info", name: "threading-service" } });

  app.get("/health", async () => ({
    status: redis.isRedisAvailable() || redis.storeKind === "memory" ? "ok" : "degraded",
    redis: redis.isRedisAvailable(),
    store: redis.storeKind,
    policies: { locks: "fail-closed", rateLimits: redis.rateLimitOnRedisDown },
    degradedDecisions: redis.degradedDecisions,
  }));

  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", holdfastRegistry.contentType);
    return holdfastRegistry.metrics();
  });

  app.get<{ Params: { id: string } }>("/api/threads/:id", async (req, reply) => {
    const id = threadId.safeParse(req.params.id);
    if (!id.success) return reply.code(400).send({ error: "invalid_thread_id", message: id.error.message });
    return { thread: id.data, replies: threads.get(id.data) ?? [] };
  });

  app.post<{ Params: { id: string } }>("/api/threads/:id/reply", async (req, reply) => {
    const id = threadId.safeParse(req.params.id);
    const body = replyBody.safeParse(req.body);
    if (!id.success) return reply.code(400).send({ error: "invalid_thread_id", message: id.error.message });
    if (!body.success) return reply.code(400).send({ error: "invalid_body", message: body.error.message });
    const { userId, text } = body.data;

    const rate = await redis.checkRateLimit(`reply:${userId}`, limit, windowSeconds);
    if (!rate.allowed) {
      const outage = rate.degraded && rate.policy === "fail-closed";
      return reply
        .code(outage ? 503 : 429)
        .header("retry-after", String(rate.retryAfterSeconds))
        .send({
          error: outage ? "rate_limit_unavailable" : "rate_limited",
          retryAfterSeconds: rate.retryAfterSeconds,
          ...(rate.degraded ? { degraded: true, policy: rate.policy } : {}),
        });
    }

    const lockKey = `thread:${id.data}`;
    const lock = await redis.tryAcquireLock(lockKey, ttlSeconds, { waitMs });
    if (!lock.acquired) {
      const outage = lock.reason === "redis-unavailable";
      return reply
        .code(outage ? 503 : 409)
        .header("retry-after", "1")
        .send(
          outage
            ? {
                error: "lock_unavailable",
                degraded: true,
                message: "Redis is unavailable: try again shortly",
              }
            : { error: "thread_busy", message: "The thread is busy: try again" },
        );
    }
    try {
      // The read-modify-write the lock protects: the next reply number of the thread.
      const replies = threads.get(id.data) ?? [];
      const number = replies.length + 1;
      if (writeDelayMs > 0) await new Promise((r) => setTimeout(r, writeDelayMs));
      const created: Reply = { number, userId, text, fence: lock.fence! };
      threads.set(id.data, [...replies, created]);
      return reply.code(201).send({
        reply: created,
        rateLimit: {
          remaining: rate.remaining,
          ...(rate.degraded ? { degraded: true, policy: rate.policy } : {}),
        },
      });
    } finally {
      await redis.releaseLock(lockKey);
    }
  });

  return app;
}
