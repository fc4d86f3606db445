import { randomUUID } from "node:crypto";
import { reportDegraded } from "../observe/degradation.js";
import type { Script, ScriptArg } from "../store/script.js";
import type { Store } from "../store/types.js";
import { BrokenCircuitError, IsolatedCircuitError } from "./errors.js";
import { LocalCore, type Outcome, type Ticket } from "./local-core.js";
import type { BreakerConfig } from "./options.js";
import { decodeReply, type SharedReply } from "./decode.js";
import {
  admitScript,
  forceScript,
  reportScript,
  settleScript,
  type BreakerReply,
  type ReportArgs,
} from "./scripts/scripts.js";
import { CLOSED, ISOLATED, type BreakerState } from "./state.js";
import { BreakerStatus } from "./status.js";

/**
 * The shared breaker's client side. The store holds the authoritative state; this instance keeps
 * a copy at most `syncIntervalMs` old and decides from it, so a closed breaker costs no round trip
 * per call:
 *
 * - outcomes are counted locally and sent in batches: at once (coalesced, in the background) after
 *   a failure, and with the next sync otherwise;
 * - a call that finds the copy older than `syncIntervalMs` waits for one sync (shared by every
 *   concurrent caller), which is the staleness bound;
 * - half-open trials are leased through the store, so only `halfOpenMaxTrials` calls probe at once
 *   across all instances.
 *
 * When the store fails, a {@link LocalCore} seeded from the last known state takes over (degraded),
 * each decision is reported with `reportDegraded`, and a background sync every `syncIntervalMs`
 * brings the instance back to the shared state once the store answers.
 */
export class SharedCore {
  private readonly store: Store;
  private readonly keys: string[];
  private state: BreakerState = CLOSED;
  private gen = -1;
  private localUntil = 0;
  private fetchedAt = -Infinity;
  private probeBlockedUntil = 0;
  private pendingOk = 0;
  private pendingFailed = 0;
  private pendingTail = 0;
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private local: LocalCore | undefined;
  private lastError = "";
  private lastRecovery = 0;
  private recovering = false;
  private readonly reportArgs: ReportArgs;

  constructor(
    private readonly cfg: BreakerConfig,
    private readonly onChange: (state: BreakerState) => void,
    private readonly onDegradedChange: (degraded: boolean, reason: string) => void,
  ) {
    this.store = cfg.store!;
    this.keys = [
      this.store.keys.key("breaker", cfg.name),
      this.store.keys.key("breaker", cfg.name, "window"),
      this.store.keys.key("breaker", cfg.name, "trials"),
    ];
    this.reportArgs = [
      0,
      0,
      0,
      0,
      cfg.strategyCode,
      cfg.threshold,
      cfg.minCalls,
      cfg.bucketMs,
      cfg.buckets,
      cfg.baseMs,
      cfg.capMs,
      cfg.stateTtlMs,
    ];
  }

  get degraded(): boolean {
    return this.local !== undefined;
  }

  /** The state this instance decides from (the local one while degraded). */
  get current(): BreakerState {
    return this.local ? this.local.state : this.state;
  }

  async admit(): Promise<Ticket> {
    let now = Date.now();
    if (!this.local && now - this.fetchedAt >= this.cfg.syncIntervalMs) {
      await this.flush();
      now = Date.now();
    }
    if (this.local) return this.admitDegraded(now);
    const s = this.state;
    if (s.kind === "closed") return { trial: false, gen: this.gen };
    if (s.kind === "isolated") throw new IsolatedCircuitError(this.cfg.name, false);
    if (s.kind === "open" && now < this.localUntil) {
      throw new BrokenCircuitError(this.cfg.name, "open", this.localUntil - now, false);
    }
    if (now < this.probeBlockedUntil) throw new BrokenCircuitError(this.cfg.name, "half-open", 0, false);
    return this.probe(now);
  }

  /** Records an outcome. Resolves once a trial's outcome is in the store; normal calls never wait. */
  async settle(ticket: Ticket, outcome: Outcome): Promise<void> {
    if (ticket.token === undefined) {
      if (ticket.gen < 0 || this.local) {
        if (ticket.gen < 0 && this.local) {
          this.local.settle({ trial: ticket.trial, gen: -ticket.gen - 1 }, outcome, Date.now());
        }
        return;
      }
      if (ticket.gen !== this.gen || this.state.kind !== "closed" || outcome === "ignored") return;
      if (outcome === "success") {
        this.pendingOk++;
        this.pendingTail = 0;
        return;
      }
      this.pendingFailed++;
      this.pendingTail++;
      void this.flush();
      return;
    }
    const code = outcome === "success" ? 1 : outcome === "failure" ? 0 : 2;
    try {
      await this.runTimed(settleScript, ticket.token, code);
    } catch (e) {
      this.enterDegraded(e);
      // The lease will expire on the server; this instance judges the trial locally meanwhile.
      if (outcome !== "ignored" && this.local && this.local.state.kind !== "closed") {
        if (outcome === "success") this.local.reset();
        else this.local.trip(Date.now());
      }
    }
  }

  async force(target: 0 | 1 | 3, durationMs: number): Promise<void> {
    try {
      await this.runTimed(forceScript, target, durationMs);
    } catch (e) {
      // Protect this instance at least, then tell the caller the others did not hear it.
      this.enterDegraded(e);
      const local = this.local!;
      if (target === 0) local.reset();
      else if (target === 3) local.isolate();
      else local.trip(Date.now(), durationMs > 0 ? durationMs : undefined);
      throw e;
    }
  }

  /** Sends the pending outcomes and refreshes the cached state; concurrent callers share one trip. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.flushAgain = false;
        await this.sync();
      } while (this.flushAgain && !this.local);
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async sync(): Promise<void> {
    const args: ReportArgs = [...this.reportArgs];
    args[0] = this.gen;
    args[1] = this.pendingOk;
    args[2] = this.pendingFailed;
    args[3] = this.pendingTail;
    this.pendingOk = this.pendingFailed = this.pendingTail = 0;
    try {
      const raw = await this.store.run(reportScript, this.keys, args);
      this.apply(decodeReply(reportScript.name, raw));
    } catch (e) {
      this.enterDegraded(e);
    }
  }

  /** Runs settle or force, whose last three arguments are the backoff and state TTL, and applies its reply. */
  private async runTimed<A extends ScriptArg, B extends ScriptArg>(
    script: Script<[A, B, baseMs: number, capMs: number, stateTtlMs: number], BreakerReply>,
    first: A,
    second: B,
  ): Promise<void> {
    const raw = await this.store.run(script, this.keys, [
      first,
      second,
      this.cfg.baseMs,
      this.cfg.capMs,
      this.cfg.stateTtlMs,
    ]);
    this.apply(decodeReply(script.name, raw));
  }

  private async probe(now: number): Promise<Ticket> {
    const token = randomUUID();
    let reply: SharedReply;
    try {
      const raw = await this.store.run(admitScript, this.keys, [
        token,
        this.cfg.trialLeaseTtlMs,
        this.cfg.maxTrials,
        this.cfg.stateTtlMs,
      ]);
      reply = decodeReply(admitScript.name, raw);
    } catch (e) {
      this.enterDegraded(e);
      return this.admitDegraded(Date.now());
    }
    this.apply(reply);
    if (reply.flag === 1) return { trial: true, gen: this.gen, token };
    const s = this.state;
    if (s.kind === "closed") return { trial: false, gen: this.gen };
    if (s.kind === "isolated") throw new IsolatedCircuitError(this.cfg.name, false);
    if (s.kind === "open") {
      throw new BrokenCircuitError(this.cfg.name, "open", Math.max(0, this.localUntil - now), false);
    }
    // Every trial slot is leased elsewhere: do not ask again before the next sync.
    this.probeBlockedUntil = now + this.cfg.syncIntervalMs;
    throw new BrokenCircuitError(this.cfg.name, "half-open", 0, false);
  }

  private apply(r: SharedReply): void {
    const now = Date.now();
    this.fetchedAt = now;
    this.localUntil = now + Math.max(0, r.untilMs - r.nowMs);
    if (r.gen !== this.gen) {
      // Outcomes counted in an earlier generation say nothing about the current one.
      this.pendingOk = this.pendingFailed = this.pendingTail = 0;
      this.probeBlockedUntil = 0;
      this.gen = r.gen;
    }
    let next: BreakerState;
    switch (r.code) {
      case BreakerStatus.Open:
        next = { kind: "open", openUntilMs: this.localUntil, attempt: r.attempt };
        break;
      case BreakerStatus.HalfOpen:
        next = { kind: "half-open", attempt: r.attempt };
        break;
      case BreakerStatus.Isolated:
        next = ISOLATED;
        break;
      default:
        next = CLOSED;
    }
    this.state = next;
    if (this.local) {
      this.local = undefined;
      this.onDegradedChange(false, "");
    }
    // The breaker reports only real changes of what this instance sees.
    this.onChange(next);
  }

  private admitDegraded(now: number): Ticket {
    const local = this.local!;
    reportDegraded({ primitive: "breaker", name: this.cfg.name, policy: "local", reason: this.lastError });
    if (!this.recovering && now - this.lastRecovery >= this.cfg.syncIntervalMs) {
      this.lastRecovery = now;
      this.recovering = true;
      void this.sync().finally(() => {
        this.recovering = false;
      });
    }
    const t = local.admit(now);
    // Negative generations mark local tickets, so a ticket never mixes up the two state machines.
    return { trial: t.trial, gen: -t.gen - 1 };
  }

  private enterDegraded(e: unknown): void {
    this.lastError = e instanceof Error ? e.message : String(e);
    this.pendingOk = this.pendingFailed = this.pendingTail = 0;
    if (this.local) return;
    this.lastRecovery = Date.now();
    const s = this.state;
    const seed: BreakerState = s.kind === "open" ? { ...s, openUntilMs: this.localUntil } : s;
    this.local = new LocalCore(this.cfg, seed, this.onChange, true);
    this.onDegradedChange(true, this.lastError);
  }
}
