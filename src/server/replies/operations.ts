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
  })
  .meta({ id: "StoreHealth" });

export const readinessReply = z.object({ status: z.enum(["ready", "unavailable"]), store: storeHealthReply });
export const livenessReply = z.object({ status: z.literal("ok") });
export const openApiReply = z
  .object({ openapi: z.string(), info: jsonObject, paths: jsonObject })
  .catchall(z.unknown());
