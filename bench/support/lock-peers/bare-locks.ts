/**
 * The floor of a Node HTTP lock service (bench/http.ts's peer): bare `node:http` + ioredis doing
 * seed 004's two commands behind its `/api/locks/acquire` and `/api/locks/release`, nothing else.
 * PORT, HOST, REDIS_HOST, REDIS_PORT.
 */
import { serveSeedRoutes } from "./bare-http.js";
import { acquire, connect, release } from "./seed-lock-core.js";

const redis = connect();
serveSeedRoutes(
  "bare locks",
  { acquire: (body) => acquire(redis, body), release: (body) => release(redis, body) },
  () => redis.disconnect(),
);
