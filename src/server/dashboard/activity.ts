import { LRUCache } from "lru-cache";
import { EventSource, type Disposable } from "../../observe/disposable.js";
import type { ChangeKind } from "./live-events.js";

/** The counters the Overview charts, per tenant. */
export const SERIES = [
  "requests",
  "errors",
  "acquires",
  "conflicts",
  "denials",
  "holds",
  "deliveries",
] as const;
export type SeriesName = (typeof SERIES)[number];

/** One sample interval, in ms. */
export const SAMPLE_MS = 2000;
/** Samples kept per counter: 150 × 2 s = the last 5 minutes. */
export const SAMPLES = 150;
/** Samples a rate is computed over: 30 × 2 s = the last minute. */
export const RATE_SAMPLES = 30;

/** Tenants tracked at once (least recently active dropped first). */
export const MAX_TENANTS = 1000;
/** Per tenant: rate limiters, semaphores, breakers, rooms and channels remembered at most. */
export const MAX_NAMES = 500;
/** Transitions kept per breaker. */
export const BREAKER_HISTORY = 20;

/** The value of `key` in `cache`, made (and the least recently used one dropped) when missing. */
function getOrCreate<V extends object>(cache: LRUCache<string, V>, key: string, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) cache.set(key, (v = make()));
  return v;
}

/** Counts per sample interval over the last `length` intervals (plus the interval under way). */
export class CountRing {
  private readonly values: number[];
  private head = 0;
  private filled = 0;
  private current = 0;
  private rolledAt = Date.now();
  total = 0;

  constructor(readonly length: number) {
    this.values = new Array<number>(length).fill(0);
  }

  add(n = 1): void {
    this.current += n;
    this.total += n;
  }

  /** Closes the interval under way. */
  roll(): void {
    this.values[this.head] = this.current;
    this.head = (this.head + 1) % this.length;
    this.filled = Math.min(this.filled + 1, this.length);
    this.current = 0;
    this.rolledAt = Date.now();
  }

  /** The closed intervals, oldest first. */
  toArray(): number[] {
    const out: number[] = [];
    for (let i = this.filled; i > 0; i--) out.push(this.values[(this.head - i + this.length) % this.length]);
    return out;
  }

  /** Events per second over the last `samples` closed intervals and the one under way. */
  ratePerSec(samples = RATE_SAMPLES): number {
    const n = Math.min(samples, this.filled);
    let sum = this.current;
    for (let i = 1; i <= n; i++) sum += this.values[(this.head - i + this.length) % this.length];
    const ms = n * SAMPLE_MS + Math.max(1, Date.now() - this.rolledAt);
    return sum / (ms / 1000);
  }
}

export type { ChangeKind } from "./live-events.js";

export interface Change {
  kind: ChangeKind;
  /** The lock, item, breaker… concerned, when one is. */
  name?: string;
}

/** A rate limiter seen through this service: its limits as last sent, and its decisions. */
export interface LimiterSeen {
  limits: unknown[];
  allowed: CountRing;
  denied: CountRing;
  lastSeenAt: number;
}

/** One breaker transition as this service knows it. */
export interface BreakerEvent {
  at: number;
  state: string;
  /** `admin`: an admin action through this service; `observed`: seen on a read. */
  via: "admin" | "observed";
  /** Transitions the store counted that this service did not see, before this one. */
  missed?: number;
}

interface BreakerHistory {
  events: BreakerEvent[];
  state?: string;
  gen?: number;
}

/** What one tenant did through this service over the last minutes. */
export class TenantActivity {
  readonly series = Object.fromEntries(SERIES.map((s) => [s, new CountRing(SAMPLES)])) as Record<
    SeriesName,
    CountRing
  >;
  readonly limiters = new LRUCache<string, LimiterSeen>({ max: MAX_NAMES });
  readonly semaphoreLimits = new LRUCache<string, number>({ max: MAX_NAMES });
  readonly admissions = new LRUCache<string, CountRing>({ max: MAX_NAMES });
  readonly channelMessages = new LRUCache<string, CountRing>({ max: MAX_NAMES });
  private readonly breakers = new LRUCache<string, BreakerHistory>({ max: MAX_NAMES });
  private readonly changes = new EventSource<Change>();

  /** Closes the interval under way of every counter. */
  roll(): void {
    for (const s of SERIES) this.series[s].roll();
    for (const l of this.limiters.values()) {
      l.allowed.roll();
      l.denied.roll();
    }
    for (const r of this.admissions.values()) r.roll();
    for (const r of this.channelMessages.values()) r.roll();
  }

  count(series: SeriesName, n = 1): void {
    this.series[series].add(n);
  }

  limiter(name: string, limits: unknown[] | undefined, outcome: "allowed" | "denied" | undefined): void {
    const seen = getOrCreate(this.limiters, name, () => ({
      limits: limits ?? [],
      allowed: new CountRing(RATE_SAMPLES),
      denied: new CountRing(RATE_SAMPLES),
      lastSeenAt: Date.now(),
    }));
    if (limits) seen.limits = limits;
    seen.lastSeenAt = Date.now();
    if (outcome) seen[outcome].add();
  }

  admitted(room: string, n: number): void {
    getOrCreate(this.admissions, room, () => new CountRing(RATE_SAMPLES)).add(n);
  }

  channelMessage(channel: string): void {
    getOrCreate(this.channelMessages, channel, () => new CountRing(RATE_SAMPLES)).add();
  }

  /** Records a breaker state: an admin action, or a read that may reveal a change made elsewhere. */
  breakerState(name: string, state: string, via: BreakerEvent["via"], gen?: number): void {
    const h = getOrCreate(this.breakers, name, () => ({ events: [] }));
    const missed = gen !== undefined && h.gen !== undefined ? gen - h.gen - 1 : 0;
    const changed = h.state === undefined ? via === "admin" : h.state !== state || missed > 0;
    if (changed) {
      h.events.push({ at: Date.now(), state, via, ...(missed > 0 ? { missed } : {}) });
      if (h.events.length > BREAKER_HISTORY) h.events.shift();
    }
    h.state = state;
    if (gen !== undefined) h.gen = gen;
    else if (via === "admin") h.gen = undefined;
  }

  breakerHistory(name: string): BreakerEvent[] {
    return [...(this.breakers.get(name)?.events ?? [])];
  }

  notify(change: Change): void {
    this.changes.emit(change);
  }

  onChange(listener: (change: Change) => void): Disposable {
    return this.changes.on(listener);
  }
}

/**
 * The service's activity per tenant, sampled every {@link SAMPLE_MS}: what the Overview's rates and
 * sparklines show, the limiters, semaphore limits and breaker transitions seen, and the change
 * notices the live stream pushes. In memory and per process; bounded in tenants and names.
 */
export class Activity {
  readonly startedAt = Date.now();
  private readonly tenants = new LRUCache<string, TenantActivity>({ max: MAX_TENANTS });
  private timer: NodeJS.Timeout | undefined;
  private readonly ticks = new EventSource<number>();

  /** Starts sampling (idempotent). */
  start(): void {
    this.timer ??= setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Closes the interval under way everywhere (the timer calls it; tests may too). */
  sample(): void {
    for (const t of this.tenants.values()) t.roll();
    this.ticks.emit(Date.now());
  }

  of(tenant: string): TenantActivity {
    return getOrCreate(this.tenants, tenant, () => new TenantActivity());
  }

  /** Called after each sample. */
  onSample(listener: (at: number) => void): Disposable {
    return this.ticks.on(listener);
  }
}
