import type { ServerContext } from "../context.js";
import { registerLockRoutes } from "./locks.js";
import { registerRateLimitRoutes } from "./ratelimits.js";
import { registerBreakerRoutes } from "./breakers.js";

/** Registers the routes of every primitive. Each primitive's routes live in their own file. */
export function registerPrimitiveRoutes(ctx: ServerContext): void {
  registerLockRoutes(ctx);
  registerRateLimitRoutes(ctx);
  registerBreakerRoutes(ctx);
}
