/** Reply schemas of the operations routes (health, readiness, the API description). */
import { z } from "zod";
import { jsonObject } from "./common.js";

export const storeHealthReply = z
  .object({
    status: z.enum(["ok", "down"]),
    kind: z.enum(["memory", "redis"]),
    mode: z.enum(["memory", "standalone", "sentinel", "cluster"]),
    latencyMs: z.number(),
    serverVersion: z.string(),
    error: z.string().optional(),
    /** The memory store's budget: the bytes its data takes and the most it may take. */
    memory: z.object({ usedBytes: z.number(), maxBytes: z.number() }).optional(),
  })
  .meta({ id: "StoreHealth" });

export const readinessReply = z.object({
  status: z.enum(["ready", "unavailable", "draining"]),
  store: storeHealthReply.extend({ checkedAt: z.number() }),
  auth: z
    .object({ mode: z.enum(["open", "keys"]), activeKeys: z.number(), refusedKeys: z.number() })
    .optional(),
  /** Why the service is not ready, in words, with what to do. */
  problems: z.array(z.string()).optional(),
});
export const livenessReply = z.object({ status: z.literal("ok") });
export const openApiReply = z
  .object({ openapi: z.string(), info: jsonObject, paths: jsonObject })
  .catchall(z.unknown());
