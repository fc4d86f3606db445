/**
 * The seed's debug routes, mounted only when ENABLE_DEBUG_ROUTES=true (404 otherwise). They act on
 * any user without a login, so never enable them in production.
 *
 * The seed released a reservation by `{ flashSaleId, userId }`; a Holdfast hold is released by its
 * id, so the debug reserve remembers the hold id of each (sale, user) in a short-lived record
 * (Holdfast sessions used as a small TTL map: stored hashed, expiring with the hold).
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { isHolderLimitError, isInsufficientStockError, type Inventory } from "../../src/inventory/index.js";
import type { WaitingRoom } from "../../src/waiting-room/index.js";
import type { Sessions } from "../../src/session/index.js";
import type { Store } from "../../src/store/types.js";
import { common, idSchema, invalid, saleName } from "./replies.js";

export interface DebugDeps {
  store: Store;
  inventory: Inventory;
  rooms: WaitingRoom;
  sessions: Sessions<{ userId: string }>;
  holdTtlMs: number;
}

const pair = z.object({ flashSaleId: idSchema, userId: idSchema });
const reserveBody = pair.extend({
  quantity: z.number().int().min(1).max(1000),
  ttlSeconds: z.number().int().min(1).max(86_400).optional(),
});

/** How long a released or expired hold's pointer outlives it (the inventory's tombstone time). */
const POINTER_GRACE_MS = 900_000;

export function registerDebugRoutes(app: FastifyInstance, deps: DebugDeps): void {
  const { store, inventory, rooms, holdTtlMs } = deps;
  const pointers = deps.sessions as unknown as Sessions<{ holdId: string }>;
  const pointer = (saleId: string, userId: string) => ({
    token: `debug-hold|${saleId}|${userId}`,
    user: `debug|${userId}`,
  });
  const route = { config: { scope: "public" as const } };

  app.get("/api/v1/debug/redis/ping", route, async (_request, reply) => {
    const h = await store.health();
    return reply.code(h.status === "ok" ? 200 : 503).send({
      success: h.status === "ok",
      status: h.status === "ok" ? "connected" : "disconnected",
      latencyMs: h.latencyMs,
      version: h.serverVersion,
      store: h.kind,
      mode: h.mode,
      ...(h.error ? { error: h.error } : {}),
    });
  });

  app.post("/api/v1/debug/inventory/reserve", route, async (request, reply) => {
    const parsed = reserveBody.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { flashSaleId, userId, quantity, ttlSeconds } = parsed.data;
    const ttlMs = ttlSeconds === undefined ? holdTtlMs : ttlSeconds * 1000;
    try {
      const hold = await inventory.hold(saleName(flashSaleId), { holder: userId, quantity, ttlMs });
      const p = pointer(flashSaleId, userId);
      await pointers.put(p.token, {
        user: p.user,
        data: { holdId: hold.holdId },
        ttlMs: ttlMs + POINTER_GRACE_MS,
      });
      const state = await inventory.get(saleName(flashSaleId));
      return {
        success: true,
        reservation: { holdId: hold.holdId, flashSaleId, userId, quantity, expiresAt: hold.expiresAt, ttlMs },
        inventory: { available: state.available, held: state.held, sold: state.sold },
      };
    } catch (e) {
      if (isInsufficientStockError(e))
        return reply
          .code(409)
          .send({ success: false, reason: "insufficient_stock", available: e.available, message: e.message });
      if (isHolderLimitError(e))
        return reply
          .code(409)
          .send({ success: false, reason: "limit_reached", limit: e.limit, message: e.message });
      return common(reply, e, flashSaleId);
    }
  });

  app.post("/api/v1/debug/inventory/release", route, async (request, reply) => {
    const parsed = pair.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { flashSaleId, userId } = parsed.data;
    try {
      const p = pointer(flashSaleId, userId);
      const found = await pointers.get(p.token, { user: p.user });
      if (!found?.data) return { success: true, released: false, outcome: "none" };
      const { outcome } = await inventory.release(found.data.holdId);
      await pointers.revoke(p.token, { user: p.user });
      const state = await inventory.get(saleName(flashSaleId));
      return {
        success: true,
        released: outcome === "released",
        outcome,
        inventory: { available: state.available, held: state.held, sold: state.sold },
      };
    } catch (e) {
      return common(reply, e, flashSaleId);
    }
  });

  app.post("/api/v1/debug/queue/join", route, async (request, reply) => {
    const parsed = pair.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    try {
      return { success: true, ...(await rooms.join(saleName(parsed.data.flashSaleId), parsed.data.userId)) };
    } catch (e) {
      return common(reply, e);
    }
  });

  app.post("/api/v1/debug/queue/leave", route, async (request, reply) => {
    const parsed = pair.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    try {
      return {
        success: true,
        left: await rooms.leave(saleName(parsed.data.flashSaleId), parsed.data.userId),
      };
    } catch (e) {
      return common(reply, e);
    }
  });

  app.get("/api/v1/debug/queue/:flashSaleId/length", route, async (request, reply) => {
    const parsed = z.object({ flashSaleId: idSchema }).safeParse(request.params);
    if (!parsed.success) return invalid(reply, parsed.error);
    try {
      return {
        success: true,
        flashSaleId: parsed.data.flashSaleId,
        length: await rooms.length(saleName(parsed.data.flashSaleId)),
      };
    } catch (e) {
      return common(reply, e);
    }
  });

  app.get("/api/v1/debug/queue/:flashSaleId/position/:userId", route, async (request, reply) => {
    const parsed = pair.safeParse(request.params);
    if (!parsed.success) return invalid(reply, parsed.error);
    try {
      return {
        success: true,
        ...parsed.data,
        ...(await rooms.position(saleName(parsed.data.flashSaleId), parsed.data.userId)),
      };
    } catch (e) {
      return common(reply, e);
    }
  });
}
