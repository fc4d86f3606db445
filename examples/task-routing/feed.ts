/**
 * What happens to a routing decision after it is made: published on `task:routing`, counted in the
 * shared stats, and the agent's status published on `agent:status`. Seed 003 did this
 * "non-blocking (continues on failure)"; here it is also fast and truthful when the store fails:
 *
 * - **Fast.** While the Redis connection is down, nothing is sent and the answer comes at once
 *   (the store would otherwise wait up to `commandTimeoutMs` for a reconnect). A stall (connected,
 *   no answers) costs the first call `commandTimeoutMs`; a local circuit breaker then skips the
 *   feed, answering at once, and lets one call through every `breakerOpenMs` (doubling up to 5 s)
 *   to find out whether the store is back.
 * - **True.** Each of the three steps is reported as done, not done (never sent, or never attempted
 *   because the step it needs failed) or unknown (sent, but the store failed before confirming: it
 *   may have been applied, and may still show up in the feed).
 */
import {
  CircuitBreaker,
  isBrokenCircuitError,
  isStoreFailure,
  RedisStore,
  reportDegraded,
  type Channels,
  type Store,
} from "holdfast";

/** The three things done with a decision besides answering it. */
export type FeedStep = "decision" | "status" | "stats";
/** What became of one step. */
export type StepOutcome = "done" | "not_done" | "unknown";

/** What the response says about the live feed and the stats. */
export interface LiveDelivery {
  /** True when the decision is confirmed on `task:routing` (and so in its history). */
  published: boolean;
  /** Its history id on `task:routing` (null when not confirmed). */
  messageId: string | null;
  /** The `agent:status` message's id (null when not confirmed). */
  statusMessageId: string | null;
  /** True when the decision is confirmed in the shared stats. */
  statsRecorded: boolean;
  /** Steps that were sent but not confirmed: they may or may not have happened. */
  uncertain?: FeedStep[];
  /** What was not done or is uncertain, and why, in a sentence. */
  error?: string;
}

const WHAT: Record<FeedStep, string> = {
  decision: "published on task:routing",
  status: "published on agent:status",
  stats: "counted in the stats",
};

/** Options of {@link LiveFeed}. */
export interface LiveFeedOptions {
  /** Called once per step lost (not done or uncertain), for a metric. */
  onLost?: (step: FeedStep) => void;
  /** How long the feed is skipped after a store failure before one call tries again, in ms. @defaultValue 1000 */
  breakerOpenMs?: number;
}

/** A routing decision to announce. */
export interface DecisionMessage {
  agent: { id: string; name: string };
  /** The `routing_decision` message's payload (the seed's, plus the decision's id). */
  payload: Record<string, unknown>;
  /** Epoch ms, the status message's `timestamp`. */
  now: number;
  /** Counts the decision in the shared stats; resolves with the agent's load. */
  record: () => Promise<{ load: number }>;
}

/** Publishes decisions and counts them, with the guarantees of the module comment. */
export class LiveFeed {
  private readonly breaker: CircuitBreaker;

  constructor(
    private readonly store: Store,
    private readonly channels: Channels,
    private readonly channelNames: { decisions: string; status: string },
    private readonly options: LiveFeedOptions,
  ) {
    const openMs = options.breakerOpenMs ?? 1000;
    this.breaker = new CircuitBreaker({
      name: "task-routing-feed",
      strategy: { kind: "consecutive", threshold: 1 },
      halfOpenAfterMs: openMs,
      maxHalfOpenAfterMs: Math.max(openMs, 5000),
      isFailure: isStoreFailure,
    });
  }

  /**
   * Why the store cannot be used right now, without asking it (so without waiting): the Redis
   * connection is down, or the breaker is open after a failure. Undefined when it may be tried.
   */
  unavailable(): string | undefined {
    if (this.store instanceof RedisStore && this.store.client.status !== "ready")
      return `Redis is not connected (connection ${this.store.client.status})`;
    const state = this.breaker.state;
    if (state.kind === "open" && state.openUntilMs > Date.now())
      return `the store failed moments ago; it is tried again in ${state.openUntilMs - Date.now()} ms`;
    return undefined;
  }

  /** Publishes the decision and the agent's status and counts it. Never throws for a store failure. */
  async announce(message: DecisionMessage): Promise<LiveDelivery> {
    const outcome: Record<FeedStep, StepOutcome> = {
      decision: "not_done",
      status: "not_done",
      stats: "not_done",
    };
    const ids: { decision: string | null; status: string | null } = { decision: null, status: null };
    let why = this.unavailable();
    if (why === undefined) {
      try {
        await this.breaker.execute(() => this.send(message, outcome, ids));
      } catch (e) {
        if (isBrokenCircuitError(e)) why = "the store failed moments ago; nothing was sent";
        else if (isStoreFailure(e)) why = `the store failed (${e.message})`;
        else throw e;
      }
    } else why += "; nothing was sent";
    const delivery: LiveDelivery = {
      published: outcome.decision === "done",
      messageId: ids.decision,
      statusMessageId: ids.status,
      statsRecorded: outcome.stats === "done",
    };
    const steps = Object.keys(outcome) as FeedStep[];
    const notDone = steps.filter((s) => outcome[s] === "not_done");
    const uncertain = steps.filter((s) => outcome[s] === "unknown");
    if (notDone.length + uncertain.length === 0) return delivery;
    for (const s of [...notDone, ...uncertain]) this.options.onLost?.(s);
    const parts: string[] = [];
    if (notDone.length > 0) parts.push(`Not ${notDone.map((s) => WHAT[s]).join(", not ")}`);
    if (uncertain.length > 0) {
      delivery.uncertain = uncertain;
      parts.push(
        `${parts.length > 0 ? "unknown" : "Unknown"} whether ${uncertain.map((s) => WHAT[s]).join(" or ")} ` +
          `(sent, but not confirmed)`,
      );
    }
    delivery.error = `${parts.join("; ")}: ${why ?? "the store failed"}. The routing decision itself stands.`;
    reportDegraded({
      primitive: "task-routing-feed",
      name: this.channelNames.decisions,
      policy: "fail-open",
      reason: why ?? "store failure",
    });
    return delivery;
  }

  /** The three steps; fills `outcome` as they settle and throws the first store failure after. */
  private async send(
    message: DecisionMessage,
    outcome: Record<FeedStep, StepOutcome>,
    ids: { decision: string | null; status: string | null },
  ): Promise<void> {
    const { agent, payload, now } = message;
    const [recorded, published] = await Promise.allSettled([
      message.record(),
      this.channels.publish(this.channelNames.decisions, { type: "routing_decision", payload }),
    ]);
    const failures: unknown[] = [];
    const settle = (step: FeedStep, r: PromiseSettledResult<unknown>) => {
      if (r.status === "fulfilled") outcome[step] = "done";
      else {
        if (!isStoreFailure(r.reason)) throw r.reason;
        // Sent, and the store failed before answering: it may have been applied.
        outcome[step] = "unknown";
        failures.push(r.reason);
      }
    };
    settle("stats", recorded);
    settle("decision", published);
    if (published.status === "fulfilled") ids.decision = published.value.id;
    // The status carries the load the stats computed: without them it is never sent.
    if (recorded.status === "fulfilled") {
      const { load } = recorded.value;
      const status = await Promise.allSettled([
        this.channels.publish(this.channelNames.status, {
          type: "agent_status",
          payload: {
            agentId: agent.id,
            name: agent.name,
            status: load >= 0.5 ? "busy" : "available",
            load,
            timestamp: now,
          },
        }),
      ]).then((r) => r[0]);
      settle("status", status);
      if (status.status === "fulfilled") ids.status = status.value.id;
    }
    if (failures.length > 0) throw failures[0];
  }
}
