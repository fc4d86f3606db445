/**
 * The assignment engine: picks tables with the `optimal_fit` strategy and reserves them in
 * Holdfast, so two bookings can never get the same table at the same time, whatever the number of
 * app instances.
 *
 * Occupancy model: every (table, half-hour slot) of a restaurant's day is an inventory item with a
 * stock of one unit, named `{rb:<restaurant>|<date>}:<table>@<HH:MM>`. A booking reserves every
 * slot of its turn on every table of its combination in ONE all-or-nothing cart hold (one script:
 * the shared `{rb:…}` hash tag keeps a day's items in one Cluster slot), and commits the hold on
 * confirmation. A hold the process never confirms (it crashed) returns its tables when its TTL ends.
 */
import { type Inventory, isInsufficientStockError, isItemNotFoundError } from "holdfast";
import { setTimeout as delay } from "node:timers/promises";
import { slotsOf, type Restaurant, type TableDef } from "./catalogue.js";

export const STRATEGY = "optimal_fit";

/** How much a combination of two tables costs in the score (pushing tables together is work). */
export const COMBINATION_FACTOR = 0.95;

/** A set of tables that seats a party, with its score (see {@link scoreOf}). */
export interface Candidate {
  readonly tables: readonly string[];
  readonly seats: number;
  readonly score: number;
}

/** What the engine is asked: the booking's restaurant, day, start time and party size. */
export interface AssignmentRequest {
  readonly restaurant: Restaurant;
  readonly date: string;
  readonly startTime: string;
  readonly partySize: number;
  /** The booking id: the holder of the hold. */
  readonly bookingId: string;
  /**
   * The hold's idempotency key, one per assignment attempt (`<booking>:v<version>`): a resumed
   * attempt gets its own earlier hold back instead of a second one; a new attempt holds afresh.
   */
  readonly attemptKey: string;
}

/** The engine's answer when it reserved tables. */
export interface Assignment {
  readonly strategy: typeof STRATEGY;
  readonly tables: readonly string[];
  readonly seats: number;
  readonly score: number;
  /** The inventory hold of every table-slot: commit it to confirm, release it to give them back. */
  readonly holdId: string;
}

/** The remote part of the assignment failed (the seed's engine call): counted by the circuit breaker. */
export class TableAssignmentError extends Error {
  override readonly name = "TableAssignmentError";
}

export interface EngineOptions {
  /** How long a reservation lives unless confirmed, in ms. @defaultValue 30000 */
  holdTtlMs?: number;
  /** Simulated latency of the assignment call, in ms (demo and tests). @defaultValue 0 */
  latencyMs?: number;
}

/**
 * The `optimal_fit` score of seating `partySize` at tables with `seats` seats in total:
 * `partySize / seats`, times {@link COMBINATION_FACTOR} for a combination of two tables, rounded
 * to two decimals. 1.00 is a perfect fit (4 guests at a 4-top); 4 guests at a 6-top score 0.67;
 * 6 guests at two adjacent 4-tops score 0.75 × 0.95 = 0.71.
 */
export function scoreOf(partySize: number, seats: number, tables: number): number {
  const fit = partySize / seats;
  return Math.round(fit * (tables > 1 ? COMBINATION_FACTOR : 1) * 100) / 100;
}

/**
 * Every table, or pair of adjacent tables, that seats the party, best first: highest score, then
 * fewer tables, then fewer seats, then table ids (so the order is deterministic across
 * processes). A pair is only a candidate when neither table seats the party alone.
 */
export function candidatesFor(restaurant: Restaurant, partySize: number): Candidate[] {
  const out: Candidate[] = [];
  const byId = new Map<string, TableDef>(restaurant.tables.map((t) => [t.id, t]));
  for (const t of restaurant.tables) {
    if (t.seats >= partySize)
      out.push({ tables: [t.id], seats: t.seats, score: scoreOf(partySize, t.seats, 1) });
  }
  for (const a of restaurant.tables) {
    for (const id of a.adjacentTo ?? []) {
      const b = byId.get(id)!;
      if (a.id >= b.id || a.seats >= partySize || b.seats >= partySize) continue;
      const seats = a.seats + b.seats;
      if (seats >= partySize) out.push({ tables: [a.id, b.id], seats, score: scoreOf(partySize, seats, 2) });
    }
  }
  return out.sort(
    (x, y) =>
      y.score - x.score ||
      x.tables.length - y.tables.length ||
      x.seats - y.seats ||
      (x.tables.join() < y.tables.join() ? -1 : 1),
  );
}

/** The inventory item of one table in one half-hour slot. */
export function tableSlotItem(restaurantId: string, date: string, tableId: string, slot: string): string {
  return `{rb:${restaurantId}|${date}}:${tableId}@${slot}`;
}

/**
 * Picks and reserves tables. Instrumented for the demo and the tests: `inFlight`/`maxInFlight`
 * count concurrent {@link assign} calls of this engine, `calls` every call; `outage` makes the
 * assignment call fail (a stand-in for the seed's remote engine going down).
 */
export class AssignmentEngine {
  private readonly holdTtlMs: number;
  latencyMs: number;
  outage = false;
  inFlight = 0;
  maxInFlight = 0;
  calls = 0;

  constructor(
    private readonly inventory: Inventory,
    options: EngineOptions = {},
  ) {
    this.holdTtlMs = options.holdTtlMs ?? 30_000;
    this.latencyMs = options.latencyMs ?? 0;
  }

  /**
   * Capacity verification: the best candidate whose table-slots are all free now, or undefined.
   * Reads every table-slot of the turn (creating its item on first sight: one unit of stock).
   * A later booking can still take the tables before {@link assign}: that race is settled there.
   */
  async verifyCapacity(req: AssignmentRequest): Promise<Candidate | undefined> {
    const candidates = candidatesFor(req.restaurant, req.partySize);
    if (candidates.length === 0) return undefined;
    const slots = slotsOf(req.restaurant, req.startTime);
    const free = new Map<string, boolean>();
    await Promise.all(
      req.restaurant.tables.map(async (t) => {
        const states = await Promise.all(
          slots.map((s) =>
            this.inventory.defineItem(tableSlotItem(req.restaurant.id, req.date, t.id, s), { stock: 1 }),
          ),
        );
        free.set(
          t.id,
          states.every((st) => st.available > 0),
        );
      }),
    );
    return candidates.find((c) => c.tables.every((t) => free.get(t)));
  }

  /**
   * The assignment call: tries the candidates best first and reserves the first one whose
   * table-slots are all free, in one all-or-nothing hold per candidate. Returns undefined when
   * every candidate is taken (another booking won the race).
   *
   * @throws TableAssignmentError when the assignment call fails (`outage`); the store's typed
   *   errors when it cannot be reached (nothing reserved, or a hold that expires by itself)
   */
  async assign(req: AssignmentRequest, signal: AbortSignal): Promise<Assignment | undefined> {
    this.calls++;
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    try {
      // The wait ends early with the signal's reason (a timeout policy's TaskTimeoutError), as its own.
      if (this.latencyMs > 0)
        await delay(this.latencyMs, undefined, { signal }).catch(() => signal.throwIfAborted());
      if (this.outage) throw new TableAssignmentError("the table-assignment service is unavailable");
      const slots = slotsOf(req.restaurant, req.startTime);
      for (const c of candidatesFor(req.restaurant, req.partySize)) {
        signal.throwIfAborted();
        const lines = c.tables.flatMap((t) =>
          slots.map((s) => ({ item: tableSlotItem(req.restaurant.id, req.date, t, s), quantity: 1 })),
        );
        const holdId = await this.holdAll(lines, req.bookingId, req.attemptKey);
        if (holdId) return { strategy: STRATEGY, tables: c.tables, seats: c.seats, score: c.score, holdId };
      }
      return undefined;
    } finally {
      this.inFlight--;
    }
  }

  /** Confirms the reservation for good. @throws HoldExpiredError when it expired first */
  async confirm(holdId: string): Promise<void> {
    await this.inventory.commit(holdId);
  }

  /** Gives the tables back (a failed booking). Never throws for a known hold. */
  async release(holdId: string): Promise<void> {
    await this.inventory.release(holdId);
  }

  /** The hold's id, or undefined when an item is taken. Defines missing items (after a Redis restart). */
  private async holdAll(
    lines: { item: string; quantity: number }[],
    bookingId: string,
    attemptKey: string,
  ): Promise<string | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        const hold = await this.inventory.holdCart(lines, {
          holder: bookingId,
          ttlMs: this.holdTtlMs,
          idempotencyKey: attemptKey,
        });
        return hold.holdId;
      } catch (e) {
        if (isInsufficientStockError(e)) return undefined;
        if (!isItemNotFoundError(e) || attempt > 0) throw e;
        await Promise.all(lines.map((l) => this.inventory.defineItem(l.item, { stock: 1 })));
      }
    }
  }
}
