/**
 * The threading service's HTTP API: replies to a thread are numbered under the thread's lock and
 * limited per user (shared by every instance). The replies and their numbers live in the store
 * (threads.ts: each thread is a versioned state machine whose history is its list of replies), so
 * any number of instances on one Redis agree on every thread and never hand out a number twice.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { holdfastRegistry, isStoreFailure } from "holdfast";
import { z } from "zod";
import type { RedisHelpers } from "./helpers.js";
import { MAX_PAGE, Threads, ThreadMovedError, type Reply } from "./threads.js";

export type { Reply } from "./threads.js";

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

const threadId = z.string().regex(/^[\w-]{1,64}$/, "letters, digits, - and _ only (≤ 64)");
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
  after: z
    .string()
    .regex(/^\d{1,20}-\d{1,20}$/, "a nextCursor from a previous page")
    .optional(),
});
const replyBody = z.object({
  userId: z.string().regex(/^[\w-]{1,64}$/, "letters, digits, - and _ only (≤ 64)"),
  text: z.string().min(1).max(10_000),
});

function unavailable(reply: FastifyReply): FastifyReply {
  return reply.code(503).header("retry-after", "1").send({
    error: "store_unavailable",
    degraded: true,
    message: "Redis is unavailable: the thread cannot be read or written. Try again shortly.",
  });
}

/**
 * Builds the app.
 * - `POST /api/threads/:id/reply` `{ userId, text }` → 201 `{ reply, rateLimit }`; 429 over the
 *   per-user limit; 409 `thread_busy` when the thread stays locked past `lockWaitMs`, 409
 *   `thread_moved` when the lock was lost mid-write and someone replied meanwhile (nothing written);
 *   503 when Redis cannot answer (locks fail closed; rate limits per `RATE_LIMIT_ON_REDIS_DOWN`);
 *   400 for bad input.
 * - `GET /api/threads/:id?limit=&after=` → `{ thread, replies, nextCursor? }`, oldest first, the
 *   same on every instance; 503 when the store cannot answer.
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
  const threads = new Threads(redis.sharedStore);
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
    const page = pageQuery.safeParse(req.query);
    if (!page.success) return reply.code(400).send({ error: "invalid_query", message: page.error.message });
    try {
      return { thread: id.data, ...(await threads.list(id.data, page.data)) };
    } catch (e) {
      if (isStoreFailure(e)) return unavailable(reply);
      throw e;
    }
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
      // The read-modify-write the lock protects: the next reply number of the thread. The number is
      // the version the thread was read at, and the write is refused if it moved since.
      const number = await threads.nextNumber(id.data);
      if (writeDelayMs > 0) await new Promise((r) => setTimeout(r, writeDelayMs));
      const created: Reply = await threads.append(id.data, number, { userId, text, fence: lock.fence! });
      return reply.code(201).send({
        reply: created,
        rateLimit: {
          remaining: rate.remaining,
          ...(rate.degraded ? { degraded: true, policy: rate.policy } : {}),
        },
      });
    } catch (e) {
      if (e instanceof ThreadMovedError)
        return reply.code(409).header("retry-after", "1").send({ error: "thread_moved", message: e.message });
      if (isStoreFailure(e)) return unavailable(reply);
      throw e;
    } finally {
      await redis.releaseLock(lockKey);
    }
  });

  return app;
}
