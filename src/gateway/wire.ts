import type { Socket } from "node:net";
import type { WebSocket } from "ws";

/**
 * A server frame sent to many connections (a channel message): its JSON text, and the complete
 * WebSocket frame (header and UTF-8 payload in one buffer) built at most once, on first use, and
 * then written as is to every socket. Without it each `ws.send` encodes the text and frames it again.
 */
export class OutgoingFrame {
  private wire: Buffer | undefined;

  constructor(readonly text: string) {}

  bytes(encode: (payload: Buffer) => Buffer): Buffer {
    return (this.wire ??= encode(Buffer.from(this.text, "utf8")));
  }
}

/** What a connection is sent: a frame shared with other connections, or a text of its own (an ack). */
export type Outgoing = string | OutgoingFrame;

type FrameFn = (data: Buffer, options: Record<string, unknown>) => Buffer[];

/**
 * Builds an unmasked final text frame with ws's own framing (`Sender.frame`). ws does not document
 * it, so it is feature-tested once against the bytes RFC 6455 prescribes; when it is missing or
 * frames differently, undefined (every frame then goes through `ws.send`).
 */
function textFrameEncoder(wsModule: unknown): ((payload: Buffer) => Buffer) | undefined {
  type WithSender = { Sender?: { frame?: unknown } } | undefined;
  // ws's ESM entry exports Sender; loaded as CommonJS (a bundler), it hangs off the default export.
  const m = wsModule as (WithSender & { default?: WithSender }) | undefined;
  const frameFn = (m?.Sender ?? m?.default?.Sender)?.frame;
  if (typeof frameFn !== "function") return undefined;
  const encode = (payload: Buffer) =>
    Buffer.concat(
      (frameFn as FrameFn)(payload, { fin: true, opcode: 0x01, mask: false, readOnly: true, rsv1: false }),
    );
  try {
    const small = encode(Buffer.from("{}"));
    const medium = encode(Buffer.alloc(300, 0x20));
    const ok =
      small.equals(Buffer.from([0x81, 0x02, 0x7b, 0x7d])) &&
      medium.length === 304 &&
      medium[0] === 0x81 &&
      medium[1] === 126 &&
      medium.readUInt16BE(2) === 300;
    return ok ? encode : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes a gateway's frames. Where it can, a shared frame's prebuilt bytes go straight to the
 * connection's socket, and each socket is corked from its first write in an event-loop turn until
 * the end of that turn, so the messages of one Redis read reach a client in one system call rather
 * than one (two buffers) per message. Both are private to ws, so both are feature-tested: a
 * connection whose socket or framing does not look as expected is sent to through `ws.send`.
 *
 * With `delayMs` above 0, sockets stay corked past the end of the turn when the previous flush was
 * less than `delayMs` ago, until `delayMs` after it: a stream of messages then reaches each client
 * several per system call (on both ends, the system call is most of what a small message costs),
 * while a message after a quiet spell is still written at the end of its turn.
 */
export class FrameWriter {
  private readonly encode: ((payload: Buffer) => Buffer) | undefined;
  private corked: Socket[] = [];
  private scheduled = false;
  /** When the last flush ran (performance.now()), or -Infinity. */
  private lastFlushAt = -Infinity;

  constructor(
    wsModule: unknown,
    private readonly delayMs = 0,
  ) {
    this.encode = textFrameEncoder(wsModule);
  }

  /**
   * The socket under `ws`, when frames may be written to it directly: ws keeps it in `_socket`,
   * and with no extension negotiated (no permessage-deflate) ws itself writes each frame to it at
   * once and in order, so a frame written here keeps its place among ws's own.
   */
  socketOf(ws: WebSocket): Socket | undefined {
    if (this.encode === undefined || ws.extensions !== "") return undefined;
    const socket = (ws as unknown as { _socket?: Partial<Socket> })._socket;
    if (
      socket === undefined ||
      typeof socket.write !== "function" ||
      typeof socket.cork !== "function" ||
      typeof socket.uncork !== "function" ||
      typeof socket.writableCorked !== "number"
    ) {
      return undefined;
    }
    return socket as Socket;
  }

  /** Sends `f` on `ws` (whose socket is `socket`, from {@link socketOf}, or undefined). */
  send(ws: WebSocket, socket: Socket | undefined, f: Outgoing): void {
    // Past OPEN, ws drops what it is given (a frame after the close frame would break the protocol).
    if (socket === undefined || ws.readyState !== ws.OPEN) {
      ws.send(typeof f === "string" ? f : f.text);
      return;
    }
    if (socket.writableCorked === 0) {
      socket.cork();
      this.corked.push(socket);
      if (!this.scheduled) {
        this.scheduled = true;
        const wait = this.lastFlushAt + this.delayMs - performance.now();
        if (wait >= 1) setTimeout(this.flush, wait);
        else setImmediate(this.flush);
      }
    }
    if (typeof f === "string") ws.send(f);
    else socket.write(f.bytes(this.encode!));
  }

  /**
   * Writes out what `socket` holds corked at once (it is corked again on its next write this turn).
   * False when nothing was corked.
   */
  uncork(socket: Socket | undefined): boolean {
    if (socket === undefined || socket.writableCorked === 0) return false;
    // Its entry in the list stays: one more uncork at the end of the turn is a no-op.
    while (socket.writableCorked > 0) socket.uncork();
    return true;
  }

  private readonly flush = (): void => {
    const corked = this.corked;
    this.corked = [];
    this.scheduled = false;
    if (this.delayMs > 0) this.lastFlushAt = performance.now();
    for (const socket of corked) socket.uncork();
  };
}
