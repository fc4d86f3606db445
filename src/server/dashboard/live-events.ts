/**
 * The events of `GET /v1/dashboard/live`, as the service writes them and the dashboard page reads
 * them (dashboard/src/live.ts imports these types): one definition of the stream's format. No
 * imports, so the page's bundle takes nothing else from the server.
 */

/** What changed in a tenant, so that pages showing it fetch their current page again. */
export type ChangeKind =
  | "locks"
  | "semaphores"
  | "ratelimits"
  | "breakers"
  | "inventory"
  | "rooms"
  | "machines"
  | "events"
  | "channels"
  | "keys";

/** The first event of a stream: who the key is, and every series so far (oldest first). */
export interface LiveHello {
  tenant: string;
  role: "client" | "admin";
  keyId: string;
  sampleMs: number;
  startedAt: number;
  now: number;
  series: Record<string, number[]>;
}

/** One event: `hello` once, `sample` every sample interval, `change` after state changed. */
export type LiveEvent =
  | { type: "hello"; data: LiveHello }
  | { type: "sample"; data: { at: number; values: Record<string, number> } }
  | { type: "change"; data: { kinds: ChangeKind[]; names: string[] } };

/** An event as server-sent-events text. */
export function liveEventText(e: LiveEvent): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}
