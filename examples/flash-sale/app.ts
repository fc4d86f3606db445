/**
 * Seed 001's flash sale, rebuilt on Holdfast: a waiting room in front of the sale, holds of stock
 * with a TTL that give their units back by themselves when a buyer walks away, idempotent
 * reservations, sessions with a 24 h TTL, and the seed's debug routes behind a flag.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import {
  createInventory,
  isHoldExpiredError,
  isHoldFinishedError,
  isHoldNotFoundError,
  isHolderLimitError,
  isInsufficientStockError,
  type ItemState,
} from "../../src/inventory/index.js";
import { createWaitingRoom } from "../../src/waiting-room/index.js";
import { createSessions } from "../../src/session/index.js";
import { isStoreFailure } from "../../src/errors/index.js";
import type { Store } from "../../src/store/types.js";
import { buildApp } from "../../src/server/app.js";
import { authModeAtStart, keyStoreFor } from "../../src/server/serve.js";
import { Admitter } from "./admitter.js";
import { registerDebugRoutes } from "./debug-routes.js";
import { registerSaleRoutes } from "./sale-routes.js";
import { common, idSchema, invalid, saleIdOf, saleName, type SaleView } from "./replies.js";
import { newLoginToken, ReservationIds, userHintOf } from "./tokens.js";
import { FlashSaleStats } from "./stats.js";

/** A sale defined at start-up (kept as is when it already exists: its stock is never reset). */
export interface SaleConfig {
  id: string;
  stock: number;
  /** Most units one buyer may hold + buy. @defaultValue 1 */
  perUserLimit?: number;
}

/** Options of {@link buildFlashSaleApp}. */
export interface FlashSaleOptions {
  store: Store;
  /** Sales to define at start-up (`SALES=sale-1:200,sale-2:50`). @defaultValue [] */
  sales?: SaleConfig[];
  /** Lifetime of a reservation, in ms (the seed's 5 minutes). @defaultValue 300000 */
  holdTtlMs?: number;
  /** How long an admission out of the waiting room lasts, in ms. @defaultValue 300000 */
  admissionTtlMs?: number;
  /** How long a queued buyer keeps their place without polling, in ms. @defaultValue 60000 */
  heartbeatTtlMs?: number;
  /** Lifetime of a login session, in ms (the seed's 24 h). @defaultValue 86400000 */
  sessionTtlMs?: number;
  /** Run the background admitter. @defaultValue true */
  admitter?: boolean;
  /** Admitter: pause between rounds in ms. @defaultValue 1000 */
  admitIntervalMs?: number;
  /** Admitter: most users admitted per sale and round. @defaultValue 50 */
  admitBatch?: number;
  /** Admitter: most users of one sale holding an admission at once. @defaultValue 1000 */
  maxActiveBuyers?: number;
  /** Admitter: how often it looks for sales defined on other instances (SCAN), in ms. @defaultValue 10000 */
  admitRescanMs?: number;
  /**
   * Runs the inventory sweeper every this many ms, so that lapsed reservations of sales nobody
   * touches are reclaimed (and counted) promptly. Never needed for correctness: every call on a
   * sale reclaims its lapsed reservations first. Each pass SCANs the whole keyspace.
   * @defaultValue off
   */
  sweepIntervalMs?: number;
  /** Bearer token of the admin routes; they answer 401 when unset. */
  adminToken?: string;
  /** HMAC secret of reservation ids; share it between instances. @defaultValue random per process */
  reservationSecret?: string;
  /** Mounts the seed's `/api/v1/debug/*` routes (ENABLE_DEBUG_ROUTES=true). @defaultValue false */
  enableDebugRoutes?: boolean;
  keysFile?: string;
  /**
   * The address the app will listen on: without API keys it runs open only on loopback, and refuses
   * to start elsewhere (decided once, as `holdfast serve` does). @defaultValue "127.0.0.1"
   */
  host?: string;
  logLevel?: string;
}

export interface FlashSaleApp {
  app: FastifyInstance;
  /** What this process saw happen (expired holds are counted by the process that reclaimed them). */
  stats: FlashSaleStats;
  admitter: Admitter | undefined;
}

const saleQuery = z.object({ flashSaleId: idSchema });
const reserveBody = z.object({
  flashSaleId: idSchema,
  quantity: z.number().int().min(1).max(100).optional(),
});
const idempotencyKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

/** Builds the app: the Holdfast service (`/v1`, `/healthz`, `/metrics`…) plus the sale's routes. */
export async function buildFlashSaleApp(options: FlashSaleOptions): Promise<FlashSaleApp> {
  const { store } = options;
  const holdTtlMs = options.holdTtlMs ?? 300_000;
  const keyStore = keyStoreFor(store, options.keysFile ?? ".holdfast/keys.json");
  const { app } = await buildApp({
    store,
    keyStore,
    authMode: await authModeAtStart(keyStore, options.host),
    logLevel: options.logLevel ?? "info",
  });
  const inventory = createInventory(store, { defaultHoldTtlMs: holdTtlMs });
  const rooms = createWaitingRoom(store, {
    admissionTtlMs: options.admissionTtlMs ?? 300_000,
    heartbeatTtlMs: options.heartbeatTtlMs ?? 60_000,
  });
  const sessions = createSessions<{ userId: string }>(store, { ttlMs: options.sessionTtlMs ?? 86_400_000 });
  const reservationIds = new ReservationIds(options.reservationSecret ?? randomBytes(32).toString("hex"));
  const stats = new FlashSaleStats();
  const publicRoute = { config: { scope: "public" as const } };

  for (const sale of options.sales ?? []) {
    await inventory.defineItem(saleName(sale.id), {
      stock: sale.stock,
      perHolderLimit: sale.perUserLimit ?? 1,
    });
  }
  const expired = inventory.onExpired((e) => stats.expired(e.quantity));
  const sweeper =
    options.sweepIntervalMs === undefined
      ? undefined
      : inventory.startSweeper({ intervalMs: options.sweepIntervalMs });
  const admitter =
    options.admitter === false
      ? undefined
      : new Admitter(
          store,
          inventory,
          rooms,
          {
            intervalMs: options.admitIntervalMs ?? 1000,
            batch: options.admitBatch ?? 50,
            maxActive: options.maxActiveBuyers ?? 1000,
            rescanMs: options.admitRescanMs ?? 10_000,
          },
          app.log,
        );
  const defined = (name: string): void => admitter?.add(name);
  admitter?.start();
  for (const sale of options.sales ?? []) defined(saleName(sale.id));
  app.addHook("onClose", async () => {
    await admitter?.stop();
    await sweeper?.stop();
    expired.dispose();
  });

  /** The buyer behind the bearer token, or a 401 already sent. */
  const buyer = async (request: FastifyRequest, reply: FastifyReply): Promise<string | undefined> => {
    const auth = request.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7).trim() : "";
    const user = token ? userHintOf(token) : undefined;
    const session = user === undefined ? null : await sessions.get(token, { user });
    if (session) return session.user;
    void reply
      .code(401)
      .send({ success: false, reason: "unauthorized", message: "Log in first: POST /api/v1/auth/login." });
    return undefined;
  };

  const view = (s: ItemState): SaleView => ({
    id: saleIdOf(s.item) ?? s.item,
    total: s.total,
    available: s.available,
    held: s.held,
    sold: s.sold,
    soldOut: s.available === 0 && s.held === 0,
  });

  app.post("/api/v1/auth/login", publicRoute, async (request, reply) => {
    const parsed = z.object({ userId: idSchema }).safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { userId } = parsed.data;
    const token = newLoginToken(userId);
    try {
      const session = await sessions.put(token, { user: userId, data: { userId } });
      return { success: true, token, userId, expiresInMs: session.expiresInMs };
    } catch (e) {
      return common(reply, e);
    }
  });

  app.post("/api/v1/auth/logout", publicRoute, async (request, reply) => {
    try {
      const user = await buyer(request, reply);
      if (user === undefined) return reply;
      const token = request.headers.authorization!.slice(7).trim();
      return { success: true, loggedOut: await sessions.revoke(token, { user }) };
    } catch (e) {
      return common(reply, e);
    }
  });

  app.post("/api/v1/queue/join", publicRoute, async (request, reply) => {
    const parsed = saleQuery.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { flashSaleId } = parsed.data;
    try {
      const user = await buyer(request, reply);
      if (user === undefined) return reply;
      await inventory.get(saleName(flashSaleId)); // 404 for an unknown sale, before anyone queues
      return { success: true, flashSaleId, ...(await rooms.join(saleName(flashSaleId), user)) };
    } catch (e) {
      return common(reply, e, flashSaleId);
    }
  });

  app.get("/api/v1/queue/position", publicRoute, async (request, reply) => {
    const parsed = saleQuery.safeParse(request.query);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { flashSaleId } = parsed.data;
    try {
      const user = await buyer(request, reply);
      if (user === undefined) return reply;
      const [place, sale] = await Promise.all([
        rooms.position(saleName(flashSaleId), user),
        inventory.get(saleName(flashSaleId)),
      ]);
      return { success: true, flashSaleId, ...place, sale: view(sale) };
    } catch (e) {
      return common(reply, e, flashSaleId);
    }
  });

  app.post("/api/v1/queue/leave", publicRoute, async (request, reply) => {
    const parsed = saleQuery.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    try {
      const user = await buyer(request, reply);
      if (user === undefined) return reply;
      return { success: true, left: await rooms.leave(saleName(parsed.data.flashSaleId), user) };
    } catch (e) {
      return common(reply, e);
    }
  });

  app.post("/api/v1/reservations", publicRoute, async (request, reply) => {
    const parsed = reserveBody.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const header = request.headers["idempotency-key"];
    const key = header === undefined ? undefined : idempotencyKey.safeParse(header);
    if (key && !key.success) return invalid(reply, key.error);
    const { flashSaleId, quantity = 1 } = parsed.data;
    const name = saleName(flashSaleId);
    try {
      const user = await buyer(request, reply);
      if (user === undefined) return reply;
      if (!(await rooms.isAdmitted(name, user))) {
        return reply.code(403).send({
          success: false,
          reason: "not_admitted",
          message: "Wait for your turn: join the queue and poll GET /api/v1/queue/position.",
        });
      }
      const hold = await inventory.hold(name, {
        holder: user,
        quantity,
        ttlMs: holdTtlMs,
        // Scoped to the buyer: two buyers using the same key never share a hold.
        idempotencyKey: key ? `${user}|${key.data}` : undefined,
      });
      stats.reserved();
      return reply.code(201).send({
        success: true,
        reservation: {
          id: reservationIds.encode(user, hold.holdId),
          flashSaleId,
          quantity: hold.quantity,
          expiresAt: hold.expiresAt,
          ttlMs: holdTtlMs,
        },
      });
    } catch (e) {
      if (isInsufficientStockError(e)) {
        const s = await inventory.get(name).catch(() => undefined);
        // Units can still come back (lapsed or cancelled reservations) unless none is held either.
        const allHeld = s === undefined || s.available > 0 || s.held > 0;
        if (allHeld) void reply.header("retry-after", "1");
        return reply.code(409).send({
          success: false,
          reason: allHeld ? "all_held" : "sold_out",
          message: allHeld
            ? "Every unit is reserved; some may come back when reservations lapse. Try again shortly."
            : "Sold out.",
          available: e.available,
          ...(s ? { held: s.held, sold: s.sold } : {}),
        });
      }
      if (isHolderLimitError(e)) {
        return reply.code(409).send({
          success: false,
          reason: "limit_reached",
          message: `At most ${e.limit} unit(s) per buyer.`,
          limit: e.limit,
        });
      }
      if (isHoldExpiredError(e) || isHoldFinishedError(e)) {
        return reply.code(409).send({
          success: false,
          reason: "idempotency_key_used",
          message: "This Idempotency-Key belongs to a reservation that has ended; use a new key.",
        });
      }
      return common(reply, e, flashSaleId);
    }
  });

  const reservationParam = z.object({ id: z.string().min(1).max(700) });

  app.post("/api/v1/reservations/:id/confirm", publicRoute, async (request, reply) => {
    const parsed = reservationParam.safeParse(request.params);
    if (!parsed.success) return invalid(reply, parsed.error);
    try {
      const user = await buyer(request, reply);
      if (user === undefined) return reply;
      const holdId = reservationIds.decode(user, parsed.data.id);
      if (holdId === undefined) return notFound(reply);
      const { hold, committed } = await inventory.commit(holdId);
      if (committed) {
        stats.confirmed(hold.quantity);
        // Frees the buyer's admission for the next in line; the sale is already safe if this fails.
        await rooms.leave(hold.item, user).catch((e: unknown) => {
          if (!isStoreFailure(e)) throw e;
        });
      }
      return {
        success: true,
        order: {
          reservationId: parsed.data.id,
          flashSaleId: saleIdOf(hold.item),
          quantity: hold.quantity,
          status: "confirmed",
        },
        alreadyConfirmed: !committed,
      };
    } catch (e) {
      if (isHoldExpiredError(e)) {
        return reply.code(409).send({
          success: false,
          reason: "reservation_expired",
          message: "Your reservation expired and its units went back on sale. Reserve again.",
          expiredAt: e.expiredAt,
        });
      }
      if (isHoldFinishedError(e)) {
        return reply.code(409).send({
          success: false,
          reason: "reservation_released",
          message: "This reservation was cancelled. Reserve again.",
        });
      }
      if (isHoldNotFoundError(e)) return notFound(reply);
      return common(reply, e);
    }
  });

  app.delete("/api/v1/reservations/:id", publicRoute, async (request, reply) => {
    const parsed = reservationParam.safeParse(request.params);
    if (!parsed.success) return invalid(reply, parsed.error);
    try {
      const user = await buyer(request, reply);
      if (user === undefined) return reply;
      const holdId = reservationIds.decode(user, parsed.data.id);
      if (holdId === undefined) return notFound(reply);
      const { outcome } = await inventory.release(holdId);
      if (outcome === "released") stats.released();
      return { success: true, released: outcome === "released", outcome };
    } catch (e) {
      if (isHoldNotFoundError(e)) return notFound(reply);
      return common(reply, e);
    }
  });

  registerSaleRoutes(app, {
    stats: () => ({ ...stats, usersAdmitted: admitter?.admitted ?? 0 }),
    store,
    inventory,
    rooms,
    adminToken: options.adminToken,
    view,
    defined,
  });
  if (options.enableDebugRoutes) registerDebugRoutes(app, { store, inventory, rooms, sessions, holdTtlMs });
  return { app, stats, admitter };
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).send({
    success: false,
    reason: "reservation_not_found",
    message: "No such reservation of yours (or it ended long ago).",
  });
}
