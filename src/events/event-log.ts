import type { Counter } from "prom-client";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { QuotaExceededError } from "../errors/quota-exceeded-error.js";
import { cappedLabel, counter } from "../observe/metrics.js";
import type { Store } from "../store/types.js";
import { assertDurationMs, assertInt, describeValue } from "../util/validate.js";
import { compareRecords, EVENTS_KIND, readRange, toRecord } from "./read.js";
import { decodeCursor, encodeCursor, pageLimit, type Page, type PageOptions } from "../util/cursor.js";
import { EventsStatus } from "./status.js";
import { appendScript, nowScript, registerScript, sourcesScript } from "./scripts/scripts.js";
import { tailEvents } from "./tail.js";
import {
  DEFAULT_EVENT_LOG_OPTIONS,
  type EventLogOptions,
  type EventQuery,
  type EventRecord,
  type EventRetention,
  type TailOptions,
} from "./types.js";
import { assertOptionsObject, assertToken, encodeJsonObject } from "./validate.js";

export { EVENTS_KIND };
/** Name of the index of sources; `~` cannot start a source name, so it never collides. */
const SOURCES_INDEX = "~sources";
/** Largest `limit` a query accepts. */
export const MAX_QUERY_LIMIT = 10_000;
/** Most sources in one page of {@link EventLog.sourcesPage} (one bounded call). */
export const MAX_SOURCES_PAGE = 1000;
const DEFAULT_QUERY_LIMIT = 100;
/**
 * How often a process re-lists a source it writes to in the index. The index lives in another
 * slot than the streams, so it cannot be updated in the append's script; re-registering now and
 * then repairs it after a server lost its data (restart without persistence, failover to a
 * lagging replica) at the cost of one extra round trip per source per minute.
 */
const REREGISTER_MS = 60_000;

const appendedTotal = counter(
  "holdfast_events_appended_total",
  "Events appended to the event log, by source.",
  ["source"] as const,
);

interface ResolvedRetention {
  maxLen: number;
  maxAgeMs: number;
}

function resolveRetention(field: string, r: unknown): ResolvedRetention {
  assertOptionsObject(field, r);
  const { maxLen, maxAgeMs } = r as EventRetention;
  return {
    maxLen: maxLen === undefined ? 0 : assertInt(`${field}.maxLen`, maxLen, 1, Number.MAX_SAFE_INTEGER),
    maxAgeMs: maxAgeMs === undefined ? 0 : assertDurationMs(`${field}.maxAgeMs`, maxAgeMs),
  };
}

/**
 * An append-only log of observability events on Redis Streams: one stream per source, so reading
 * one source is a range read in one hash slot, plus an index of sources (a sorted set in its own
 * slot) so that queries and tails across sources know which streams exist on a Redis Cluster.
 *
 * Guarantees: an event is appended atomically with its source's retention trimming; ids are unique
 * and increasing within a source (server clock, never going back); nothing but the retention
 * policy removes events. A source is registered in the index before its first event is written
 * (and again every minute by each writing process), so every source that has events is listed.
 */
export class EventLog {
  private readonly defaultRetention: ResolvedRetention;
  private readonly retentionBySource = new Map<string, ResolvedRetention>();
  /** Source → when this process last (re-)registered it in the index (Date.now, ms). */
  private readonly registered = new Map<string, number>();
  private readonly registering = new Map<string, Promise<unknown>>();
  private readonly counters = new Map<string, ReturnType<Counter<"source">["labels"]>>();
  private readonly indexKey: string;
  private readonly maxSources: number;

  constructor(
    readonly store: Store,
    options: EventLogOptions = {},
  ) {
    this.defaultRetention = resolveRetention(
      "retention",
      options.retention ?? DEFAULT_EVENT_LOG_OPTIONS.retention,
    );
    const sources = options.sources ?? DEFAULT_EVENT_LOG_OPTIONS.sources;
    assertOptionsObject("sources", sources);
    for (const [source, r] of Object.entries(sources)) {
      assertToken(`sources.${source}`, source);
      this.retentionBySource.set(source, resolveRetention(`sources.${source}`, r));
    }
    this.indexKey = store.keys.key(EVENTS_KIND, SOURCES_INDEX);
    this.maxSources = assertInt(
      "maxSources",
      options.maxSources ?? DEFAULT_EVENT_LOG_OPTIONS.maxSources,
      0,
      Number.MAX_SAFE_INTEGER,
    );
  }

  /** The retention applied to `source` (0 = no limit of that kind). */
  retentionOf(source: string): { maxLen: number; maxAgeMs: number } {
    return { ...(this.retentionBySource.get(source) ?? this.defaultRetention) };
  }

  /**
   * Appends one event and returns its id (`<ms>-<seq>`, ms on the server clock). One round trip,
   * plus one more the first time this process writes to `source` (to list it in the index).
   *
   * @param source e.g. `"assignment.state_machine"`: 1–128 characters of `[A-Za-z0-9_.:-]`
   * @param type e.g. `"transition"`, same rules
   * @param context a plain JSON object of at most 65 536 characters
   * @throws InvalidArgumentError before anything is written; QuotaExceededError for a new source
   *   past `maxSources` (nothing written); the store's typed errors
   * @example
   * await events.append("assignment.state_machine", "transition", { from: "created", to: "capacity_verified" });
   */
  async append(source: string, type: string, context: Record<string, unknown> = {}): Promise<string> {
    assertToken("source", source);
    assertToken("type", type);
    const json = encodeJsonObject("context", context);
    const registeredAt = this.registered.get(source);
    if (registeredAt === undefined || Date.now() - registeredAt > REREGISTER_MS) await this.register(source);
    const r = this.retentionBySource.get(source) ?? this.defaultRetention;
    const id = await this.store.run(
      appendScript,
      [this.store.keys.key(EVENTS_KIND, source)],
      [type, json, r.maxLen, r.maxAgeMs],
    );
    let c = this.counters.get(source);
    if (!c) {
      c = appendedTotal.labels(cappedLabel("holdfast_events_appended_total", "source", source));
      this.counters.set(source, c);
    }
    c.inc();
    return id;
  }

  private register(source: string): Promise<unknown> {
    let p = this.registering.get(source);
    if (!p) {
      p = this.store.run(registerScript, [this.indexKey], [source, this.maxSources]).then(
        (r) => {
          this.registering.delete(source);
          if (r === EventsStatus.Full) {
            throw new QuotaExceededError(
              "event sources",
              this.maxSources,
              "Reuse source names (put ids in the event's context), or raise `maxSources` (HOLDFAST_MAX_EVENT_SOURCES_PER_TENANT for `holdfast serve`).",
            );
          }
          this.registered.set(source, Date.now());
        },
        (e: unknown) => {
          this.registering.delete(source);
          throw e;
        },
      );
      this.registering.set(source, p);
    }
    return p;
  }

  /**
   * Every source that has ever been written to (oldest first): {@link sourcesPage} page after page,
   * {@link MAX_SOURCES_PAGE} per round trip, so no call's work grows with the number of sources.
   */
  async sources(): Promise<string[]> {
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.sourcesPage({ cursor, limit: MAX_SOURCES_PAGE });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return all;
  }

  /**
   * One page of the sources written to, oldest first: pass `nextCursor` back as `cursor` for the
   * next page (null after the last). One bounded round trip.
   * @param options `limit` 1–{@link MAX_SOURCES_PAGE}, default 100
   * @throws InvalidArgumentError for a cursor this listing did not return
   * @example
   * const { items, nextCursor } = await log.sourcesPage({ limit: 50 });
   */
  async sourcesPage(options: PageOptions = {}): Promise<Page<string>> {
    const limit = pageLimit("limit", options.limit, 100, MAX_SOURCES_PAGE);
    const [score, name] = decodeCursor("cursor", options.cursor, 2) ?? ["", ""];
    const [more, ...rows] = await this.store.run(sourcesScript, [this.indexKey], [limit, score, name]);
    const last = rows[rows.length - 1];
    return { items: rows.map((row) => row[1]), nextCursor: more === 1 && last ? encodeCursor(last) : null };
  }

  /** The Redis server's clock in ms (the memory store's clock in memory). */
  async serverTime(): Promise<number> {
    return await this.store.run(nowScript, [], []);
  }

  /**
   * Events matching `q`. With `source`, a range read of that source's stream (one round trip per
   * 2 048 entries examined); without it, the same read on every source in the index (one round trip
   * each, in parallel; different slots on a Cluster) merged by time. `since` is inclusive, `until`
   * exclusive; both are ms on the server clock and map to stream ids.
   *
   * @example
   * // SELECT … FROM observability_events WHERE source = 'assignment.state_machine'
   * //   AND created_at > NOW() - INTERVAL '5 minutes' ORDER BY created_at DESC
   * await events.query({ source: "assignment.state_machine", since: Date.now() - 5 * 60_000, order: "desc" });
   */
  async query(q: EventQuery = {}): Promise<EventRecord[]> {
    assertOptionsObject("query", q);
    if (q.source !== undefined) assertToken("source", q.source);
    if (q.type !== undefined) assertToken("type", q.type);
    if (q.since !== undefined) assertInt("since", q.since, 0, Number.MAX_SAFE_INTEGER);
    if (q.until !== undefined) assertInt("until", q.until, 0, Number.MAX_SAFE_INTEGER);
    const limit =
      q.limit === undefined ? DEFAULT_QUERY_LIMIT : assertInt("limit", q.limit, 1, MAX_QUERY_LIMIT);
    const order = q.order ?? "asc";
    if (order !== "asc" && order !== "desc") {
      throw new InvalidArgumentError("order", `must be "asc" or "desc", got ${describeValue(order)}`);
    }
    const low = q.since === undefined ? "-" : `${q.since}-0`;
    const high = q.until === undefined ? "+" : `(${q.until}-0`;
    const sources = q.source !== undefined ? [q.source] : await this.sources();
    const perSource = await Promise.all(
      sources.map(async (source) => {
        const r = await readRange(
          this.store,
          this.store.keys.key(EVENTS_KIND, source),
          order,
          low,
          high,
          limit,
          q.type === undefined ? "" : "type",
          q.type ?? "",
        );
        return r.rows.map((row) => toRecord(source, row));
      }),
    );
    if (perSource.length === 1) return perSource[0];
    const all = perSource.flat();
    all.sort(order === "asc" ? compareRecords : (a, b) => compareRecords(b, a));
    return all.length > limit ? all.slice(0, limit) : all;
  }

  /**
   * New events as they arrive, for `holdfast events tail`: an async iterator that polls (with
   * backoff while idle) and yields events in id order per source. Break out of the loop or abort
   * `signal` to stop. Store errors end the iteration with the store's typed error.
   *
   * @example
   * for await (const e of events.tail({ source: "assignment.state_machine" })) console.log(e.type, e.context);
   */
  tail(options: TailOptions = {}): AsyncGenerator<EventRecord, void, undefined> {
    return tailEvents(this, options);
  }
}

/**
 * Creates an {@link EventLog} on `store`. Options are validated here, once.
 *
 * @example
 * const events = createEventLog(store, { retention: { maxAgeMs: 7 * 24 * 3_600_000 } });
 * await events.append("checkout", "payment_failed", { orderId: "o-17" });
 */
export function createEventLog(store: Store, options: EventLogOptions = {}): EventLog {
  return new EventLog(store, options);
}
