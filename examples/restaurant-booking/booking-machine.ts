/**
 * The booking's life as a Holdfast versioned state machine: the seed's V3 states, plus the two
 * failure states the seed never named. Every transition is one atomic script (state + version +
 * history) and is copied to the event log as source `assignment.state_machine`.
 *
 *   created ──verify_capacity──▶ capacity_verified ──queue──▶ assignment_pending
 *      │                                                          │ start_assignment
 *      └──reject──▶ rejected                                      ▼
 *                                                       assignment_in_progress
 *                                                                 │ assign
 *                                 confirmed ◀──confirm── assigned ◀─┘
 *   assignment_pending / assignment_in_progress / assigned ──fail──▶ assignment_failed
 *   assignment_failed ──retry──▶ assignment_pending
 */
import { defineMachine } from "holdfast";

export const BOOKING_STATES = [
  "created",
  "capacity_verified",
  "assignment_pending",
  "assignment_in_progress",
  "assigned",
  "confirmed",
  "rejected",
  "assignment_failed",
] as const;
export type BookingState = (typeof BOOKING_STATES)[number];

export const BOOKING_EVENTS = [
  "verify_capacity",
  "reject",
  "queue",
  "start_assignment",
  "assign",
  "confirm",
  "fail",
  "retry",
] as const;
export type BookingEvent = (typeof BOOKING_EVENTS)[number];

/**
 * Why a booking ended in `rejected` or `assignment_failed`:
 * - `no_capacity` (rejected): no table or pair of adjacent tables seats the party at that time.
 * - `tables_taken`: capacity was there at verification, but other bookings took every fitting
 *   table before this one could reserve it (the race for the last table).
 * - `circuit_open`: the assignment call has been failing; the breaker refused the call at once.
 * - `assignment_error`: the assignment call failed (counted by the breaker).
 * - `concurrency_limit`: 5 assignments of this restaurant were in flight and the wait timed out.
 * - `hold_expired`: the table reservation expired before confirmation.
 */
export type FailureReason =
  "no_capacity" | "tables_taken" | "circuit_open" | "assignment_error" | "concurrency_limit" | "hold_expired";

/** A booking's data, stored field by field on the entity (snake_case, as the seed's API). */
export interface BookingData extends Record<string, unknown> {
  restaurant_id: string;
  booking_date: string;
  start_time: string;
  party_size: number;
  customer_name: string;
  customer_email: string;
  customer_phone: string;
  /** The best free candidate seen by capacity verification (not yet reserved). */
  verified_candidate?: { tables: string[]; score: number };
  /** The tables reserved by the assignment. */
  tables?: string[];
  seats?: number;
  score?: number;
  strategy?: string;
  hold_id?: string;
  failure_reason?: FailureReason;
  retry_after_ms?: number;
}

/** The machine's name makes its event-log source: `assignment.state_machine`, as in the seed. */
export const bookingMachine = defineMachine<BookingState, BookingEvent, BookingData>({
  name: "assignment",
  states: BOOKING_STATES,
  initial: "created",
  events: BOOKING_EVENTS,
  transitions: [
    { event: "verify_capacity", from: "created", to: "capacity_verified" },
    { event: "reject", from: "created", to: "rejected" },
    { event: "queue", from: "capacity_verified", to: "assignment_pending" },
    { event: "start_assignment", from: "assignment_pending", to: "assignment_in_progress" },
    { event: "assign", from: "assignment_in_progress", to: "assigned" },
    { event: "confirm", from: "assigned", to: "confirmed" },
    {
      event: "fail",
      from: ["assignment_pending", "assignment_in_progress", "assigned"],
      to: "assignment_failed",
    },
    { event: "retry", from: "assignment_failed", to: "assignment_pending" },
  ],
});

/** States a booking never leaves by itself: `confirmed`, `rejected`, `assignment_failed` (until a retry). */
export function isSettled(state: BookingState): boolean {
  return state === "confirmed" || state === "rejected" || state === "assignment_failed";
}
