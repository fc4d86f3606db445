import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import type { HistoryPage } from "../channel/channels.js";
import { compareMessageIds } from "../channel/ids.js";
import type { Hub, Member } from "./hub.js";
import type { GatewayChannels } from "./options.js";
import { FrameWriter, type Outgoing } from "./wire.js";

/** Limits of one connection, from the gateway's options. */
export interface ConnectionLimits {
  maxBufferedBytes: number;
  /** Live messages held for a member while it catches up with the history. */
  maxCatchUpBuffer: number;
}

/** One connection's membership in a hub; catches up with the history before going live. */
export class ChannelMember implements Member {
  lastId: string | undefined;
  catching = false;
  overflowed = false;
  private buffer: { id: string | null; frame: Outgoing }[] = [];

  constructor(
    readonly conn: Connection,
    readonly hub: Hub,
  ) {}

  /**
   * @param previous the id of the message the hub delivered before this one; when it is the last
   *                 one this member was sent, `id` is newer without comparing (the channel layer
   *                 hands a durable hub strictly growing ids), which spares the comparison for
   *                 every member of every message once the catch-ups are over.
   */
  deliver(id: string | null, frame: Outgoing, previous?: string | null): void {
    if (this.catching) {
      if (this.buffer.length >= this.conn.limits.maxCatchUpBuffer) {
        // Live messages are in the history too: read further there instead of holding them.
        this.buffer = [];
        this.overflowed = true;
      }
      this.buffer.push({ id, frame });
      return;
    }
    if (id !== null) {
      // A message the catch-up already sent from the history: its live copy comes over the
      // subscriber connection and can arrive after the history read that included it.
      if (this.lastId !== undefined && this.lastId !== previous && compareMessageIds(id, this.lastId) <= 0) {
        return;
      }
      this.lastId = id;
    }
    this.conn.send(frame);
  }

  /** Sends a history message unless the member already has it. */
  replay(id: string, frame: Outgoing): void {
    if (this.lastId !== undefined && compareMessageIds(id, this.lastId) <= 0) return;
    this.lastId = id;
    this.conn.send(frame);
  }

  /** Ends the catch-up: sends buffered live messages newer than the last one sent, then goes live. */
  goLive(): void {
    const buffered = this.buffer;
    this.buffer = [];
    this.catching = false;
    for (const m of buffered) {
      if (m.id !== null) this.replay(m.id, m.frame);
      else this.conn.send(m.frame);
    }
  }

  gap(frame: Outgoing): void {
    this.conn.send(frame);
  }

  /**
   * Sends the history after `since`, then the live messages buffered meanwhile: no gap, no
   * duplicate. `ack` is called with the first page, before any history is sent.
   */
  async catchUp(
    channels: Pick<GatewayChannels, "history">,
    since: string,
    ack: (page: HistoryPage) => void,
  ): Promise<void> {
    const limit = 500;
    let next = since;
    let first = true;
    for (;;) {
      const page = await channels.history(this.hub.channel, { since: next, limit });
      if (first) {
        first = false;
        // A `since` this history never produced (it was lost): send the history from its start.
        this.lastId = compareMessageIds(page.cursor, since) < 0 ? undefined : since;
        ack(page);
      }
      for (const m of page.messages) this.replay(m.id, this.hub.messageFrame(m.id, m.data));
      const more = page.messages.length >= limit || this.overflowed;
      this.overflowed = false;
      if (!more || this.conn.closing) break;
      next = this.lastId ?? page.cursor;
    }
    this.goLive();
  }
}

/** Sends through ws only: for a connection made without the gateway's writer (tests). */
const plainWriter = new FrameWriter(undefined);

/** One WebSocket client. */
export class Connection {
  alive = true;
  closing = false;
  /** Frames received and not yet handled, and the chain that handles them in order. */
  pending = 0;
  queue: Promise<void> = Promise.resolve();
  readonly members = new Map<string, ChannelMember>();
  private readonly socket: Socket | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly request: IncomingMessage,
    readonly identity: unknown,
    readonly limits: ConnectionLimits,
    private readonly onSlow: (conn: Connection) => void,
    private readonly writer: FrameWriter = plainWriter,
  ) {
    this.socket = writer.socketOf(ws);
  }

  /**
   * Sends a frame unless the client is too far behind: past `maxBufferedBytes` of unsent data the
   * connection is cut off (4008) instead of buffering more, so server memory stays bounded. A
   * connection being closed (cut off, or gone) is skipped at once.
   */
  send(frame: Outgoing): void {
    if (this.closing) return;
    const length = typeof frame === "string" ? frame.length : frame.text.length;
    if (this.ws.bufferedAmount + length > this.limits.maxBufferedBytes) {
      // Bytes held back by this turn's cork are not the client's fault: write them out first, and
      // cut the client off only if the kernel would not take them either.
      if (
        !this.writer.uncork(this.socket) ||
        this.ws.bufferedAmount + length > this.limits.maxBufferedBytes
      ) {
        this.onSlow(this);
        return;
      }
    }
    this.writer.send(this.ws, this.socket, frame);
  }
}
