/**
 * Seed 004's two lock routes on a bare Fastify 5 + ioredis (bench/http.ts's peer): Fastify's own
 * JSON parser and serializer, no hooks, no logger, no validation. What Fastify itself costs, to
 * tell it apart from what Holdfast adds on top of it. PORT, HOST, REDIS_HOST, REDIS_PORT.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { acquire, connect, release } from "./seed-lock-core.js";
import { envInt } from "../env.js";

const redis = connect();
const app = Fastify();
const unavailable = { success: false, message: "Lock service unavailable" };
/** One seed route: `op`'s status and body, or the seed's 503 when Redis fails. */
const route = (op: typeof acquire) => async (req: FastifyRequest, reply: FastifyReply) => {
  try {
    const r = await op(redis, (req.body ?? {}) as object);
    return reply.code(r.status).send(r.body);
  } catch {
    return reply.code(503).send(unavailable);
  }
};
app.post("/api/locks/acquire", route(acquire));
app.post("/api/locks/release", route(release));
app.get("/api/locks/health", async () => ({
  success: true,
  healthy: true,
  message: "Lock service is operational",
}));
const port = envInt("PORT", 4000, 1);
await app.listen({ port, host: process.env.HOST ?? "127.0.0.1" });
console.log(`fastify locks on ${port}`);
process.once("SIGTERM", () => {
  redis.disconnect();
  process.exit(0);
});
