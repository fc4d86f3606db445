import type { MemoryDb } from "../store/memory/memory-db.js";
import type { MemoryStore } from "../store/memory/memory-store.js";
import { globToRegExp, type Transport, type TransportEvents } from "./transport.js";

type Listener = (liveName: string, message: string) => void;

/**
 * The memory store's pub/sub: one in-process bus per {@link MemoryDb}, so the publish script's
 * twin can publish inside the same atomic step as its append, exactly as the Lua script does.
 * Delivery is deferred to a microtask, as a network would defer it, and keeps publish order.
 */
export class MemoryBus {
  private readonly exact = new Map<string, Set<Listener>>();
  private readonly patterns = new Map<string, { re: RegExp; listeners: Set<Listener> }>();

  /**
   * PUBLISH: returns how many subscriptions receive the message. `schedule` runs the delivery (the
   * publish script's twin passes its store's `afterCommit`, so a refused script delivers nothing).
   */
  publish(liveName: string, message: string, schedule: (deliver: () => void) => void = (d) => d()): number {
    const targets: Listener[] = [];
    const exact = this.exact.get(liveName);
    if (exact) targets.push(...exact);
    for (const p of this.patterns.values()) if (p.re.test(liveName)) targets.push(...p.listeners);
    if (targets.length > 0) {
      schedule(() =>
        queueMicrotask(() => {
          for (const l of targets) l(liveName, message);
        }),
      );
    }
    return targets.length;
  }

  subscribe(liveName: string, listener: Listener): () => void {
    let set = this.exact.get(liveName);
    if (!set) this.exact.set(liveName, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.exact.get(liveName) === set) this.exact.delete(liveName);
    };
  }

  psubscribe(pattern: string, listener: Listener): () => void {
    let entry = this.patterns.get(pattern);
    if (!entry) this.patterns.set(pattern, (entry = { re: globToRegExp(pattern), listeners: new Set() }));
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0 && this.patterns.get(pattern) === entry) this.patterns.delete(pattern);
    };
  }
}

const buses = new WeakMap<MemoryDb, MemoryBus>();

/** The bus of a memory store's data (created on first use). */
export function busOf(db: MemoryDb): MemoryBus {
  let bus = buses.get(db);
  if (!bus) buses.set(db, (bus = new MemoryBus()));
  return bus;
}

/** The {@link Transport} of a memory store: its in-process bus. Never disconnects. */
export class MemoryTransport implements Transport {
  readonly sharded = false;
  readonly supportsPatterns = true;
  private readonly bus: MemoryBus;

  constructor(
    store: MemoryStore,
    private readonly events: TransportEvents,
  ) {
    this.bus = busOf(store.db);
  }

  init(): Promise<void> {
    return Promise.resolve();
  }

  subscribe(liveName: string): Promise<void> {
    if (this.unsubscribers.has(liveName)) return Promise.resolve();
    const stop = this.bus.subscribe(liveName, (name, message) => this.events.message(name, message));
    this.unsubscribers.set(liveName, stop);
    return Promise.resolve();
  }

  unsubscribe(liveName: string): Promise<void> {
    this.unsubscribers.get(liveName)?.();
    this.unsubscribers.delete(liveName);
    return Promise.resolve();
  }

  psubscribe(pattern: string): Promise<void> {
    const key = `p:${pattern}`;
    if (this.unsubscribers.has(key)) return Promise.resolve();
    const stop = this.bus.psubscribe(pattern, (name, message) =>
      this.events.pmessage(pattern, name, message),
    );
    this.unsubscribers.set(key, stop);
    return Promise.resolve();
  }

  punsubscribe(pattern: string): Promise<void> {
    const key = `p:${pattern}`;
    this.unsubscribers.get(key)?.();
    this.unsubscribers.delete(key);
    return Promise.resolve();
  }

  close(): Promise<void> {
    for (const stop of this.unsubscribers.values()) stop();
    this.unsubscribers.clear();
    return Promise.resolve();
  }

  private readonly unsubscribers = new Map<string, () => void>();
}
