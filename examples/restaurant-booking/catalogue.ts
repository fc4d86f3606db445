/**
 * The restaurants and their tables, held as data (the seed kept them in Supabase). Only the
 * catalogue is app-local: which table is taken at which time lives in Holdfast (inventory items
 * of one unit per table and half-hour slot), so it holds across every app instance.
 */

/** One table. `adjacentTo` lists tables it can be pushed together with for a larger party. */
export interface TableDef {
  readonly id: string;
  readonly seats: number;
  readonly adjacentTo?: readonly string[];
}

export interface Restaurant {
  readonly id: string;
  readonly name: string;
  /** First seating, "HH:MM" on a half hour. */
  readonly opensAt: string;
  /** Closing time, "HH:MM": a booking's turn must end by then. */
  readonly closesAt: string;
  /** How long a party keeps its table, in minutes (a multiple of {@link SLOT_MINUTES}). */
  readonly turnMinutes: number;
  readonly tables: readonly TableDef[];
}

/** The granularity of table occupancy: a booking holds its tables for whole half-hour slots. */
export const SLOT_MINUTES = 30;

/** The seed's restaurant (its id is the one in the seed's curl), plus a small café for races. */
export const DEMO_RESTAURANTS: readonly Restaurant[] = [
  {
    id: "5746c074-3c20-4876-a9af-b63bb13a0772",
    name: "Seed Bistro",
    opensAt: "11:00",
    closesAt: "23:00",
    turnMinutes: 90,
    tables: [
      { id: "T1", seats: 2, adjacentTo: ["T2"] },
      { id: "T2", seats: 2, adjacentTo: ["T1", "T3"] },
      { id: "T3", seats: 4, adjacentTo: ["T2", "T4"] },
      { id: "T4", seats: 4, adjacentTo: ["T3", "T5"] },
      { id: "T5", seats: 4, adjacentTo: ["T4"] },
      { id: "T6", seats: 6, adjacentTo: ["T7"] },
      { id: "T7", seats: 8, adjacentTo: ["T6"] },
    ],
  },
  {
    id: "corner-cafe",
    name: "Corner Café",
    opensAt: "08:00",
    closesAt: "18:00",
    turnMinutes: 60,
    tables: [
      { id: "C1", seats: 2, adjacentTo: ["C2"] },
      { id: "C2", seats: 2, adjacentTo: ["C1"] },
    ],
  },
];

/** "HH:MM" → minutes since midnight. */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Minutes since midnight → "HH:MM". */
export function hhmmOf(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h < 10 ? "0" : ""}${h}:${m < 10 ? "0" : ""}${m}`;
}

/** The half-hour slots a booking starting at `startTime` occupies: ["19:00", "19:30", "20:00"] for 90 min. */
export function slotsOf(restaurant: Restaurant, startTime: string): string[] {
  const start = minutesOf(startTime);
  const out: string[] = [];
  for (let m = start; m < start + restaurant.turnMinutes; m += SLOT_MINUTES) out.push(hhmmOf(m));
  return out;
}

/**
 * Why `startTime` cannot be booked at `restaurant`, or undefined when it can: it must fall on a
 * half hour, and the whole turn must fit between opening and closing.
 */
export function startTimeProblem(restaurant: Restaurant, startTime: string): string | undefined {
  const start = minutesOf(startTime);
  if (start % SLOT_MINUTES !== 0) return `must be on the hour or half hour (${SLOT_MINUTES}-minute slots)`;
  if (
    start < minutesOf(restaurant.opensAt) ||
    start + restaurant.turnMinutes > minutesOf(restaurant.closesAt)
  ) {
    const { turnMinutes, opensAt, closesAt } = restaurant;
    return `must let a ${turnMinutes}-minute turn fit between ${opensAt} and ${closesAt}`;
  }
  return undefined;
}

/** Validates a catalogue once, at start-up: unique ids, symmetric adjacency, turns of whole slots. */
export function checkCatalogue(restaurants: readonly Restaurant[]): Map<string, Restaurant> {
  const byId = new Map<string, Restaurant>();
  for (const r of restaurants) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(r.id))
      throw new Error(`restaurant id "${r.id}": use 1-64 letters, digits, - or _`);
    if (byId.has(r.id)) throw new Error(`restaurant id "${r.id}" is listed twice`);
    if (r.turnMinutes < SLOT_MINUTES || r.turnMinutes % SLOT_MINUTES !== 0) {
      throw new Error(`restaurant "${r.id}": turnMinutes must be a multiple of ${SLOT_MINUTES}`);
    }
    const tables = new Map(r.tables.map((t) => [t.id, t]));
    if (tables.size !== r.tables.length) throw new Error(`restaurant "${r.id}": table ids must be unique`);
    for (const t of r.tables) {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(t.id) || !Number.isInteger(t.seats) || t.seats < 1) {
        throw new Error(`restaurant "${r.id}", table "${t.id}": bad id or seats`);
      }
      for (const a of t.adjacentTo ?? []) {
        if (!tables.get(a)?.adjacentTo?.includes(t.id)) {
          throw new Error(`restaurant "${r.id}": adjacency ${t.id}–${a} must be listed on both tables`);
        }
      }
    }
    byId.set(r.id, r);
  }
  return byId;
}
