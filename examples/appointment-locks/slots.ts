/**
 * Each appointment slot's record, beside its lock: whether it is booked, and the fencing token of
 * the newest lock taken on it. This is what makes "a booked slot cannot be locked" and "a lock
 * that ran out cannot book" hold together, with no window between them.
 *
 * The lock and the record are two keys, so no single script can check one and write the other.
 * The record is the arbiter instead, as docs/locks.md recommends for any resource guarded by a
 * lease ("have the resource reject a write whose fence is lower than the highest it has seen"):
 *
 * - taking a lock **claims** the slot with the lease's fence: refused if the slot is booked
 *   (→ `slot_booked`, and the lock is let go), and recorded as the newest fence otherwise;
 * - booking is allowed only to the newest claim (its fence ≥ the recorded one), and only once.
 *
 * Both are transitions of one versioned state machine entity per slot (`open` → `booked`), each
 * checked and applied against the version it read (Holdfast's guarded send), so they are
 * serialised on the record: whichever lands first wins. If the booking lands first, a new lock
 * finds the slot booked; if a newer lock's claim lands first, the older holder (whose lease ran out
 * after it proved ownership) cannot book. Either way no booked slot is ever held, and no slot is
 * booked by anyone but the newest lock holder.
 */
import {
  createMachine,
  defineMachine,
  isEntityExistsError,
  isEntityNotFoundError,
  isGuardRejectedError,
  isInvalidTransitionError,
  type Machine,
  type Store,
} from "holdfast";

/** What a slot's record holds: the newest claim's fence and, once booked, the appointment. */
export interface SlotData extends Record<string, unknown> {
  /** The fencing token of the newest lock that claimed the slot. */
  fence?: number;
}

type SlotState = "open" | "booked";
type SlotEvent = "claim" | "book";

const fenceOf = (data: Record<string, unknown> | undefined): number =>
  typeof data?.fence === "number" ? data.fence : 0;

export const slotMachine = defineMachine<SlotState, SlotEvent, SlotData>({
  // Keys `machine:{appointment:<slot key>}`: the name of the seed app's appointments.
  name: "appointment",
  states: ["open", "booked"],
  initial: "open",
  events: ["claim", "book"],
  transitions: [
    // A new lock (fences only grow) records itself as the newest; there is no claim from `booked`.
    {
      event: "claim",
      from: "open",
      to: "open",
      guard: ({ data, eventData }) => fenceOf(eventData) > fenceOf(data) || "a newer lock claimed the slot",
    },
    {
      event: "book",
      from: "open",
      to: "booked",
      guard: ({ data, eventData }) => fenceOf(eventData) >= fenceOf(data) || "a newer lock claimed the slot",
    },
  ],
});

/** The slot is booked: it can be neither locked nor booked again. */
export class SlotBookedError extends Error {
  override readonly name = "SlotBookedError";
  constructor(readonly slot: string) {
    super(`Slot ${slot} has already been booked.`);
  }
}

/** A newer lock claimed the slot: this lease ran out at some point and is no longer the holder. */
export class StaleLeaseError extends Error {
  override readonly name = "StaleLeaseError";
  constructor(readonly slot: string) {
    super(`A newer lock claimed slot ${slot}: this reservation ran out. Select the slot again.`);
  }
}

/** The slots' records, on one store. */
export class Slots {
  private readonly machine: Machine<SlotState, SlotEvent, SlotData>;

  constructor(store: Store) {
    // Every claim is a history entry: keep the last few, enough to see who held the slot last.
    this.machine = createMachine(store, slotMachine, { history: { maxLen: 20 } });
  }

  /**
   * Records the lease with fence `fence` as the slot's newest lock. Call it right after taking
   * the lock, and let the lock go if it throws.
   * @throws SlotBookedError, StaleLeaseError; the store's errors
   */
  async claim(slot: string, fence: number): Promise<void> {
    for (;;) {
      try {
        await this.machine.send(slot, "claim", { data: { fence } });
        return;
      } catch (e) {
        this.rethrow(slot, e);
      }
      // First claim of this slot: create its record (or, if another claim just did, send again).
      try {
        await this.machine.create(slot, { data: { fence } });
        return;
      } catch (e) {
        if (!isEntityExistsError(e)) throw e;
      }
    }
  }

  /**
   * Books the slot for the lease with fence `fence`, storing `appointment` on its record. Call it
   * while holding the lock (after a refresh proved it).
   * @throws SlotBookedError, StaleLeaseError; the store's errors
   */
  async book(slot: string, fence: number, appointment: Record<string, unknown>): Promise<void> {
    for (;;) {
      try {
        await this.machine.send(slot, "book", { data: { ...appointment, fence }, actor: "appointments" });
        return;
      } catch (e) {
        this.rethrow(slot, e);
      }
      // A lock taken before slots had records (or a record Redis lost): claim, then book.
      await this.claim(slot, fence);
    }
  }

  /** True when the slot is booked. */
  async isBooked(slot: string): Promise<boolean> {
    return (await this.machine.get(slot))?.state === "booked";
  }

  /** Maps the machine's refusals; returns only for a slot without a record. */
  private rethrow(slot: string, e: unknown): void {
    if (isInvalidTransitionError(e)) throw new SlotBookedError(slot);
    if (isGuardRejectedError(e)) throw new StaleLeaseError(slot);
    if (!isEntityNotFoundError(e)) throw e;
  }
}
