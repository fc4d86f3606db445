import type { ServerContext } from "../context.js";
import { registerLockRoutes } from "./locks.js";

/** Registers the routes of every primitive. Each primitive's routes live in their own file. */
export function registerPrimitiveRoutes(ctx: ServerContext): void {
  registerLockRoutes(ctx);
}
