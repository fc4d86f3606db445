/**
 * Seed 004's approach by hand on Express 5 + ioredis (bench/http.ts's peer): `express.json()`,
 * the seed's `/api/locks/acquire` and `/api/locks/release`. PORT, HOST, REDIS_HOST, REDIS_PORT.
 */
import express from "express";
import { acquire, connect, release } from "./seed-lock-core.js";
import { envInt } from "../env.js";

const redis = connect();
const app = express();
app.use(express.json());
app.post("/api/locks/acquire", async (req, res) => {
  try {
    const r = await acquire(redis, (req.body ?? {}) as object);
    res.status(r.status).json(r.body);
  } catch {
    res.status(503).json({ success: false, message: "Lock service unavailable" });
  }
});
app.post("/api/locks/release", async (req, res) => {
  try {
    const r = await release(redis, (req.body ?? {}) as object);
    res.status(r.status).json(r.body);
  } catch {
    res.status(503).json({ success: false, message: "Lock service unavailable" });
  }
});
app.get("/api/locks/health", (_req, res) => {
  res.json({ success: true, healthy: true, message: "Lock service is operational" });
});
const port = envInt("PORT", 4000, 1);
app.listen(port, process.env.HOST ?? "127.0.0.1", () => console.log(`express locks on ${port}`));
process.once("SIGTERM", () => {
  redis.disconnect();
  process.exit(0);
});
