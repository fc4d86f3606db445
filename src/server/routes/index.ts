import type { ServerContext } from "../context.js";
import { registerSessionRoutes } from "./sessions.js";
import { registerMachineRoutes } from "./machines.js";
import { registerEventRoutes } from "./events.js";
import { registerLockRoutes } from "./locks.js";
import { registerRateLimitRoutes } from "./ratelimits.js";
import { registerBreakerRoutes } from "./breakers.js";
import { registerChannelRoutes } from "./channels.js";
import { registerSemaphoreRoutes } from "./semaphores.js";
import { registerInventoryRoutes } from "./inventory.js";
import { registerWaitingRoomRoutes } from "./queues.js";

/** Registers the routes of every primitive. Each primitive's routes live in their own file. */
export function registerPrimitiveRoutes(ctx: ServerContext): void {
  registerSessionRoutes(ctx);
  registerMachineRoutes(ctx);
  registerEventRoutes(ctx);
  registerLockRoutes(ctx);
  registerRateLimitRoutes(ctx);
  registerBreakerRoutes(ctx);
  registerChannelRoutes(ctx);
  registerSemaphoreRoutes(ctx);
  registerInventoryRoutes(ctx);
  registerWaitingRoomRoutes(ctx);
}
