import { authHeaders, type Session } from "./session";

// The stream's format is the service's own definition (type-only: nothing of the server is bundled).
import type { ChangeKind, LiveEvent } from "../../src/server/dashboard/live-events";
export type { ChangeKind, LiveEvent };

export type LiveStatus = "connecting" | "live" | "reconnecting" | "closed";

/**
 * The service's server-sent events (`/v1/dashboard/live`), read with `fetch` so that the key goes
 * in a header (EventSource cannot send one). Reconnects with backoff; a 401 ends it (sign in again).
 */
export class LiveStream {
  private controller: AbortController | undefined;
  private stopped = false;
  private delay = 500;

  constructor(
    private readonly session: Session,
    private readonly onEvent: (e: LiveEvent) => void,
    private readonly onStatus: (s: LiveStatus) => void,
    private readonly onUnauthorized: () => void,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    this.onStatus("closed");
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.controller = new AbortController();
      try {
        const res = await fetch("/v1/dashboard/live", {
          headers: { ...authHeaders(this.session), accept: "text/event-stream" },
          signal: this.controller.signal,
          cache: "no-store",
        });
        if (res.status === 401) {
          this.onUnauthorized();
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        this.onStatus("live");
        this.delay = 500;
        await this.read(res.body);
      } catch {
        if (this.stopped) return;
      }
      this.onStatus("reconnecting");
      await new Promise((r) => setTimeout(r, this.delay));
      this.delay = Math.min(this.delay * 2, 10_000);
    }
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (data === "") continue;
        try {
          this.onEvent({ type: event, data: JSON.parse(data) } as LiveEvent);
        } catch {
          // A malformed event is skipped; the next one carries on.
        }
      }
    }
  }
}

/** Where views learn that something they show changed (fed by the live stream). */
export const changes = new EventTarget();

/** Tells views about a change (also used after the page's own actions). */
export function announce(kinds: ChangeKind[], names: string[] = []): void {
  changes.dispatchEvent(new CustomEvent("change", { detail: { kinds, names } }));
}
