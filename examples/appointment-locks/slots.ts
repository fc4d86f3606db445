/**
 * Each appointment slot is one lock name, and booking it **closes** that name (`locks.close`):
 * in one atomic step the holder proves it still holds the lock, ends its lease and makes every later
 * acquire fail with `LockClosedError`. That is what makes "a booked slot cannot be locked" and "a
 * lock that ran out cannot book" hold together, with no window between them and no second record:
 *
 * - taking a lock is one `acquire`: refused with `slot_booked` once the slot is booked (closed),
 *   with `slot_locked` while someone holds it;
 * - booking is one `close` by the lease's token, which succeeds only while that lease is the live
 *   holder: a lease that ran out (whether or not someone else locked the slot since) cannot book,
 *   and a booked slot cannot be booked again. The appointment is kept on the closed name.
 *
 * Whichever of a booking and a newer lock lands first wins, on the one key both touch: if the
 * booking lands first, the newer lock finds the slot booked; if the newer lock lands first, the
 * older holder's booking finds it no longer holds the lock. Either way no booked slot is ever held,
 * and no slot is booked by anyone but its current holder. A cycle of lock + release costs two
 * round trips, a lock + booking two as well.
 */
import { isLockClosedError, isLockNotOwnedError, type Lease, type LeaseRef, type Locks } from "holdfast";

/** The slot is booked: it can be neither locked nor booked again. */
export class SlotBookedError extends Error {
  override readonly name = "SlotBookedError";
  constructor(readonly slot: string) {
    super(`Slot ${slot} has already been booked.`);
  }
}

/** This lease no longer holds the slot (it ran out, was released, or someone else holds it now). */
export class StaleLeaseError extends Error {
  override readonly name = "StaleLeaseError";
  constructor(readonly slot: string) {
    super(`This reservation of slot ${slot} ran out or belongs to someone else. Select the slot again.`);
  }
}

/** The slots, as lock names on one lock manager. */
export class Slots {
  constructor(private readonly locks: Locks) {}

  /**
   * Locks the slot for `ttlMs`, with `metadata` shown to competitors and admins.
   * @throws SlotBookedError; LockConflictError while someone holds it; the store's errors
   */
  async lock(slot: string, ttlMs: number, metadata: Record<string, unknown>): Promise<Lease> {
    try {
      return await this.locks.acquire(slot, { ttlMs, metadata });
    } catch (e) {
      if (isLockClosedError(e)) throw new SlotBookedError(slot);
      throw e;
    }
  }

  /**
   * Books the slot for the live holder of `lease`, keeping `appointment` on it; the lock ends.
   * @returns the booking lease's fencing token
   * @throws SlotBookedError, StaleLeaseError; the store's errors
   */
  async book(lease: LeaseRef, appointment: Record<string, unknown>): Promise<number> {
    try {
      return (await this.locks.close(lease, { metadata: appointment })).fence;
    } catch (e) {
      if (isLockClosedError(e)) throw new SlotBookedError(lease.key);
      if (isLockNotOwnedError(e)) throw new StaleLeaseError(lease.key);
      throw e;
    }
  }

  /** True when the slot is booked. */
  async isBooked(slot: string): Promise<boolean> {
    return (await this.locks.getClosed(slot)) !== null;
  }
}
