import type { ChannelClient, ChannelClientStatus, ClientSubscription } from "../client/channels.js";
import type { ChannelGapEvent, ReceivedMessage } from "../client/channel-wire.js";

/** What {@link useChannel} renders from. */
export interface ChannelSnapshot<T = unknown> {
  /** The last messages received (oldest first), at most the largest `keep` of the hooks on the channel. */
  messages: readonly ReceivedMessage<T>[];
  /** The connection: `connecting`, `open`, `reconnecting` (it resumes by itself), `closed`, `idle`. */
  status: ChannelClientStatus;
  /** True once the server acknowledged the first subscribe (and no error since). */
  subscribed: boolean;
  /** The last id received: where a resume starts (keep it to resume after a page reload). */
  lastId: string | undefined;
  /** The last gap the server reported (messages that cannot be delivered); undefined if none. */
  gap: ChannelGapEvent | undefined;
  /** Why the subscription failed or stopped (refused, closed client). */
  error: Error | undefined;
}

/** The most messages a hook may keep; a bigger `keep` is a bug (memory grows per message). */
export const MAX_KEEP = 10_000;

type Listener = () => void;

/**
 * One subscription of a {@link ChannelClient} shared by every hook on the same channel, so two
 * components (or React's StrictMode double mount) never subscribe twice. It keeps the last
 * messages in a bounded buffer, and unsubscribes a moment after its last hook is gone.
 */
export class SharedChannel<T = unknown> {
  private readonly listeners = new Set<Listener>();
  private readonly messageListeners = new Set<(m: ReceivedMessage<T>) => void>();
  private readonly gapListeners = new Set<(g: ChannelGapEvent) => void>();
  private readonly keeps = new Map<object, number>();
  private buffer: ReceivedMessage<T>[] = [];
  private snapshot: ChannelSnapshot<T>;
  private dirty = false;
  private handle: ClientSubscription | undefined;
  private started = false;
  /** The first subscribe has not settled yet: closing waits for it. */
  private pending = false;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private disposeStatus: { dispose(): void } | undefined;
  private disposeError: { dispose(): void } | undefined;

  constructor(
    readonly client: ChannelClient,
    readonly channel: string,
    private readonly onClosed: () => void,
  ) {
    this.snapshot = {
      messages: [],
      status: client.status,
      subscribed: false,
      lastId: undefined,
      gap: undefined,
      error: undefined,
    };
  }

  /** A hook joins with its own `keep`; the returned function leaves. */
  join(
    owner: object,
    keep: number,
    since: string | undefined,
    onMessage: (m: ReceivedMessage<T>) => void,
    onGap: (g: ChannelGapEvent) => void,
  ): () => void {
    clearTimeout(this.closeTimer);
    this.keeps.set(owner, keep);
    this.messageListeners.add(onMessage);
    this.gapListeners.add(onGap);
    if (!this.started) this.start(since);
    return () => {
      this.keeps.delete(owner);
      this.messageListeners.delete(onMessage);
      this.gapListeners.delete(onGap);
      this.trim();
      // A moment later, so a remount (StrictMode, a key change) reuses the subscription.
      if (this.keeps.size === 0) this.closeTimer = setTimeout(() => this.close(), 0);
    };
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ChannelSnapshot<T> => {
    if (this.dirty) {
      this.dirty = false;
      this.snapshot = { ...this.snapshot, messages: this.buffer.slice() };
    }
    return this.snapshot;
  };

  private start(since: string | undefined): void {
    this.started = true;
    this.disposeStatus = this.client.onStatus((status) => this.set({ status }));
    this.disposeError = this.client.onError((e) => {
      const channel = (e as { details?: { channel?: unknown } }).details?.channel;
      if (channel === this.channel) this.set({ error: e, subscribed: false });
    });
    this.set({ status: this.client.status });
    this.pending = true;
    void this.client
      .subscribe(this.channel, (m) => this.receive(m as ReceivedMessage<T>), {
        ...(since !== undefined ? { since } : {}),
        onGap: (gap) => {
          this.set({ gap });
          for (const l of this.gapListeners) l(gap);
        },
      })
      .then(
        (handle) => {
          this.handle = handle;
          this.set({ subscribed: true, error: undefined, lastId: handle.lastId });
        },
        (e: unknown) => this.set({ error: e instanceof Error ? e : new Error(String(e)), subscribed: false }),
      )
      .finally(() => {
        this.pending = false;
        if (this.keeps.size === 0) this.close();
      });
  }

  private receive(m: ReceivedMessage<T>): void {
    this.buffer.push(m);
    this.trim();
    this.dirty = true;
    this.snapshot = { ...this.snapshot, lastId: m.id ?? this.snapshot.lastId };
    for (const l of this.messageListeners) l(m);
    for (const l of this.listeners) l();
  }

  private trim(): void {
    let keep = 0;
    for (const k of this.keeps.values()) keep = Math.max(keep, k);
    if (this.buffer.length > keep && this.keeps.size > 0) {
      this.buffer.splice(0, this.buffer.length - keep);
      this.dirty = true;
    }
  }

  private set(patch: Partial<ChannelSnapshot<T>>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }

  private close(): void {
    this.closeTimer = undefined;
    // Still subscribing: the client would refuse a second subscribe of the channel meanwhile.
    if (this.keeps.size > 0 || this.pending) return;
    this.handle?.unsubscribe();
    this.handle = undefined;
    this.disposeStatus?.dispose();
    this.disposeError?.dispose();
    this.onClosed();
  }
}

const registry = new WeakMap<ChannelClient, Map<string, SharedChannel>>();

/** The shared subscription of `channel` on `client`, created on first use. */
export function sharedChannel<T>(client: ChannelClient, channel: string): SharedChannel<T> {
  let channels = registry.get(client);
  if (!channels) registry.set(client, (channels = new Map()));
  let shared = channels.get(channel);
  if (!shared) {
    const created: SharedChannel = new SharedChannel(client, channel, () => {
      if (channels.get(channel) === created) channels.delete(channel);
    });
    channels.set(channel, created);
    shared = created;
  }
  return shared as SharedChannel<T>;
}
