import { HoldfastNetworkError } from "./errors.js";
import {
  backoffMs,
  frameError,
  gatewayUrl,
  type ChannelGapEvent,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./channel-wire.js";
import { Subscription as Sub, type Frame, type GapReport, type Handler } from "./channel-subscription.js";
import {
  DEFAULT_CHANNEL_CLIENT_OPTIONS,
  type ChannelClientOptions,
  type ChannelClientStatus,
  type ChannelSubscribeOptions,
  type ClientSubscription,
} from "./channel-options.js";

export {
  DEFAULT_CHANNEL_CLIENT_OPTIONS,
  type ChannelClientOptions,
  type ChannelClientStatus,
  type ChannelSubscribeOptions,
  type ClientSubscription,
};

const encoder = new TextEncoder();

interface Pending {
  resolve(frame: Frame): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A realtime channel client for browsers and Node: subscribes over the Holdfast WebSocket gateway,
 * remembers the last id of every durable channel and, after any disconnect (network, server
 * restart, close code 1012), reconnects with exponential backoff and jitter and RESUMES after that
 * id: no gap, no duplicate. When the server no longer has everything (history trimmed or lost), or
 * on an ephemeral channel, it says so through `onGap` instead of hiding it.
 *
 * @example
 * const client = new ChannelClient({ url: "https://api.example.com", token: () => fetchTokenFromMyBackend() });
 * const sub = await client.subscribe("task:routing", (m) => render(m.data), {
 *   onGap: () => reloadBoard(),
 * });
 * await client.publish("agent:status", { agentId: "gpt-4", status: "busy" });
 * client.close();
 */
export class ChannelClient {
  private readonly url: string;
  private readonly Ctor: new (url: string, protocols?: string[], options?: unknown) => WebSocketLike;
  private readonly o: Required<
    Pick<ChannelClientOptions, "initialDelayMs" | "maxDelayMs" | "requestTimeoutMs" | "maxFrameBytes">
  >;
  private ws: WebSocketLike | undefined;
  private statusValue: ChannelClientStatus = "idle";
  private readonly subs = new Map<string, Sub>();
  private readonly pending = new Map<string, Pending>();
  private readonly openWaiters = new Set<() => void>();
  private readonly listeners = {
    status: new Set<(s: ChannelClientStatus) => void>(),
    gap: new Set<(g: ChannelGapEvent) => void>(),
    error: new Set<(e: Error) => void>(),
  };
  private attempt = 0;
  private nextId = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: ChannelClientOptions) {
    this.url = gatewayUrl(options.url);
    const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) {
      throw new TypeError("No WebSocket available: pass `WebSocket` (e.g. from the `ws` package on Node 20)");
    }
    this.Ctor = Ctor as unknown as ChannelClient["Ctor"];
    this.o = { ...DEFAULT_CHANNEL_CLIENT_OPTIONS, ...stripUndefined(options) };
  }

  get status(): ChannelClientStatus {
    return this.statusValue;
  }

  /** Connects now (otherwise the first subscribe or publish does). Resolves once open. */
  connect(): Promise<void> {
    if (this.statusValue === "closed")
      return Promise.reject(new HoldfastNetworkError("the client is closed"));
    if (this.statusValue === "idle") void this.open();
    return this.whenOpen();
  }

  /**
   * Subscribes `handler` to `channel`. Resolves once the server acknowledged (after the missed
   * messages since `since`, if any, were queued); rejects with a `HoldfastApiError`
   * (`HOLDFAST_FORBIDDEN`, `HOLDFAST_INVALID_ARGUMENT`…) if the server refuses.
   */
  async subscribe(
    channel: string,
    handler: Handler,
    options: ChannelSubscribeOptions = {},
  ): Promise<ClientSubscription> {
    if (this.subs.has(channel)) throw new TypeError(`already subscribed to "${channel}"`);
    const sub = new Sub(channel, handler, options, (it) => this.unsubscribe(channel, it));
    this.subs.set(channel, sub);
    for (let tries = 1; ; tries++) {
      try {
        await this.connect();
        await this.sendSubscribe(sub);
        return sub.handle;
      } catch (e) {
        // The socket dropped between open and answer: try again on the next connection.
        if (e instanceof HoldfastNetworkError && tries < 3 && this.statusValue !== "closed") continue;
        if (this.subs.get(channel) === sub) this.subs.delete(channel);
        throw e;
      }
    }
  }

  /**
   * Publishes `data` on `channel`; resolves with the message's history id (null on an ephemeral
   * channel). A socket that drops before the answer rejects with `HoldfastNetworkError`: the
   * message may or may not have been published, and is not re-sent.
   */
  async publish(channel: string, data: unknown): Promise<{ id: string | null }> {
    await this.connect();
    const ack = await this.request({ type: "publish", channel, data });
    return { id: (ack.messageId as string | null | undefined) ?? null };
  }

  /** Closes the socket for good: no reconnect; pending requests reject. */
  close(): void {
    if (this.statusValue === "closed") return;
    clearTimeout(this.timer);
    this.setStatus("closed");
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      ws.onclose = null;
      ws.close(1000, "client closed");
    }
    this.failPending(new HoldfastNetworkError("the client was closed"));
    for (const w of this.openWaiters) w();
    this.openWaiters.clear();
  }

  /** Listens to status changes; returns a disposable. */
  onStatus(listener: (status: ChannelClientStatus) => void): { dispose(): void } {
    return this.on(this.listeners.status, listener);
  }

  /** Listens to gaps on every channel (in addition to each subscription's `onGap`). */
  onGap(listener: (gap: ChannelGapEvent) => void): { dispose(): void } {
    return this.on(this.listeners.gap, listener);
  }

  /** Errors not tied to a call: a resubscribe refused after a reconnect, an unanswered frame. */
  onError(listener: (error: Error) => void): { dispose(): void } {
    return this.on(this.listeners.error, listener);
  }

  private on<T>(set: Set<T>, listener: T): { dispose(): void } {
    set.add(listener);
    return { dispose: () => set.delete(listener) };
  }

  private setStatus(s: ChannelClientStatus): void {
    if (this.statusValue === s) return;
    this.statusValue = s;
    for (const l of this.listeners.status) l(s);
  }

  private whenOpen(): Promise<void> {
    if (this.statusValue === "open") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.openWaiters.delete(done);
        reject(
          new HoldfastNetworkError(`could not connect to ${this.url} within ${this.o.requestTimeoutMs} ms`),
        );
      }, this.o.requestTimeoutMs);
      const done = () => {
        clearTimeout(t);
        if (this.statusValue === "open") resolve();
        else reject(new HoldfastNetworkError("the client was closed"));
      };
      this.openWaiters.add(done);
    });
  }

  private async open(): Promise<void> {
    this.setStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    let token: string | undefined;
    try {
      token = typeof this.options.token === "function" ? await this.options.token() : this.options.token;
    } catch (e) {
      this.emitError(
        new HoldfastNetworkError(`the token function failed: ${(e as Error).message}`, { cause: e }),
      );
      return this.scheduleReconnect();
    }
    if (this.statusValue === "closed") return;
    const protocols = ["holdfast.v1", ...(token ? [`holdfast.token.${token}`] : [])];
    const headers: Record<string, string> = {};
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (this.options.tenant) headers["x-holdfast-tenant"] = this.options.tenant;
    let ws: WebSocketLike;
    try {
      ws =
        Object.keys(headers).length > 0
          ? new this.Ctor(this.url, protocols, { headers })
          : new this.Ctor(this.url, protocols);
    } catch (e) {
      this.emitError(
        new HoldfastNetworkError(`cannot open ${this.url}: ${(e as Error).message}`, { cause: e }),
      );
      return this.scheduleReconnect();
    }
    this.ws = ws;
    ws.onopen = () => this.onOpen(ws);
    ws.onmessage = (ev) => this.onFrame(ev.data);
    ws.onerror = () => undefined; // followed by onclose, which reconnects
    ws.onclose = () => this.onClose(ws);
  }

  private onOpen(ws: WebSocketLike): void {
    if (this.ws !== ws) return;
    this.attempt = 0;
    this.setStatus("open");
    for (const w of this.openWaiters) w();
    this.openWaiters.clear();
    for (const sub of this.subs.values()) {
      if (sub.everAcked) void this.sendSubscribe(sub).catch((e: Error) => this.dropSub(sub, e));
    }
  }

  private onClose(ws: WebSocketLike): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    this.failPending(
      new HoldfastNetworkError(
        "the connection closed before the server answered (a publish may have happened)",
      ),
    );
    if (this.statusValue !== "closed") this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.statusValue === "closed") return;
    this.setStatus("reconnecting");
    const delay = backoffMs(this.attempt++, this.o.initialDelayMs, this.o.maxDelayMs);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.open(), delay);
  }

  /** Sends a subscribe (resuming after `lastId` once the channel is known to be durable). */
  private async sendSubscribe(sub: Sub): Promise<void> {
    const since = sub.since;
    const resumed = sub.everAcked;
    const ack = await this.request({
      type: "subscribe",
      channel: sub.channel,
      ...(since !== undefined ? { since } : {}),
    });
    if (this.subs.get(sub.channel) !== sub) return;
    const gap = sub.acknowledged(ack, since, resumed);
    if (gap) this.gap(sub, gap);
  }

  private unsubscribe(channel: string, sub: Sub): void {
    if (this.subs.get(channel) !== sub) return;
    this.subs.delete(channel);
    if (this.statusValue === "open") {
      void this.request({ type: "unsubscribe", channel }).catch(() => undefined);
    }
  }

  private dropSub(sub: Sub, e: Error): void {
    if (this.subs.get(sub.channel) === sub && !(e instanceof HoldfastNetworkError)) {
      this.subs.delete(sub.channel);
      this.emitError(e);
    }
  }

  private request(frame: Frame): Promise<Frame> {
    const ws = this.ws;
    if (!ws || this.statusValue !== "open") {
      return Promise.reject(new HoldfastNetworkError("not connected"));
    }
    const id = `r${++this.nextId}`;
    const text = JSON.stringify({ ...frame, id });
    const bytes = text.length * 3 > this.o.maxFrameBytes ? encoder.encode(text).length : text.length;
    if (bytes > this.o.maxFrameBytes) {
      return Promise.reject(
        frameError({
          code: "too_large",
          message: `the frame is ${bytes} bytes, over the limit of ${this.o.maxFrameBytes}`,
          channel: frame.channel,
        }),
      );
    }
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new HoldfastNetworkError(`no answer to ${String(frame.type)} within ${this.o.requestTimeoutMs} ms`),
        );
      }, this.o.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(text);
    });
  }

  private failPending(e: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }

  private onFrame(raw: unknown): void {
    let f: Frame;
    try {
      f = JSON.parse(typeof raw === "string" ? raw : String(raw)) as Frame;
    } catch {
      return;
    }
    switch (f.type) {
      case "message":
        return this.onMessage(f);
      case "ack":
      case "pong":
      case "error": {
        const p = typeof f.id === "string" ? this.pending.get(f.id) : undefined;
        if (!p) {
          if (f.type === "error") this.emitError(frameError(f));
          return;
        }
        this.pending.delete(f.id as string);
        clearTimeout(p.timer);
        if (f.type === "error") p.reject(frameError(f));
        else p.resolve(f);
        return;
      }
      case "gap": {
        const sub = this.subs.get(f.channel as string);
        if (sub) {
          this.gap(sub, {
            reason: f.reason === "history" ? "history" : "disconnected",
            firstId: (f.firstId as string | null | undefined) ?? null,
          });
        }
        return;
      }
    }
  }

  private onMessage(f: Frame): void {
    const sub = this.subs.get(f.channel as string);
    const message = sub?.accept(f);
    if (!message) return;
    try {
      sub!.handler(message);
    } catch (e) {
      this.emitError(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private gap(sub: Sub, g: GapReport): void {
    const event = sub.gapEvent(g);
    sub.onGap?.(event);
    for (const l of this.listeners.gap) l(event);
  }

  private emitError(e: Error): void {
    for (const l of this.listeners.error) l(e);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
