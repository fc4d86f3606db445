/** A small test client: a real `ws` WebSocket that records every frame it receives. */
import { WebSocket } from "ws";

export type Frame = Record<string, any>;

export class TestClient {
  readonly frames: Frame[] = [];
  closeCode: number | undefined;
  closeReason = "";
  readonly closed: Promise<number>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        this.wake();
        resolve(code);
      }),
    );
    ws.on("error", () => undefined);
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const ws = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new TestClient(ws)));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The frames of a type (and channel), in order. */
  of(type: string, channel?: string): Frame[] {
    return this.frames.filter((f) => f.type === type && (channel === undefined || f.channel === channel));
  }

  /** Waits until `check` finds a frame (or the condition holds), then returns what it found. */
  async waitFor<T>(check: () => T | undefined | false, timeoutMs = 5000, what = "a frame"): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found !== undefined && found !== false) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a request with an id and waits for the frame answering it. */
  async request(frame: Frame, timeoutMs = 5000): Promise<Frame> {
    this.send(frame);
    return this.waitFor(
      () => this.frames.find((f) => f.id === frame.id && f.type !== "message"),
      timeoutMs,
      `answer to ${frame.id}`,
    );
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
