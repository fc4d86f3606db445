/**
 * The seed's V3 assignment coordinator, on Holdfast primitives:
 * - a lock per booking (`booking:<id>`, fencing-token lock, refreshed while the work runs), so one
 *   process at a time drives a booking;
 * - a concurrency limit of 5 assignments in flight per restaurant, across every app instance;
 * - a shared circuit breaker around the assignment call;
 * - the booking's state machine, every step sent with `expectedVersion` (optimistic locking);
 * - the seed's log lines, through the app's logger.
 */
import { randomUUID } from "node:crypto";
import {
  type CircuitBreaker,
  type ConcurrencyLimiter,
  EntityNotFoundError,
  isBrokenCircuitError,
  isConcurrencyLimitError,
  isHoldExpiredError,
  isHoldFinishedError,
  isTaskTimeoutError,
  type Locks,
  type Machine,
  type MachineSnapshot,
  type TimeoutPolicy,
} from "holdfast";
import type { Restaurant } from "./catalogue.js";
import {
  isSettled,
  type BookingData,
  type BookingEvent,
  type BookingState,
  type FailureReason,
} from "./booking-machine.js";
import { TableAssignmentError, type AssignmentEngine, type AssignmentRequest } from "./engine.js";
import type { TransitionNotice } from "./live.js";

export type Booking = MachineSnapshot<BookingState, BookingData>;
export type BookingInput = Pick<
  BookingData,
  | "restaurant_id"
  | "booking_date"
  | "start_time"
  | "party_size"
  | "customer_name"
  | "customer_email"
  | "customer_phone"
>;

export interface CoordinatorDeps {
  bookings: Machine<BookingState, BookingEvent, BookingData>;
  locks: Locks;
  limiter: ConcurrencyLimiter;
  breaker: CircuitBreaker;
  /** Bounds each assignment call; a timeout counts as a failure of the call. */
  timeout: TimeoutPolicy;
  engine: AssignmentEngine;
  restaurants: ReadonlyMap<string, Restaurant>;
  /** Where the seed's `[assignment.*]` lines go (the app's logger). */
  log: (line: string, fields?: Record<string, unknown>) => void;
  /** TTL of the per-booking lock, in ms (the seed: 30 s). */
  lockTtlMs: number;
  /** Told of every committed transition (and the creation), for the live history. Must not throw. */
  onTransition?: (t: TransitionNotice) => void;
}

/** Drives bookings from `created` to a settled state. See the module comment. */
export class AssignmentCoordinator {
  constructor(private readonly d: CoordinatorDeps) {}

  /**
   * Creates the booking entity (state `created`, version 1). The restaurant must exist.
   * @param id the booking's id, when the client chose it (to follow it live); a random UUID otherwise
   * @throws EntityExistsError when a booking with this id exists
   */
  async create(input: BookingInput, id: string = randomUUID()): Promise<string> {
    const r = await this.d.bookings.create(id, { data: { ...input }, actor: "api" });
    this.d.onTransition?.({ bookingId: id, event: "$create", from: null, to: r.state, version: 1, at: r.at });
    return id;
  }

  /**
   * Takes the booking's lock and drives it until it settles: `confirmed`, `rejected` or
   * `assignment_failed`. With `retry`, a failed booking is first sent back to `assignment_pending`.
   * A booking left half-way (the store went away mid-flow) is resumed from its current state.
   *
   * @throws LockConflictError when another process is driving it now; the store's typed errors;
   *   EntityNotFoundError for an unknown id
   */
  async process(id: string, options: { retry?: boolean } = {}): Promise<Booking> {
    this.d.log(`[assignment.coordinator] Processing booking: ${id}`, { bookingId: id });
    const key = `booking:${id}`;
    const result = await this.d.locks.withLock(
      key,
      async (signal) => {
        this.d.log(`[distributed-lock] Acquired lock: ${key}`);
        let b = await this.d.bookings.get(id);
        if (!b) throw new EntityNotFoundError(this.d.bookings.name, id);
        if (options.retry && b.state === "assignment_failed") b = await this.step(b, "retry");
        return this.drive(b, signal);
      },
      { ttlMs: this.d.lockTtlMs },
    );
    this.d.log(`[distributed-lock] Released lock: ${key}`);
    return result;
  }

  private async drive(start: Booking, signal: AbortSignal): Promise<Booking> {
    let b = start;
    while (!isSettled(b.state)) {
      // The lock was lost (its refresh failed): stop; expectedVersion already keeps steps single.
      signal.throwIfAborted();
      switch (b.state) {
        case "created": {
          const best = await this.d.engine.verifyCapacity(this.request(b, "verify"));
          b = best
            ? await this.step(b, "verify_capacity", {
                verified_candidate: { tables: [...best.tables], score: best.score },
              })
            : await this.step(b, "reject", { failure_reason: "no_capacity" });
          break;
        }
        case "capacity_verified":
          b = await this.step(b, "queue");
          break;
        case "assignment_pending":
        case "assignment_in_progress":
          b = await this.assign(b, signal);
          break;
        case "assigned":
          b = await this.confirm(b);
          break;
      }
    }
    return b;
  }

  /**
   * The assignment: breaker → per-restaurant slot (max 5 in flight) → `start_assignment` →
   * engine call under a timeout. A refused or failed call ends the booking in `assignment_failed`
   * with its reason.
   */
  private async assign(b: Booking, signal: AbortSignal): Promise<Booking> {
    let current = b;
    try {
      const assignment = await this.d.breaker.execute(() =>
        this.d.limiter.run(
          `restaurant:${b.data.restaurant_id}`,
          async (slotSignal) => {
            if (current.state === "assignment_pending")
              current = await this.step(current, "start_assignment");
            const req = this.request(current, `v${current.version}`);
            return this.d.timeout.execute(
              (timeoutSignal) => this.d.engine.assign(req, timeoutSignal),
              AbortSignal.any([signal, slotSignal]),
            );
          },
          { metadata: { booking: b.id } },
        ),
      );
      if (!assignment) {
        this.d.log(
          `[assignment.engine] Strategy: optimal_fit, no free table for party of ${b.data.party_size}`,
        );
        return this.fail(current, "tables_taken");
      }
      this.d.log(
        `[assignment.engine] Strategy: ${assignment.strategy}, Score: ${assignment.score.toFixed(2)}`,
        {
          tables: assignment.tables,
        },
      );
      return await this.step(current, "assign", {
        tables: [...assignment.tables],
        seats: assignment.seats,
        score: assignment.score,
        strategy: assignment.strategy,
        hold_id: assignment.holdId,
      });
    } catch (e) {
      if (isBrokenCircuitError(e)) return this.fail(current, "circuit_open", e.remainingOpenMs ?? 1000);
      if (isConcurrencyLimitError(e)) return this.fail(current, "concurrency_limit", e.retryAfterMs);
      if (e instanceof TableAssignmentError || isTaskTimeoutError(e))
        return this.fail(current, "assignment_error");
      throw e;
    }
  }

  private async confirm(b: Booking): Promise<Booking> {
    try {
      await this.d.engine.confirm(b.data.hold_id!);
    } catch (e) {
      if (isHoldExpiredError(e) || isHoldFinishedError(e)) return this.fail(b, "hold_expired");
      throw e;
    }
    return this.step(b, "confirm");
  }

  private fail(b: Booking, reason: FailureReason, retryAfterMs?: number): Promise<Booking> {
    this.d.log(`[assignment.coordinator] Booking ${b.id} failed: ${reason}`, { bookingId: b.id, reason });
    return this.step(b, "fail", {
      failure_reason: reason,
      ...(retryAfterMs === undefined ? {} : { retry_after_ms: retryAfterMs }),
    });
  }

  /** One transition, only from the version we read (optimistic locking), logged as the seed did. */
  private async step(b: Booking, event: BookingEvent, data?: Partial<BookingData>): Promise<Booking> {
    const r = await this.d.bookings.send(b.id, event, {
      expectedVersion: b.version,
      data,
      actor: "assignment.coordinator",
    });
    this.d.log(`[assignment.state_machine] Transition: ${r.from} -> ${r.to}`, {
      bookingId: b.id,
      version: r.version,
    });
    this.d.onTransition?.({
      bookingId: b.id,
      event,
      from: r.from,
      to: r.to,
      version: r.version,
      at: r.at,
      data,
    });
    return { ...b, state: r.to, version: r.version, updatedAt: r.at, data: { ...b.data, ...data } };
  }

  private request(b: Booking, attempt: string): AssignmentRequest {
    return {
      restaurant: this.d.restaurants.get(b.data.restaurant_id)!,
      date: b.data.booking_date,
      startTime: b.data.start_time,
      partySize: b.data.party_size,
      bookingId: b.id,
      attemptKey: `${b.id}:${attempt}`,
    };
  }
}
