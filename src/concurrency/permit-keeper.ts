import { isPermitNotHeldError } from "../semaphore/errors.js";
import { localDeadlineOf, type Semaphores } from "../semaphore/semaphores.js";
import type { Permit } from "../semaphore/types.js";
import { ConcurrencyPermitLostError } from "./errors.js";

/**
 * Keeps a running call's permit alive: refreshes it every `intervalMs`, and declares it lost when a
 * refresh says it is not held, or when no refresh has confirmed it by the local moment it may have
 * expired (a watchdog, so a hung or unreachable store is noticed on time, not after the timeout).
 */
export class PermitKeeper {
  private permit: Permit;
  private refreshTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stopped = false;
  /** True once the permit was declared lost. */
  lost = false;

  constructor(
    private readonly semaphores: Semaphores,
    permit: Permit,
    private readonly intervalMs: number,
    private readonly onLost: (error: ConcurrencyPermitLostError) => void,
  ) {
    this.permit = permit;
  }

  /** The permit as last refreshed. */
  get current(): Permit {
    return this.permit;
  }

  start(): void {
    this.armWatchdog();
    this.schedule(this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.refreshTimer);
    clearTimeout(this.watchdog);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.refreshTimer = setTimeout(() => void this.refresh(), ms);
    // The work keeps the process alive, not its bookkeeping.
    this.refreshTimer.unref();
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    const deadline = localDeadlineOf(this.permit) ?? performance.now() + this.permit.ttlMs;
    this.watchdog = setTimeout(
      () => this.declareLost("no refresh confirmed it before its TTL ran out"),
      Math.max(0, deadline - performance.now()),
    );
    this.watchdog.unref();
  }

  private async refresh(): Promise<void> {
    try {
      const next = await this.semaphores.refresh(this.permit);
      if (this.stopped) return;
      this.permit = next;
      this.armWatchdog();
      this.schedule(this.intervalMs);
    } catch (e) {
      if (this.stopped) return;
      if (isPermitNotHeldError(e)) {
        this.declareLost("it expired or was released by someone else", e);
        return;
      }
      // The store could not answer: retry sooner; the watchdog decides when it is too late.
      const deadline = localDeadlineOf(this.permit) ?? 0;
      this.schedule(Math.max(10, Math.min(this.intervalMs, (deadline - performance.now()) / 2)));
    }
  }

  private declareLost(detail: string, cause?: unknown): void {
    if (this.stopped) return;
    this.stop();
    this.lost = true;
    this.onLost(
      new ConcurrencyPermitLostError(
        this.permit.name,
        this.permit.token,
        detail,
        cause ? { cause } : undefined,
      ),
    );
  }
}
