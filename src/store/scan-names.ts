import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { decodeCursor, encodeCursor, type Page } from "../util/cursor.js";
import { assertInt, MAX_NAME_LENGTH } from "../util/validate.js";
import { SUFFIX_SEPARATOR } from "./keyspace.js";
import type { Store } from "./types.js";

/** A key kind to list: its own keys (`"lock"`), or the keys with one suffix (`{ kind: "room", suffix: "q" }`). */
export type NameSource = string | { kind: string; suffix: string };

/** Options of {@link scanNames}. */
export interface ScanNamesOptions {
  /** Only names starting with this. @defaultValue "" (all) */
  prefix?: string;
  /** About this many items per page, 1–10,000 (a Redis page may hold a few more). @defaultValue 50 */
  limit?: number;
  /** The `nextCursor` of the previous page; omit for the first page. */
  cursor?: string;
}

/** One page of {@link scanNames}: pass `nextCursor` back as `cursor`; null when complete. */
export type NamesPage<T> = Page<T>;

/**
 * Store keys examined per page at most (Redis), so one page never walks a whole large keyspace:
 * about 50 SCAN calls of 1,000 keys for a filtered page (tens of ms), far fewer unfiltered.
 */
export const SCAN_NAMES_KEY_BUDGET = 50_000;

/** `text` as a literal inside a SCAN MATCH pattern (Redis' glob; the memory store reads it alike). */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

/**
 * Lists the names of one or more key kinds page by page, resumable with an opaque cursor. Each page
 * does bounded work: SCAN calls over at most {@link SCAN_NAMES_KEY_BUDGET} keys on Redis (one
 * pass over the keys in memory), so a page may come back short, even empty, with a cursor to go
 * on from. Kinds are scanned one after the other; `visit` turns a name into an item, or null to
 * skip it (e.g. a lock that expired between the scan and the read).
 */
export async function scanNames<T>(
  store: Store,
  kinds: readonly NameSource[],
  options: ScanNamesOptions,
  visit: (kind: string, name: string, index: number) => Promise<T | null>,
): Promise<NamesPage<T>> {
  const prefix = options.prefix ?? "";
  if (typeof prefix !== "string" || prefix.length > MAX_NAME_LENGTH) {
    throw new InvalidArgumentError("prefix", `must be a string of at most ${MAX_NAME_LENGTH} characters`);
  }
  const limit = assertInt("limit", options.limit ?? 50, 1, 10_000);
  let { kind, storeCursor } = readCursor(options.cursor, kinds.length);
  // Redis examines about `count` keys per SCAN: about the page size unfiltered (each key is a hit),
  // more when a prefix filters (few keys are). Memory returns at most `count` matching keys.
  const count = prefix === "" ? Math.max(10, limit) : Math.max(1000, limit);
  let budget = SCAN_NAMES_KEY_BUDGET;
  const items: T[] = [];
  while (kind < kinds.length && items.length < limit && budget > 0) {
    const source = kinds[kind];
    const k = typeof source === "string" ? source : source.kind;
    const tail = typeof source === "string" ? "" : SUFFIX_SEPARATOR + source.suffix;
    // The prefix narrows the scan on the server (a name with a hash tag keeps it, so it may not
    // start right after the kind: "contains", then exactly "starts with" below).
    const filter = prefix === "" ? "*" : `*${globEscape(prefix)}*`;
    const page = await store.scanPage(`${store.keys.prefix}${k}:${filter}${tail}`, {
      cursor: storeCursor,
      count: store.kind === "memory" ? limit - items.length : count,
    });
    budget -= count;
    const names = page.keys.flatMap((key) => {
      if (tail !== "" && !key.endsWith(tail)) return [];
      const name = store.keys.nameOf(k, tail === "" ? key : key.slice(0, -tail.length));
      return name !== undefined && name.startsWith(prefix) ? [name] : [];
    });
    const index = kind;
    const found = await Promise.all(names.map((name) => visit(k, name, index)));
    for (const item of found) if (item !== null) items.push(item);
    if (page.cursor === null) {
      kind++;
      storeCursor = undefined;
    } else {
      storeCursor = page.cursor;
    }
  }
  return {
    items,
    nextCursor: kind >= kinds.length ? null : pageCursor(kind, storeCursor),
  };
}

/** `[kind index, store cursor]` as an opaque cursor (util/cursor.ts). */
function pageCursor(kind: number, storeCursor: string | undefined): string {
  return encodeCursor([String(kind), storeCursor ?? ""]);
}

function readCursor(
  cursor: string | undefined,
  kinds: number,
): { kind: number; storeCursor: string | undefined } {
  const parts = decodeCursor("cursor", cursor === "" ? undefined : cursor, 2);
  if (!parts) return { kind: 0, storeCursor: undefined };
  const kind = Number(parts[0]);
  if (!/^\d{1,3}$/.test(parts[0]) || kind >= kinds) {
    throw new InvalidArgumentError("cursor", "must be a nextCursor returned by the previous page");
  }
  return { kind, storeCursor: parts[1] === "" ? undefined : parts[1] };
}
