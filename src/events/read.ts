import type { Store } from "../store/types.js";
import { compareStreamIds, streamIdParts } from "../util/stream-id.js";
import { decodeRange, type StreamRow } from "./decode.js";
import { rangeScript } from "./scripts/scripts.js";
import type { EventRecord } from "./types.js";

/** Key kind of the per-source streams and of the index of sources. */
export const EVENTS_KIND = "events";

/** Entries one script call examines at most, so a filtered read never blocks Redis for long. */
export const SCAN_BUDGET = 2048;

/** A range of one stream, with a cursor to go on from. */
export interface RangeRead {
  rows: StreamRow[];
  /** Id of the last entry examined (matching or not), or "" when none was. */
  last: string;
  /** True when nothing further lies in the range. */
  exhausted: boolean;
}

/**
 * Reads up to `limit` entries of `key` between `low` and `high` (XRANGE syntax), keeping only those
 * whose `field` equals `value` when `field` is set. Each round trip examines at most
 * {@link SCAN_BUDGET} entries; calls repeat until `limit` matches or the range ends.
 */
export async function readRange(
  store: Store,
  key: string,
  order: "asc" | "desc",
  low: string,
  high: string,
  limit: number,
  field = "",
  value = "",
): Promise<RangeRead> {
  const rows: StreamRow[] = [];
  let last = "";
  for (;;) {
    const budget = Math.max(SCAN_BUDGET, limit - rows.length);
    const r = decodeRange(
      await store.run(rangeScript, [key], [order, low, high, limit - rows.length, field, value, budget]),
    );
    for (const row of r.rows) rows.push(row);
    if (r.last !== "") last = r.last;
    if (r.exhausted || rows.length >= limit || r.last === "") {
      return { rows, last, exhausted: r.exhausted || r.last === "" };
    }
    if (order === "asc") low = `(${r.last}`;
    else high = `(${r.last}`;
  }
}

/** Decodes one stream row of `source` into an {@link EventRecord}. */
export function toRecord(source: string, row: StreamRow): EventRecord {
  const ctx = row.fields.get("ctx");
  return {
    id: row.id,
    source,
    type: row.fields.get("type") ?? "",
    at: streamIdParts(row.id)[0],
    context: ctx ? (JSON.parse(ctx) as Record<string, unknown>) : {},
  };
}

/** Orders records by id (time, then sequence), then by source for equal ids from different streams. */
export function compareRecords(a: EventRecord, b: EventRecord): number {
  return compareStreamIds(a.id, b.id) || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);
}
