/**
 * The pub/sub seam of channels. The Store interface runs scripts only; subscribing needs a
 * dedicated connection (Redis) or an in-process bus (memory), so each store kind has a transport.
 * A transport holds at most one server subscription per pub/sub name; the channels layer
 * multiplexes its own subscribers over it.
 */

/** What a transport reports to the channels layer. */
export interface TransportEvents {
  /** A message on an exactly subscribed pub/sub name. */
  message(liveName: string, message: string): void;
  /** A message on a name matching a subscribed pattern. */
  pmessage(pattern: string, liveName: string, message: string): void;
  /**
   * The connection came back after a disconnect and these names are subscribed again. Messages
   * published in between were not delivered: durable subscriptions read them from the history.
   * `failover`: the server is a replica promoted meanwhile, whose history may lack messages the
   * old master acknowledged (durable subscriptions then report a gap).
   */
  restored(liveNames: string[], failover?: boolean): void;
  /**
   * The connection to the server was lost: until `restored`, live messages may be missing.
   * Durable subscriptions start buffering, so nothing live is delivered ahead of the gap check.
   */
  lost(liveNames: string[]): void;
  /**
   * Subscribing a name again after a move failed (the new owner did not answer in time); the
   * transport retries with backoff until it succeeds, the name moves again or is unsubscribed.
   */
  resubscribeFailed?(liveName: string, error: unknown): void;
}

export interface Transport {
  /** True when publishing uses SPUBLISH (Redis Cluster >= 7.0). Known after {@link init}. */
  readonly sharded: boolean;
  /** False on Redis Cluster: sharded pub/sub has no pattern form. Known after {@link init}. */
  readonly supportsPatterns: boolean;
  /** Learns the topology (server version, cluster or not); called once before anything else. */
  init(): Promise<void>;
  /** Subscribes once the server confirmed (idempotent). @throws StoreUnavailableError */
  subscribe(liveName: string): Promise<void>;
  unsubscribe(liveName: string): Promise<void>;
  psubscribe(pattern: string): Promise<void>;
  punsubscribe(pattern: string): Promise<void>;
  /** Closes the subscriber connection(s) the transport opened. */
  close(): Promise<void>;
}

/** Redis glob (`*` only, as Holdfast patterns use) to an anchored regular expression. */
export function globToRegExp(pattern: string): RegExp {
  const parts = pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`, "s");
}

/** Escapes Redis glob characters other than `*`, so a Holdfast pattern means only what it says. */
export function escapeGlob(pattern: string): string {
  return pattern.replace(/[?[\]\\]/g, "\\$&");
}
