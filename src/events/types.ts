/**
 * How much of a source's stream is kept. Trimming happens inside the append script, only by this
 * policy: nothing else ever removes events. Without either field every event is kept forever.
 */
export interface EventRetention {
  /** Keep at most this many events per source (exact trimming of the oldest). @defaultValue unlimited */
  maxLen?: number;
  /** Remove events older than this many ms (server clock), checked at each append. @defaultValue unlimited */
  maxAgeMs?: number;
}

/** Options of {@link createEventLog}, validated once at construction. */
export interface EventLogOptions {
  /**
   * Retention of every source without an entry in {@link sources}. Pass `{}` to keep everything.
   * @defaultValue `{ maxLen: 100_000 }` (per source)
   */
  retention?: EventRetention;
  /** Per-source retention, replacing {@link retention} for that source. @defaultValue `{}` */
  sources?: Record<string, EventRetention>;
  /**
   * Most sources the log may hold (sources are never removed from its index): appending to a new
   * source past it fails with `QuotaExceededError` and writes nothing. 0 = no cap. `holdfast serve`
   * sets it per tenant (HOLDFAST_MAX_EVENT_SOURCES_PER_TENANT). @defaultValue 0
   */
  maxSources?: number;
}

/** The defaults of {@link EventLogOptions}. */
export const DEFAULT_EVENT_LOG_OPTIONS = {
  retention: { maxLen: 100_000 },
  sources: {},
  maxSources: 0,
} as const satisfies Required<EventLogOptions>;

/** One event as {@link EventLog.query} and {@link EventLog.tail} return it. */
export interface EventRecord<C extends Record<string, unknown> = Record<string, unknown>> {
  /** The stream id `<ms>-<seq>`: unique and increasing within a source. */
  id: string;
  source: string;
  type: string;
  /** When it was appended, in ms on the Redis server's clock (the id's first part). */
  at: number;
  context: C;
}

/** A query over the log: the equivalent of `SELECT … FROM observability_events WHERE …`. */
export interface EventQuery {
  /** Only this source (a range read of one stream). @defaultValue every source in the index */
  source?: string;
  /** Only this event type (filtered inside the script). @defaultValue every type */
  type?: string;
  /** Events at or after this time, ms since the epoch (server clock). @defaultValue the oldest kept */
  since?: number;
  /** Events strictly before this time, ms since the epoch (server clock). @defaultValue no bound */
  until?: number;
  /** The most events to return, 1 to 10 000. @defaultValue 100 */
  limit?: number;
  /** `"asc"` oldest first, `"desc"` newest first (the limit keeps the newest). @defaultValue "asc" */
  order?: "asc" | "desc";
}

/** Options of {@link EventLog.tail}. */
export interface TailOptions {
  /** Only this source. @defaultValue every source, including sources that appear while tailing */
  source?: string;
  /** Only this event type. @defaultValue every type */
  type?: string;
  /** Start with events at or after this time (ms, server clock). @defaultValue now (server clock) */
  since?: number;
  /** First wait between polls that found nothing, in ms; doubles up to {@link maxPollIntervalMs}. @defaultValue 100 */
  pollIntervalMs?: number;
  /** Longest wait between polls, in ms. @defaultValue 2000 */
  maxPollIntervalMs?: number;
  /** Ends the iteration (cleanly, without an error) when aborted. */
  signal?: AbortSignal;
}

/** The defaults of {@link TailOptions}. */
export const DEFAULT_TAIL_OPTIONS = { pollIntervalMs: 100, maxPollIntervalMs: 2000 } as const;
