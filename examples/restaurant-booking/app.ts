/**
 * Seed 000's restaurant booking with a V3 assignment pipeline, rebuilt on Holdfast: the seed's
 * `POST /api/bookings`, the booking's state and history, and the seed's "check state transitions"
 * SQL as an API route, on top of the Holdfast service (`/v1/...`, `/healthz`, `/metrics`).
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import {
  CircuitBreaker,
  createConcurrencyLimiter,
  createEventLog,
  createInventory,
  createLocks,
  createMachine,
  isEntityExistsError,
  isEntityNotFoundError,
  isLockConflictError,
  isLockLostError,
  isStoreFailure,
  isTaskTimeoutError,
  isVersionConflictError,
  type Store,
  TimeoutPolicy,
} from "holdfast";
import { authModeAtStart, buildApp, keyStoreFor } from "holdfast/server";
import { appCounter as counter } from "../support/metrics.js";
import { bookingMachine, type BookingState } from "./booking-machine.js";
import { checkCatalogue, DEMO_RESTAURANTS, startTimeProblem, type Restaurant } from "./catalogue.js";
import { AssignmentCoordinator, type Booking } from "./coordinator.js";
import { AssignmentEngine, TableAssignmentError } from "./engine.js";
import { BOOKING_ID, LiveBookings } from "./live.js";
import { registerBookingPage } from "./page.js";

export interface RestaurantAppOptions {
  store: Store;
  /** The restaurants and their tables. @defaultValue {@link DEMO_RESTAURANTS} */
  restaurants?: readonly Restaurant[];
  /**
   * The assignment engine (tests pass one to share or instrument it).
   * @defaultValue a new engine on `store`
   */
  engine?: AssignmentEngine;
  /** Assignments in flight per restaurant, across every instance (the seed: 5). @defaultValue 5 */
  maxConcurrentAssignments?: number;
  /** How long an assignment waits for one of those slots, in ms. @defaultValue 10000 */
  assignmentQueueTimeoutMs?: number;
  /** How long one assignment call may take, in ms; a timeout counts as a failed call. @defaultValue 5000 */
  assignmentTimeoutMs?: number;
  /** Consecutive failed assignment calls that open the breaker. @defaultValue 5 */
  breakerThreshold?: number;
  /** How long the breaker stays open before a trial call, in ms. @defaultValue 10000 */
  breakerOpenMs?: number;
  /** TTL of the per-booking lock, in ms (the seed: 30 s). @defaultValue 30000 */
  lockTtlMs?: number;
  keysFile?: string;
  /**
   * The address the app will listen on: without API keys it runs open only on loopback, and refuses
   * to start elsewhere (decided once, as `holdfast serve` does). @defaultValue "127.0.0.1"
   */
  host?: string;
  logLevel?: string;
  /** Receives the seed's `[assignment.*]` log lines as well (tests). @defaultValue none */
  onLogLine?: (line: string) => void;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const bookingBody = z.object({
  restaurant_id: z.string().regex(ID, "must be 1-64 letters, digits, - or _"),
  booking_date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD")
    .refine(
      (d) =>
        !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
      "is not a calendar date",
    ),
  start_time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24 h)"),
  party_size: z.number().int("must be an integer").min(1).max(20),
  customer_name: z.string().trim().min(1).max(200),
  customer_email: z.email().max(200),
  customer_phone: z.string().regex(/^\+?[0-9 ()-]{5,20}$/, "must be a phone number like +1234567890"),
  /** Optional: a random UUID the client chose, to follow the booking live before it exists. */
  booking_id: z
    .string()
    .regex(BOOKING_ID, "must be a UUID in lower case, e.g. from crypto.randomUUID()")
    .optional(),
});

const eventsQuery = z.object({
  source: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/)
    .default("assignment.state_machine"),
  sinceMinutes: z.coerce.number().int().min(1).max(10_080).default(5),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const bookingOutcomes = counter(
  "restaurant_bookings_total",
  "Seed 000 app: bookings settled, by final state.",
  ["state"] as const,
);

/** HTTP status of a settled booking: 201/200 confirmed, 409 no table for it, 503 service refusals. */
function statusOf(b: Booking, created: boolean): number {
  if (b.state === "confirmed") return created ? 201 : 200;
  const r = b.data.failure_reason;
  return r === "circuit_open" || r === "assignment_error" || r === "concurrency_limit" ? 503 : 409;
}

/** The public view of a booking. */
export function viewOf(b: Booking) {
  const { hold_id: _hold, retry_after_ms: _retry, ...data } = b.data;
  return {
    id: b.id,
    state: b.state,
    version: b.version,
    ...data,
    created_at: new Date(b.createdAt).toISOString(),
    updated_at: new Date(b.updatedAt).toISOString(),
  };
}

function invalid(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const issue = error.issues[0];
  const field = issue.path.join(".");
  return reply
    .code(400)
    .send({ success: false, reason: "invalid_request", field, message: `${field}: ${issue.message}` });
}

function unavailable(reply: FastifyReply, bookingId?: string): FastifyReply {
  return reply
    .code(503)
    .header("retry-after", "1")
    .send({
      success: false,
      reason: "booking_service_unavailable",
      message:
        "The booking service cannot reach its store; try again shortly." +
        (bookingId ? ` Resume with POST /api/bookings/${bookingId}/process.` : ""),
      ...(bookingId ? { booking_id: bookingId } : {}),
    });
}

/** Builds the app: the Holdfast service plus the seed's booking routes. */
export async function buildRestaurantApp(
  options: RestaurantAppOptions,
): Promise<{ app: FastifyInstance; engine: AssignmentEngine; breaker: CircuitBreaker }> {
  const { store } = options;
  const restaurants = checkCatalogue(options.restaurants ?? DEMO_RESTAURANTS);
  const keyStore = keyStoreFor(store, options.keysFile ?? ".holdfast/keys.json");
  const { app } = await buildApp({
    store,
    keyStore,
    authMode: await authModeAtStart(keyStore, options.host),
    logLevel: options.logLevel ?? "info",
  });
  const events = createEventLog(store);
  const bookings = createMachine(store, bookingMachine, { eventLog: events, logger: app.log });
  const engine = options.engine ?? new AssignmentEngine(createInventory(store));
  const breaker = new CircuitBreaker({
    name: "table-assignment",
    store,
    strategy: { kind: "consecutive", threshold: options.breakerThreshold ?? 5 },
    halfOpenAfterMs: options.breakerOpenMs ?? 10_000,
    // Only the assignment call's own failures (errors, timeouts) count: a full restaurant, a lost
    // lock or an unreachable store is not the assignment service failing.
    isFailure: (e) => e instanceof TableAssignmentError || isTaskTimeoutError(e),
  });
  const locks = createLocks(store);
  const live = new LiveBookings(store, app.log);
  await live.attach(app.server);
  // Before the HTTP server closes, so pages get 1012 (service restart) and reconnect elsewhere.
  app.addHook("preClose", async () => {
    await live.close();
  });
  const limiter = createConcurrencyLimiter(store, {
    limit: options.maxConcurrentAssignments ?? 5,
    maxQueue: 1000,
    queueTimeoutMs: options.assignmentQueueTimeoutMs ?? 10_000,
    keyKind: "assignments",
  });
  const coordinator = new AssignmentCoordinator({
    bookings,
    locks,
    limiter,
    breaker,
    timeout: new TimeoutPolicy({
      timeoutMs: options.assignmentTimeoutMs ?? 5_000,
      name: "table-assignment-timeout",
    }),
    engine,
    restaurants,
    lockTtlMs: options.lockTtlMs ?? 30_000,
    onTransition: (t) => live.publish(t),
    log: (line, fields) => {
      app.log.info(fields ?? {}, line);
      options.onLogLine?.(line);
    },
  });
  const publicRoute = { config: { scope: "public" as const } };

  const settle = async (reply: FastifyReply, b: Booking, created: boolean) => {
    bookingOutcomes.labels(b.state).inc();
    const status = statusOf(b, created);
    if (status === 503)
      void reply.header(
        "retry-after",
        String(Math.max(1, Math.ceil((b.data.retry_after_ms ?? 1000) / 1000))),
      );
    return reply.code(status).send({
      success: b.state === "confirmed",
      booking: viewOf(b),
      ...(b.data.failure_reason ? { reason: b.data.failure_reason } : {}),
    });
  };
  const processErrors = (reply: FastifyReply, e: unknown, id: string) => {
    // A lease that ran out before a refresh got through means the store was unreachable.
    if (isStoreFailure(e) || (isLockLostError(e) && e.reason === "deadline")) return unavailable(reply, id);
    if (isLockConflictError(e) || isLockLostError(e) || isVersionConflictError(e)) {
      return reply.code(409).send({
        success: false,
        reason: "booking_in_progress",
        booking_id: id,
        message: "Another request is processing this booking; read it with GET /api/bookings/:id.",
      });
    }
    throw e;
  };

  app.post("/api/bookings", publicRoute, async (request, reply) => {
    const parsed = bookingBody.safeParse(request.body);
    if (!parsed.success) return invalid(reply, parsed.error);
    const { booking_id: chosenId, ...input } = parsed.data;
    const restaurant = restaurants.get(input.restaurant_id);
    if (!restaurant)
      return reply.code(404).send({
        success: false,
        reason: "restaurant_not_found",
        field: "restaurant_id",
        message: `No restaurant "${input.restaurant_id}"; see GET /api/restaurants.`,
      });
    const problem = startTimeProblem(restaurant, input.start_time);
    if (problem)
      return reply.code(400).send({
        success: false,
        reason: "invalid_request",
        field: "start_time",
        message: `start_time: ${problem}`,
      });
    let id: string;
    try {
      id = await coordinator.create(input, chosenId);
    } catch (e) {
      if (isStoreFailure(e)) return unavailable(reply);
      if (isEntityExistsError(e))
        return reply.code(409).send({
          success: false,
          reason: "booking_exists",
          field: "booking_id",
          message: `A booking with this booking_id exists: read it with GET /api/bookings/${chosenId}.`,
        });
      throw e;
    }
    try {
      return await settle(reply, await coordinator.process(id), true);
    } catch (e) {
      return processErrors(reply, e, id);
    }
  });

  app.post("/api/bookings/:id/process", publicRoute, async (request, reply) => {
    const { id } = request.params as { id: string };
    try {
      return await settle(reply, await coordinator.process(id, { retry: true }), false);
    } catch (e) {
      if (isEntityNotFoundError(e))
        return reply.code(404).send({ success: false, reason: "booking_not_found" });
      return processErrors(reply, e, id);
    }
  });

  app.get("/api/bookings/:id", publicRoute, async (request, reply) => {
    const { id } = request.params as { id: string };
    try {
      const b = await bookings.get(id);
      if (!b) return reply.code(404).send({ success: false, reason: "booking_not_found" });
      const history = await bookings.history(id);
      return {
        success: true,
        booking: viewOf(b),
        history: history.map((h) => ({
          event: h.event,
          from: h.from,
          to: h.to,
          version: h.version,
          at: new Date(h.at).toISOString(),
        })),
      };
    } catch (e) {
      if (isStoreFailure(e)) return unavailable(reply);
      throw e;
    }
  });

  // The seed's "Check state transitions" SQL: source = …, created_at > NOW() - INTERVAL '5 minutes',
  // ORDER BY created_at DESC. "NOW()" is the store's clock, as the event ids are.
  app.get("/api/observability/events", publicRoute, async (request, reply) => {
    const q = eventsQuery.safeParse(request.query);
    if (!q.success) return invalid(reply, q.error);
    try {
      const since = (await events.serverTime()) - q.data.sinceMinutes * 60_000;
      const rows = await events.query({ source: q.data.source, since, order: "desc", limit: q.data.limit });
      return {
        success: true,
        events: rows.map((e) => ({
          event_type: e.type,
          booking_id: e.context.id,
          event: e.context.event,
          from_state: e.context.from as BookingState | null,
          to_state: e.context.to,
          version: e.context.version,
          created_at: new Date(e.at).toISOString(),
        })),
      };
    } catch (e) {
      if (isStoreFailure(e)) return unavailable(reply);
      throw e;
    }
  });

  app.get("/api/restaurants", publicRoute, async () => ({
    success: true,
    restaurants: [...restaurants.values()].map((r) => ({ ...r })),
  }));

  // The seed's `redis-cli KEYS "lock:*"` and "is the pipeline healthy?", without KEYS: the booking
  // locks are found with SCAN, the in-flight assignments are the limiter's live permits.
  app.get("/api/pipeline/status", publicRoute, async (_request, reply) => {
    try {
      await breaker.sync();
      const [bookingLocks, inFlight] = await Promise.all([
        locks.list({ prefix: "booking:", limit: 100 }),
        Promise.all(
          [...restaurants.keys()].map(async (id) => [id, await limiter.count(`restaurant:${id}`)] as const),
        ),
      ]);
      return {
        success: true,
        breaker: { name: breaker.name, ...breaker.state, degraded: breaker.degraded },
        assignments_in_flight: Object.fromEntries(inFlight),
        max_concurrent_assignments: limiter.limit,
        booking_locks: bookingLocks.map((l) => ({
          key: l.key,
          remaining_ttl_ms: l.remainingTtlMs,
          fence: l.fence,
        })),
      };
    } catch (e) {
      if (isStoreFailure(e)) return unavailable(reply);
      throw e;
    }
  });

  registerBookingPage(app);

  app.addHook("onClose", async () => {
    await breaker.sync().catch(() => undefined);
  });
  return { app, engine, breaker };
}
