import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { ChannelClient } from "../client/channels.js";
import type { ChannelGapEvent, ReceivedMessage } from "../client/channel-wire.js";
import { MAX_KEEP, sharedChannel, type ChannelSnapshot, type SharedChannel } from "./channel-store.js";

/** Options of {@link useChannel}. */
export interface UseChannelOptions<T> {
  /** How many of the last messages to keep, 0 to 10000 (0: use `onMessage` only). @defaultValue 50 */
  keep?: number;
  /**
   * Resume after this id on the first subscribe (e.g. the `lastId` kept across a page reload).
   * Ignored when another component already subscribed the channel on the same client.
   */
  since?: string;
  /** Subscribe only while true. @defaultValue true */
  enabled?: boolean;
  /** Called for every message, in order, once (the latest callback is used). */
  onMessage?: (message: ReceivedMessage<T>) => void;
  /** Called when messages may have been missed (history trimmed, ephemeral channel). */
  onGap?: (gap: ChannelGapEvent) => void;
}

/** What {@link useChannel} returns. */
export interface UseChannelResult<T> extends ChannelSnapshot<T> {
  /** Publishes on the channel; resolves with the message id (null on an ephemeral channel). */
  publish(data: T): Promise<{ id: string | null }>;
}

const IDLE: ChannelSnapshot<never> = {
  messages: [],
  status: "idle",
  subscribed: false,
  lastId: undefined,
  gap: undefined,
  error: undefined,
};
const noop = () => () => undefined;
const idle = () => IDLE;

/**
 * Subscribes a component to a realtime channel through a {@link ChannelClient}: the last `keep`
 * messages, the connection state, the last gap and error, on `useSyncExternalStore`. After a
 * disconnect the client reconnects and resumes after the last id it received (durable channels:
 * no gap, no duplicate); a gap it cannot fill is reported in `gap` and `onGap`, never hidden.
 * Components on the same client and channel share one subscription. Create the client once (at
 * module level or in a context), not in render.
 *
 * @example
 * const client = new ChannelClient({ url: location.origin });
 * function Feed() {
 *   const feed = useChannel<{ text: string }>(client, "task:routing", { keep: 20 });
 *   return <ul>{feed.messages.map((m) => <li key={m.id}>{m.data.text}</li>)}</ul>;
 * }
 */
export function useChannel<T = unknown>(
  client: ChannelClient,
  channel: string,
  options: UseChannelOptions<T> = {},
): UseChannelResult<T> {
  const keep = options.keep ?? 50;
  if (!Number.isInteger(keep) || keep < 0 || keep > MAX_KEEP) {
    throw new RangeError(`useChannel: keep must be an integer from 0 to ${MAX_KEEP}, got ${String(keep)}`);
  }
  const enabled = options.enabled !== false;
  const latest = useRef(options);
  latest.current = options;
  const [owner] = useState(() => ({}));
  const lookup = () => (enabled ? sharedChannel<T>(client, channel) : undefined);
  // Rendered from state, joined in the effect with a fresh lookup: a subscription closed while this
  // component was hidden (its effects cleaned up) is never reused; a new one replaces it.
  const [shared, setShared] = useState<SharedChannel<T> | undefined>(lookup);
  useEffect(() => {
    const current = lookup();
    setShared(current);
    if (!current) return;
    return current.join(
      owner,
      keep,
      latest.current.since,
      (m) => latest.current.onMessage?.(m),
      (g) => latest.current.onGap?.(g),
    );
  }, [client, channel, enabled, owner, keep]);
  const visible = shared && shared.client === client && shared.channel === channel ? shared : undefined;
  const snapshot = useSyncExternalStore(
    visible?.subscribe ?? noop,
    visible?.getSnapshot ?? idle,
    idle,
  ) as ChannelSnapshot<T>;
  const messages = useMemo(
    () =>
      snapshot.messages.length <= keep ? snapshot.messages : keep === 0 ? [] : snapshot.messages.slice(-keep),
    [snapshot.messages, keep],
  );
  const publish = useCallback((data: T) => client.publish(channel, data), [client, channel]);
  return useMemo(() => ({ ...snapshot, messages, publish }), [snapshot, messages, publish]);
}
