/**
 * The local fast path: when this process releases a permit, the oldest waiter in this process for
 * the same semaphore is woken at once instead of sleeping out its backoff. Releases by other
 * processes are still found by polling. Shared by every semaphore group on the same store object.
 */
import type { Store } from "../store/types.js";
import { abortReason } from "../util/abort.js";

/** One waiter of one semaphore key. */
export class Waiter {
  /** Set by a release in this process; the waiter retries at once instead of sleeping. */
  woken = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly registry: LocalWake,
    readonly key: string,
  ) {}

  /**
   * Sleeps `ms`, or less if a local release wakes it (also when that release happened while the
   * waiter's last attempt was in flight). Rejects with the signal's reason on abort.
   */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.woken || ms <= 0) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.wake = undefined;
        this.woken = false;
      };
      const onAbort = () => {
        done();
        reject(abortReason(signal!));
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, ms);
      this.wake = () => {
        done();
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Wakes this waiter (from a release). */
  notify(): void {
    this.woken = true;
    this.wake?.();
  }

  /** Leaves the registry; call exactly once, when the wait ends for any reason. */
  leave(): void {
    this.registry.remove(this);
  }
}

export class LocalWake {
  private readonly waiters = new Map<string, Set<Waiter>>();

  join(key: string): Waiter {
    const w = new Waiter(this, key);
    let set = this.waiters.get(key);
    if (!set) this.waiters.set(key, (set = new Set()));
    set.add(w);
    return w;
  }

  remove(w: Waiter): void {
    const set = this.waiters.get(w.key);
    if (!set) return;
    set.delete(w);
    if (set.size === 0) this.waiters.delete(w.key);
  }

  /** A permit of `key` was released here: wake the oldest waiter not yet woken. */
  released(key: string): void {
    const set = this.waiters.get(key);
    if (!set) return;
    for (const w of set) {
      if (!w.woken) {
        w.notify();
        return;
      }
    }
  }
}

const registries = new WeakMap<Store, LocalWake>();

/** The wake registry of `store`, created on first use. */
export function localWakeOf(store: Store): LocalWake {
  let r = registries.get(store);
  if (!r) registries.set(store, (r = new LocalWake()));
  return r;
}
