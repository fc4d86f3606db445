/**
 * Seed 004's appointment slot locks, rebuilt on Holdfast: the seed's routes and response shapes,
 * with the coordination in Holdfast: a lock per slot with fencing tokens, and booking closes that
 * lock (slots.ts), so a booked slot is refused at lock time (`slot_booked`) and a lock that ran out
 * can never book, with no window between the two: two round trips per lock + release or lock + book.
 */
import { readFile } from "node:fs/promises";
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import {
  createLocks,
  isLockConflictError,
  isLockClosedError,
  isLockNotOwnedError,
  isStoreFailure,
  type Locks,
  type Store,
} from "holdfast";
import { appCounter as counter } from "../support/metrics.js";
import { authModeAtStart, buildApp, keyStoreFor } from "holdfast/server";
import { sdkAsset } from "./sdk-assets.js";
import { registerReactPage } from "./react-page.js";
import { SlotBookedError, Slots, StaleLeaseError } from "./slots.js";

export interface AppointmentAppOptions {
  store: Store;
  /** Lease length in ms (seed: LOCK_TTL). @defaultValue 120000 */
  lockTtlMs?: number;
  /** How often the page refreshes a held slot, in ms (seed: LOCK_REFRESH_INTERVAL). @defaultValue 30000 */
  refreshIntervalMs?: number;
  /** Bearer token of the admin routes; without one they answer 401 saying how to turn them on. */
  adminToken?: string;
  keysFile?: string;
  /**
   * The address the app will listen on: without API keys it runs open only on loopback, and refuses
   * to start elsewhere (decided once, as `holdfast serve` does). @defaultValue "127.0.0.1"
   */
  host?: string;
  logLevel?: string;
}

export const slotBody = z.object({
  tenantId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^{}|:\s]+$/, "letters, digits and - _ . only"),
  resourceId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^{}|:\s]+$/, "letters, digits and - _ . only"),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD"),
  startTime: z.string().regex(/^\d{2}:\d{2}$/, "must be HH:MM"),
  duration: z.number().int().min(5).max(480).optional(),
});
export const leaseBody = slotBody.extend({ lockId: z.string().min(1).max(200) });

const SLOT_PART = /^[^{}|:\s]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}$/;
const SLOT_KEYS = ["tenantId", "resourceId", "date", "startTime", "duration"];
const LEASE_KEYS = [...SLOT_KEYS, "lockId"];
const isText = (v: unknown, max: number, pattern?: RegExp): v is string =>
  typeof v === "string" && v.length >= 1 && v.length <= max && (pattern === undefined || pattern.test(v));

/**
 * A slot body (with its `lockId` when `lease`) that is plainly valid, checked by hand: the lock
 * routes run on every click, and zod's safeParse of these five fields cost more CPU than the rest
 * of the route. Gives what `slotBody`/`leaseBody` would, or undefined for zod to decide (and to
 * word every 400). `test/examples/appointment-locks.plain-body.test.ts` checks it against zod.
 */
export function plainSlotBody(body: unknown, lease: true): z.output<typeof leaseBody> | undefined;
export function plainSlotBody(body: unknown, lease: false): z.output<typeof slotBody> | undefined;
export function plainSlotBody(body: unknown, lease: boolean): z.output<typeof slotBody> | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  for (const k in b)
    if (!Object.hasOwn(b, k) || !(lease ? LEASE_KEYS : SLOT_KEYS).includes(k)) return undefined;
  const { tenantId, resourceId, date, startTime, duration, lockId } = b;
  if (!isText(tenantId, 64, SLOT_PART) || !isText(resourceId, 64, SLOT_PART)) return undefined;
  if (!isText(date, 10, DATE) || !isText(startTime, 5, TIME)) return undefined;
  if (lease && !isText(lockId, 200)) return undefined;
  const out: Record<string, unknown> = { tenantId, resourceId, date, startTime };
  if ("duration" in b) {
    if (!(typeof duration === "number" && Number.isInteger(duration) && duration >= 5 && duration <= 480))
      return undefined;
    out.duration = duration;
  }
  if (lease) out.lockId = lockId;
  return out as z.output<typeof slotBody>;
}

const bookingBody = z.object({
  lockId: z.string().min(1).max(200),
  tenantId: slotBody.shape.tenantId,
  specialistId: slotBody.shape.resourceId,
  serviceId: z.string().min(1).max(64),
  date: slotBody.shape.date,
  startTime: slotBody.shape.startTime,
  endTime: z.string().regex(/^\d{2}:\d{2}$/, "must be HH:MM"),
  customerName: z.string().min(1).max(200),
  customerEmail: z.string().email().max(200),
  customerPhone: z.string().max(40).optional(),
  price: z.number().min(0).max(1e6).optional(),
  duration: z.number().int().min(5).max(480).optional(),
});

/** The seed's key: hash-tagged per tenant and resource, so a tenant's slots share a cluster slot. */
export function slotKey(tenantId: string, resourceId: string, date: string, startTime: string): string {
  return `booking_lock:{${tenantId}|${resourceId}}:${date}:${startTime}`;
}

const seedMetrics = {
  acquired: counter("appointments_lock_acquired_total", "Seed 004 app: slot locks acquired."),
  conflicts: counter("appointments_lock_conflicts_total", "Seed 004 app: slot lock conflicts."),
  booked: counter("appointments_booked_total", "Seed 004 app: appointments booked."),
  rejected: counter(
    "appointments_rejected_total",
    "Seed 004 app: bookings refused (lock expired or slot taken).",
  ),
};

function invalid(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const issue = error.issues[0];
  const field = issue.path.join(".");
  return reply
    .code(400)
    .send({ success: false, reason: "invalid_request", field, message: `${field}: ${issue.message}` });
}

function unavailable(reply: FastifyReply): FastifyReply {
  return reply.code(503).header("retry-after", "1").send({
    success: false,
    reason: "lock_service_unavailable",
    message: "The lock service is unavailable; nothing was locked. Try again shortly.",
  });
}

/** Builds the app: the Holdfast service (`/v1`, `/healthz`, `/metrics`…) plus the seed's routes and page. */
export async function buildAppointmentApp(options: AppointmentAppOptions): Promise<FastifyInstance> {
  const { store } = options;
  const lockTtlMs = options.lockTtlMs ?? 120_000;
  const refreshIntervalMs = options.refreshIntervalMs ?? 30_000;
  const keyStore = keyStoreFor(store, options.keysFile ?? ".holdfast/keys.json");
  const { app } = await buildApp({
    store,
    keyStore,
    authMode: await authModeAtStart(keyStore, options.host),
    logLevel: options.logLevel ?? "info",
  });
  const locks: Locks = createLocks(store, { ttlMs: lockTtlMs });
  const slots = new Slots(locks);
  const publicRoute = { config: { scope: "public" as const } };

  const adminOnly = (authorization: string | undefined): boolean => {
    if (!options.adminToken || !authorization?.startsWith("Bearer ")) return false;
    const a = Buffer.from(authorization.slice(7));
    const b = Buffer.from(options.adminToken);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const slotBooked = (reply: FastifyReply) =>
    reply.code(409).send({
      success: false,
      locked: false,
      reason: "slot_booked",
      message: "This slot has already been booked. Please choose another.",
    });
  const slotLocked = (reply: FastifyReply, remainingTTL: number) =>
    reply.code(409).send({
      success: false,
      locked: false,
      reason: "slot_locked",
      message: "Slot is currently locked by another user",
      remainingTTL,
    });

  const adminRefused = (reply: FastifyReply) =>
    reply.code(401).send({
      success: false,
      message: options.adminToken
        ? "Admin token required"
        : "Admin token required: the admin routes are off. Start the app with ADMIN_TOKEN=<token> and send Authorization: Bearer <token>.",
    });

  app.post("/api/locks/acquire", publicRoute, async (request, reply) => {
    const plain = plainSlotBody(request.body, false);
    const parsed = plain ? { success: true as const, data: plain } : slotBody.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { tenantId, resourceId, date, startTime, duration } = parsed.data;
    const key = slotKey(tenantId, resourceId, date, startTime);
    try {
      // One round trip: refused if the slot is booked (its lock was closed) or held.
      const lease = await slots.lock(key, lockTtlMs, { tenantId, resourceId, date, startTime, duration });
      seedMetrics.acquired.inc();
      return {
        success: true,
        locked: true,
        lockId: lease.token,
        expiresIn: lockTtlMs,
        expiresAt: lease.expiresAt,
        fence: lease.fence,
      };
    } catch (e) {
      if (e instanceof SlotBookedError) {
        seedMetrics.conflicts.inc();
        return slotBooked(reply);
      }
      if (isLockConflictError(e)) {
        // The holder may be booking it right now: once it has, the next try gets slot_booked.
        seedMetrics.conflicts.inc();
        return slotLocked(reply, e.remainingTtlMs);
      }
      if (isStoreFailure(e)) return unavailable(reply);
      throw e;
    }
  });

  app.post("/api/locks/refresh", publicRoute, async (request, reply) => {
    const parsed = leaseBody.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { tenantId, resourceId, date, startTime, lockId } = parsed.data;
    try {
      const lease = await locks.refresh(
        { key: slotKey(tenantId, resourceId, date, startTime), token: lockId },
        lockTtlMs,
      );
      return {
        success: true,
        locked: true,
        lockId: lease.token,
        expiresIn: lockTtlMs,
        expiresAt: lease.expiresAt,
      };
    } catch (e) {
      // A booked slot's lock is closed: the reservation is over either way.
      if (isLockNotOwnedError(e) || isLockClosedError(e)) {
        return reply.code(409).send({
          success: false,
          locked: false,
          reason: "lock_expired",
          message: "Your reservation expired. Please select a time slot again.",
        });
      }
      if (isStoreFailure(e)) return unavailable(reply);
      throw e;
    }
  });

  app.post("/api/locks/release", publicRoute, async (request, reply) => {
    const plain = plainSlotBody(request.body, true);
    const parsed = plain ? { success: true as const, data: plain } : leaseBody.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { tenantId, resourceId, date, startTime, lockId } = parsed.data;
    try {
      await locks.release({ key: slotKey(tenantId, resourceId, date, startTime), token: lockId });
      return { success: true, released: true };
    } catch (e) {
      if (isLockNotOwnedError(e) || isLockClosedError(e))
        return { success: true, released: false, message: "The lock had already expired or was released." };
      if (isStoreFailure(e)) return unavailable(reply);
      throw e;
    }
  });

  app.post("/api/appointments", publicRoute, async (request, reply) => {
    const parsed = bookingBody.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const b = parsed.data;
    const key = slotKey(b.tenantId, b.specialistId, b.date, b.startTime);
    try {
      // One round trip: books only while this lockId is the slot's live holder (never a lease that
      // ran out), ends the lock and refuses every later lock of the slot, all in one step.
      const { lockId: _lockId, ...appointment } = b;
      await slots.book({ key, token: b.lockId }, appointment);
      seedMetrics.booked.inc();
      return reply
        .code(201)
        .send({ success: true, appointment: { id: key, status: "booked", ...appointment } });
    } catch (e) {
      if (e instanceof StaleLeaseError) {
        seedMetrics.rejected.inc();
        return reply.code(409).send({
          success: false,
          reason: "lock_expired",
          message: "Your reservation expired or belongs to someone else. Please select a time slot again.",
        });
      }
      if (e instanceof SlotBookedError) {
        seedMetrics.rejected.inc();
        return reply
          .code(409)
          .send({ success: false, reason: "slot_booked", message: "This slot has already been booked." });
      }
      if (isStoreFailure(e)) return unavailable(reply);
      throw e;
    }
  });

  app.get("/api/slots", publicRoute, async (request, reply) => {
    const q = z
      .object({
        tenantId: slotBody.shape.tenantId,
        resourceId: slotBody.shape.resourceId,
        date: slotBody.shape.date,
      })
      .safeParse(request.query);
    if (!q.success) return invalid(reply, q.error);
    const times = ["09:00", "10:00", "11:00", "14:00", "15:00", "16:00"];
    const list = await Promise.all(
      times.map(async (startTime) => {
        const key = slotKey(q.data.tenantId, q.data.resourceId, q.data.date, startTime);
        const [booked, lock] = await Promise.all([slots.isBooked(key), locks.get(key)]);
        const status = booked ? "booked" : lock ? "held" : "free";
        return { startTime, status, ...(lock && !booked ? { remainingTTL: lock.remainingTtlMs } : {}) };
      }),
    );
    return { success: true, slots: list };
  });

  app.get("/api/locks/health", publicRoute, async (_request, reply) => {
    const h = await store.health();
    if (h.status !== "ok")
      return reply
        .code(503)
        .send({ success: false, healthy: false, message: `Lock service is unavailable: ${h.error}` });
    return {
      success: true,
      healthy: true,
      message: "Lock service is operational",
      latencyMs: h.latencyMs,
      store: h.kind,
    };
  });

  app.get("/api/locks/admin/active", publicRoute, async (request, reply) => {
    if (!adminOnly(request.headers.authorization)) return adminRefused(reply);
    const tenantId = (request.query as { tenantId?: string }).tenantId;
    const all = await locks.list({
      prefix: tenantId ? `booking_lock:{${tenantId}|` : "booking_lock:",
      limit: 1000,
    });
    return {
      success: true,
      count: all.length,
      locks: all.map((l) => ({ key: l.key, remainingTTL: l.remainingTtlMs, fence: l.fence, ...l.metadata })),
    };
  });

  app.get("/api/locks/metrics", publicRoute, async (request, reply) => {
    if (!adminOnly(request.headers.authorization)) return adminRefused(reply);
    const value = async (c: { get(): Promise<{ values: { value: number }[] }> }) =>
      (await c.get()).values.reduce((n, v) => n + v.value, 0);
    return {
      success: true,
      metrics: {
        locksAcquired: await value(seedMetrics.acquired),
        lockConflicts: await value(seedMetrics.conflicts),
        appointmentsBooked: await value(seedMetrics.booked),
        bookingsRejected: await value(seedMetrics.rejected),
        lockTtlMs,
        refreshIntervalMs,
      },
    };
  });

  app.get("/", publicRoute, async (_request, reply) =>
    reply
      .type("text/html; charset=utf-8")
      .send(
        (await readFile(new URL("./public/index.html", import.meta.url), "utf8")).replace(
          "__REFRESH_INTERVAL_MS__",
          String(refreshIntervalMs),
        ),
      ),
  );
  app.get("/app.js", publicRoute, async (_request, reply) =>
    reply
      .type("text/javascript; charset=utf-8")
      .send(await readFile(new URL("./public/app.js", import.meta.url), "utf8")),
  );
  registerReactPage(app, { refreshIntervalMs });
  app.get("/sdk/:file", publicRoute, async (request, reply) => {
    const js = await sdkAsset((request.params as { file: string }).file);
    if (js === undefined) return reply.code(404).send({ success: false, message: "no such SDK file" });
    return reply.type("text/javascript; charset=utf-8").send(js);
  });
  return app;
}
