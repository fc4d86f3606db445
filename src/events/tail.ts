import { sleep } from "../util/abort.js";
import { assertDurationMs, assertInt } from "../util/validate.js";
import type { Store } from "../store/types.js";
import { compareRecords, EVENTS_KIND, readRange, toRecord } from "./read.js";
import { DEFAULT_TAIL_OPTIONS, type EventRecord, type TailOptions } from "./types.js";
import { assertOptionsObject, assertToken } from "./validate.js";

/** Events one poll reads per source at most; a full batch makes the next poll come at once. */
const POLL_BATCH = 500;

/** What a tail reads through: the parts of an EventLog it needs (tail.ts does not import it). */
export interface TailedLog {
  readonly store: Store;
  /** The store's clock, ms: where a tail without `since` starts. */
  serverTime(): Promise<number>;
  /** Every source written to, for a tail of all of them. */
  sources(): Promise<string[]>;
}

/**
 * Polls every source (or one) for entries after a per-source cursor. Polling rather than
 * XREAD BLOCK: a blocking read needs a dedicated connection per tail (it would stall every other
 * command on a shared one) and, on a Cluster, one per master; polling with backoff costs one short
 * script call per source per interval and works identically on memory, Redis and Cluster.
 */
export async function* tailEvents(
  log: TailedLog,
  options: TailOptions,
): AsyncGenerator<EventRecord, void, undefined> {
  assertOptionsObject("options", options);
  if (options.source !== undefined) assertToken("source", options.source);
  if (options.type !== undefined) assertToken("type", options.type);
  if (options.since !== undefined) assertInt("since", options.since, 0, Number.MAX_SAFE_INTEGER);
  const minDelay = assertDurationMs(
    "pollIntervalMs",
    options.pollIntervalMs ?? DEFAULT_TAIL_OPTIONS.pollIntervalMs,
  );
  const maxDelay = assertDurationMs(
    "maxPollIntervalMs",
    options.maxPollIntervalMs ?? Math.max(minDelay, DEFAULT_TAIL_OPTIONS.maxPollIntervalMs),
    minDelay,
  );
  const { signal } = options;
  const store = log.store;
  const start = `${options.since ?? (await log.serverTime())}-0`;
  // Per source: the low bound of the next read (inclusive start, then exclusive after the last id seen).
  const cursors = new Map<string, string>();
  let delay = minDelay;
  while (!signal?.aborted) {
    const sources = options.source !== undefined ? [options.source] : await log.sources();
    let more = false;
    const batches = await Promise.all(
      sources.map(async (source) => {
        const r = await readRange(
          store,
          store.keys.key(EVENTS_KIND, source),
          "asc",
          cursors.get(source) ?? start,
          "+",
          POLL_BATCH,
          options.type === undefined ? "" : "type",
          options.type ?? "",
        );
        if (r.last !== "") cursors.set(source, `(${r.last}`);
        if (!r.exhausted) more = true;
        return r.rows.map((row) => toRecord(source, row));
      }),
    );
    const found = batches.length === 1 ? batches[0] : batches.flat().sort(compareRecords);
    for (const e of found) {
      if (signal?.aborted) return;
      yield e;
    }
    if (more) continue;
    delay = found.length > 0 ? minDelay : Math.min(maxDelay, delay * 2);
    try {
      await sleep(found.length > 0 ? minDelay : delay, signal);
    } catch {
      return; // aborted: end cleanly
    }
  }
}
