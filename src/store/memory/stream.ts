import type { MemoryDb } from "./memory-db.js";
import { STREAM_ENTRY_COST, strBytes } from "./budget.js";

/** One stream entry: id `ms-seq` and flat field/value pairs, as XRANGE returns them. */
export interface StreamEntry {
  id: string;
  ms: number;
  seq: number;
  fields: string[];
}

/** Parses a stream id (`ms-seq`, `ms`, `-`, `+`) into [ms, seq]; `-`/`+` are the extremes. */
export function parseStreamId(id: string, missingSeq: 0 | "max" = 0): [number, number] {
  if (id === "-") return [0, 0];
  if (id === "+") return [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  const dash = id.indexOf("-");
  if (dash < 0) return [Number(id), missingSeq === "max" ? Number.MAX_SAFE_INTEGER : 0];
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

function cmp(aMs: number, aSeq: number, bMs: number, bSeq: number): number {
  return aMs !== bMs ? aMs - bMs : aSeq - bSeq;
}

/**
 * The memory twin of a Redis Stream: append-only entries with `ms-seq` ids generated as XADD `*`
 * does (never going backwards, even if the clock does), exact MAXLEN / MINID trimming, and ranges.
 */
export class MemoryStream {
  private entries: StreamEntry[] = [];
  private head = 0;
  lastMs = 0;
  lastSeq = 0;
  /** Entries ever added (XINFO STREAM's entries-added). */
  entriesAdded = 0;

  /** @param onResize told the bytes each change adds (or frees, negative), for the store's budget */
  constructor(private readonly onResize: (delta: number) => void = () => undefined) {}

  /** An independent copy (the store undoes a script refused for its budget with it). */
  clone(): MemoryStream {
    const copy = new MemoryStream(this.onResize);
    copy.entries = this.entries.slice(this.head);
    copy.lastMs = this.lastMs;
    copy.lastSeq = this.lastSeq;
    copy.entriesAdded = this.entriesAdded;
    return copy;
  }

  private static bytesOf(e: StreamEntry): number {
    let n = STREAM_ENTRY_COST + strBytes(e.id);
    for (const f of e.fields) n += strBytes(f);
    return n;
  }

  private freed(from: number, to: number): void {
    let n = 0;
    for (let i = from; i < to; i++) n += MemoryStream.bytesOf(this.entries[i]);
    if (n > 0) this.onResize(-n);
  }

  get length(): number {
    return this.entries.length - this.head;
  }

  get lastId(): string {
    return `${this.lastMs}-${this.lastSeq}`;
  }

  /** XADD key * field value …: returns the new id. */
  add(nowMs: number, fields: string[]): string {
    let ms = nowMs;
    let seq = 0;
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      seq = this.lastSeq + 1;
    }
    this.lastMs = ms;
    this.lastSeq = seq;
    this.entriesAdded++;
    const id = `${ms}-${seq}`;
    const entry = { id, ms, seq, fields };
    this.entries.push(entry);
    this.onResize(MemoryStream.bytesOf(entry));
    return id;
  }

  /** XTRIM MAXLEN = n (exact): removes the oldest entries beyond n; returns how many. */
  trimMaxLen(n: number): number {
    const excess = this.length - n;
    if (excess <= 0) return 0;
    this.freed(this.head, this.head + excess);
    this.head += excess;
    this.compact();
    return excess;
  }

  /** XTRIM MINID = id (exact): removes entries with an id lower than `id`; returns how many. */
  trimMinId(id: string): number {
    const [ms, seq] = parseStreamId(id);
    let removed = 0;
    const from = this.head;
    while (
      this.head < this.entries.length &&
      cmp(this.entries[this.head].ms, this.entries[this.head].seq, ms, seq) < 0
    ) {
      this.head++;
      removed++;
    }
    this.freed(from, this.head);
    this.compact();
    return removed;
  }

  /** XRANGE start end [COUNT n]: ids may be `-`, `+`, `ms`, `ms-seq`, or `(ms-seq` for exclusive. */
  range(start: string, end: string, count = Infinity): StreamEntry[] {
    const exclusiveStart = start.startsWith("(");
    const exclusiveEnd = end.startsWith("(");
    const [sMs, sSeq] = parseStreamId(exclusiveStart ? start.slice(1) : start, 0);
    const [eMs, eSeq] = parseStreamId(exclusiveEnd ? end.slice(1) : end, "max");
    const out: StreamEntry[] = [];
    for (let i = this.lowerBound(sMs, sSeq); i < this.entries.length && out.length < count; i++) {
      const e = this.entries[i];
      if (exclusiveStart && e.ms === sMs && e.seq === sSeq) continue;
      const c = cmp(e.ms, e.seq, eMs, eSeq);
      if (c > 0 || (exclusiveEnd && c === 0)) break;
      out.push(e);
    }
    return out;
  }

  /** XREVRANGE end start [COUNT n]: newest first. */
  revRange(end: string, start: string, count = Infinity): StreamEntry[] {
    const all = this.range(start, end);
    return all.slice(Math.max(0, all.length - count)).reverse();
  }

  /** The oldest entry still kept, if any. */
  first(): StreamEntry | undefined {
    return this.entries[this.head];
  }

  /** The newest entry, if any. */
  last(): StreamEntry | undefined {
    return this.length > 0 ? this.entries[this.entries.length - 1] : undefined;
  }

  private lowerBound(ms: number, seq: number): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(this.entries[mid].ms, this.entries[mid].seq, ms, seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

/** The stream stored at `key` in `db` (type `stream`), created when `create` is set. */
export function memoryStream(db: MemoryDb, key: string, create: boolean): MemoryStream | undefined {
  return db.getTyped<MemoryStream>(
    key,
    "stream",
    create ? () => new MemoryStream((delta) => db.resizeKey(key, delta)) : undefined,
  );
}
