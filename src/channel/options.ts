import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { assertDurationMs, assertInt, assertName } from "../util/validate.js";
import type { Logger } from "../util/log.js";
import { globToRegExp } from "./transport.js";

/**
 * How a channel delivers.
 * - `ephemeral`: pub/sub only, at most once. A subscriber that is disconnected misses what was
 *   published meanwhile (it is told through `onGap`).
 * - `durable`: every message is also appended to a bounded history (a Redis Stream) in the same
 *   script; subscribers resume after the last id they saw with no gap and no duplicate, or are
 *   told plainly (`recovered: false`) that the gap is larger than the history kept.
 */
export type DeliveryMode = "ephemeral" | "durable";

/** Delivery settings of one channel (or of every channel matching a pattern). */
export interface ChannelConfig {
  /** @defaultValue "ephemeral" */
  mode?: DeliveryMode;
  /** Durable only: messages kept in the history (exact trimming); 0 = no length bound. @defaultValue 1000 */
  maxLen?: number;
  /**
   * Durable only: messages older than this many ms are trimmed from the history, and a channel's
   * keys expire after this many ms without a publish; 0 = no age bound. @defaultValue 86_400_000 (24 h)
   */
  maxAgeMs?: number;
}

/** Options of {@link createChannels}. */
export interface ChannelsOptions {
  /**
   * Settings per channel name, or per pattern with `*` (`"task:*"`). An exact name wins, then the
   * first matching pattern in insertion order, then {@link defaults}. @defaultValue {}
   */
  channels?: Record<string, ChannelConfig>;
  /** Settings of every other channel. @defaultValue `{ mode: "ephemeral", maxLen: 1000, maxAgeMs: 86_400_000 }` */
  defaults?: ChannelConfig;
  /** Largest message, as JSON text in UTF-8 bytes. @defaultValue 65_536 */
  maxMessageBytes?: number;
  /** History entries read per round trip while a durable subscriber catches up. @defaultValue 500 */
  historyPageSize?: number;
  /** How long a subscribe waits for the subscriber connection, in ms. @defaultValue 5000 */
  subscribeTimeoutMs?: number;
  /** Where handler errors and reconnect trouble are logged. @defaultValue the Holdfast logger */
  logger?: Logger;
}

export const DEFAULT_CHANNEL_CONFIG: Required<ChannelConfig> = {
  mode: "ephemeral",
  maxLen: 1000,
  maxAgeMs: 86_400_000,
};

export const DEFAULT_CHANNELS_OPTIONS = {
  maxMessageBytes: 65_536,
  historyPageSize: 500,
  subscribeTimeoutMs: 5000,
} as const;

/** A validated, fully resolved channel configuration. */
export type ResolvedConfig = Required<ChannelConfig>;

/** Validates one configuration, filling gaps from `base`. */
export function resolveConfig(
  field: string,
  cfg: ChannelConfig | undefined,
  base: ResolvedConfig,
): ResolvedConfig {
  const out: ResolvedConfig = { ...base, ...(cfg ?? {}) };
  if (out.mode !== "ephemeral" && out.mode !== "durable") {
    throw new InvalidArgumentError(`${field}.mode`, `must be "ephemeral" or "durable"`);
  }
  assertInt(`${field}.maxLen`, out.maxLen, 0, 100_000_000);
  assertDurationMs(`${field}.maxAgeMs`, out.maxAgeMs, 0);
  if (out.mode === "durable" && out.maxLen === 0 && out.maxAgeMs === 0) {
    throw new InvalidArgumentError(
      field,
      "a durable channel needs a bounded history: set maxLen or maxAgeMs above 0",
    );
  }
  return out;
}

/** Maps channel names to their configuration; validated once at construction. */
export class ChannelConfigs {
  private readonly exact = new Map<string, ResolvedConfig>();
  private readonly patterns: { re: RegExp; cfg: ResolvedConfig }[] = [];
  readonly defaults: ResolvedConfig;

  constructor(options: ChannelsOptions) {
    this.defaults = resolveConfig("defaults", options.defaults, DEFAULT_CHANNEL_CONFIG);
    for (const [name, cfg] of Object.entries(options.channels ?? {})) {
      assertName("channels", name);
      const resolved = resolveConfig(`channels["${name}"]`, cfg, this.defaults);
      if (name.includes("*")) this.patterns.push({ re: globToRegExp(name), cfg: resolved });
      else this.exact.set(name, resolved);
    }
  }

  of(channel: string): ResolvedConfig {
    const exact = this.exact.get(channel);
    if (exact) return exact;
    for (const p of this.patterns) if (p.re.test(channel)) return p.cfg;
    return this.defaults;
  }
}

/** A channel name: a valid name without `*` (which marks patterns). */
export function assertChannelName(field: string, value: unknown): string {
  assertName(field, value);
  if ((value as string).includes("*")) {
    throw new InvalidArgumentError(field, "must not contain `*`, which marks a pattern (subscribe only)");
  }
  return value as string;
}
