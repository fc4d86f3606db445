/** Seed 000's booking assignment pipeline as a machine definition, shared by the machine tests. */
import type { MachineDefinition } from "../../src/machine/index.js";

export const BOOKING_STATES = [
  "created",
  "capacity_verified",
  "assignment_pending",
  "assignment_in_progress",
  "assigned",
  "confirmed",
  "failed",
] as const;
export type BookingState = (typeof BOOKING_STATES)[number];

export const BOOKING_EVENTS = [
  "verify_capacity",
  "queue",
  "start",
  "assign",
  "confirm",
  "retry",
  "fail",
] as const;
export type BookingEvent = (typeof BOOKING_EVENTS)[number];

export const bookingDefinition: MachineDefinition<BookingState, BookingEvent, Record<string, unknown>> = {
  name: "assignment",
  initial: "created",
  states: BOOKING_STATES,
  events: BOOKING_EVENTS,
  transitions: [
    { event: "verify_capacity", from: "created", to: "capacity_verified" },
    { event: "queue", from: "capacity_verified", to: "assignment_pending" },
    { event: "start", from: "assignment_pending", to: "assignment_in_progress" },
    { event: "assign", from: "assignment_in_progress", to: "assigned" },
    { event: "confirm", from: "assigned", to: "confirmed" },
    { event: "retry", from: ["assignment_in_progress", "failed"], to: "assignment_pending" },
    {
      event: "fail",
      from: ["created", "capacity_verified", "assignment_pending", "assignment_in_progress"],
      to: "failed",
    },
  ],
};

/** The happy path of seed 000. */
export const HAPPY_PATH: [BookingEvent, BookingState][] = [
  ["verify_capacity", "capacity_verified"],
  ["queue", "assignment_pending"],
  ["start", "assignment_in_progress"],
  ["assign", "assigned"],
  ["confirm", "confirmed"],
];

/** A model of the definition: the state an event leads to from `state`, or undefined. */
export function modelNext(state: BookingState, event: BookingEvent): BookingState | undefined {
  for (const t of bookingDefinition.transitions) {
    const from = (Array.isArray(t.from) ? t.from : [t.from]) as BookingState[];
    if (t.event === event && from.includes(state)) return t.to;
  }
  return undefined;
}
