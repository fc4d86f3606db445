/** The sale's public figures and its admin routes (define a sale, list sales, admit by hand). */
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { isStockCapacityError, type Inventory, type ItemState } from "../../src/inventory/index.js";
import type { WaitingRoom } from "../../src/waiting-room/index.js";
import type { Store } from "../../src/store/types.js";
import { common, idSchema, invalid, saleIdOf, saleName, type SaleView } from "./replies.js";

export interface SaleRouteDeps {
  store: Store;
  inventory: Inventory;
  rooms: WaitingRoom;
  adminToken: string | undefined;
  view: (s: ItemState) => SaleView;
  /** This process's counts, shown by `GET /api/v1/admin/stats`. */
  stats: () => Record<string, number>;
  /** Tells the admitter about a sale defined here. */
  defined: (name: string) => void;
}

const defineBody = z.object({
  id: idSchema,
  stock: z.number().int().min(0).max(1_000_000_000),
  perUserLimit: z.number().int().min(1).max(1000).optional(),
});

export function registerSaleRoutes(app: FastifyInstance, deps: SaleRouteDeps): void {
  const { store, inventory, rooms, view } = deps;
  const publicRoute = { config: { scope: "public" as const } };

  const admin = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const auth = request.headers.authorization;
    if (deps.adminToken && auth?.startsWith("Bearer ")) {
      const a = Buffer.from(auth.slice(7));
      const b = Buffer.from(deps.adminToken);
      if (a.length === b.length && timingSafeEqual(a, b)) return true;
    }
    void reply.code(401).send({ success: false, reason: "unauthorized", message: "Admin token required." });
    return false;
  };

  app.get("/api/v1/sales/:id", publicRoute, async (request, reply) => {
    const parsed = z.object({ id: idSchema }).safeParse(request.params);
    if (!parsed.success) return invalid(reply, parsed.error);
    try {
      return { success: true, sale: view(await inventory.get(saleName(parsed.data.id))) };
    } catch (e) {
      return common(reply, e, parsed.data.id);
    }
  });

  app.post("/api/v1/sales", publicRoute, async (request, reply) => {
    if (!admin(request, reply)) return reply;
    const parsed = defineBody.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { id, stock, perUserLimit = 1 } = parsed.data;
    try {
      const { created, ...state } = await inventory.defineItem(saleName(id), {
        stock,
        perHolderLimit: perUserLimit,
      });
      deps.defined(saleName(id));
      return reply.code(created ? 201 : 200).send({ success: true, created, sale: view(state) });
    } catch (e) {
      if (isStockCapacityError(e))
        return reply.code(409).send({ success: false, reason: "stock_capacity", message: e.message });
      return common(reply, e);
    }
  });

  // The operations guide's "what sales are there": SCAN over the inventory items, never KEYS.
  app.get("/api/v1/sales", publicRoute, async (request, reply) => {
    if (!admin(request, reply)) return reply;
    try {
      const sales = [];
      for await (const key of store.scan(store.keys.pattern("inv"))) {
        const name = store.keys.nameOf("inv", key);
        if (name === undefined || saleIdOf(name) === undefined) continue;
        const [state, counts] = await Promise.all([inventory.get(name), rooms.counts(name)]);
        sales.push({ ...view(state), queued: counts.queued, admitted: counts.admitted });
      }
      sales.sort((a, b) => a.id.localeCompare(b.id));
      return { success: true, count: sales.length, sales };
    } catch (e) {
      return common(reply, e);
    }
  });

  app.get("/api/v1/admin/stats", publicRoute, async (request, reply) => {
    if (!admin(request, reply)) return reply;
    return { success: true, stats: deps.stats() };
  });

  app.post("/api/v1/sales/:id/admit", publicRoute, async (request, reply) => {
    if (!admin(request, reply)) return reply;
    const params = z.object({ id: idSchema }).safeParse(request.params);
    if (!params.success) return invalid(reply, params.error);
    const body = z.object({ count: z.number().int().min(1).max(10_000) }).safeParse(request.body ?? {});
    if (!body.success) return invalid(reply, body.error);
    try {
      await inventory.get(saleName(params.data.id));
      const admitted = await rooms.admit(saleName(params.data.id), body.data.count);
      return { success: true, admitted };
    } catch (e) {
      return common(reply, e, params.data.id);
    }
  });
}
