/**
 * The booking page's live history: every transition of a booking is published on its own durable
 * channel, `booking:<id>`, and browsers follow it over a WebSocket at `/live` on the app's port
 * (Holdfast's gateway, its JSON protocol), instead of polling the booking.
 *
 * - A channel per booking, so a page sees only its own booking. Its name carries the booking's id,
 *   a random UUID the page chooses before it books (so it can subscribe first and see the pipeline
 *   move) and the only key to the booking, as for `GET /api/bookings/:id`. Sockets may subscribe to
 *   such names only, and never publish.
 * - Durable (bounded history, 50 messages, kept an hour after the last one): a page that connects
 *   late or reconnects gets what it missed with `since`, and any instance on the same Redis can
 *   publish a transition a page connected elsewhere sees.
 * - The transition is what the state machine committed; the publish comes just after, as its own
 *   round trip, and is not awaited by the pipeline. If it fails, the booking is unaffected, the
 *   failure is counted and logged, and the page's final read of the booking shows the full history.
 * - What is published is the transition and the assignment, never the customer's details.
 */
import type { Server } from "node:http";
import {
  createChannels,
  createGateway,
  isStoreFailure,
  type Channels,
  type Gateway,
  type Logger,
  type Store,
} from "holdfast";

/** A committed transition, as the coordinator reports it. */
export interface TransitionNotice {
  bookingId: string;
  event: string;
  from: string | null;
  to: string;
  version: number;
  /** Server clock, ms. */
  at: number;
  /** The step's data (only the assignment's fields are published). */
  data?: Record<string, unknown>;
}

/** The message a page receives for each transition. */
export interface TransitionMessage {
  type: "transition";
  booking_id: string;
  event: string;
  from: string | null;
  to: string;
  version: number;
  at: string;
  tables?: unknown;
  score?: unknown;
  strategy?: unknown;
  failure_reason?: unknown;
}

/** The booking ids the page may choose: a random UUID. */
export const BOOKING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CHANNEL = /^booking:([0-9a-f-]{36})$/;
const PUBLISHED_FIELDS = ["tables", "score", "strategy", "failure_reason"] as const;

/** The channel of one booking. */
export const bookingChannel = (id: string): string => `booking:${id}`;

/** Publishes bookings' transitions and serves them to browsers at `/live`. */
export class LiveBookings {
  readonly channels: Channels;
  private gateway: Gateway | undefined;
  private failures = 0;
  private lastWarnAt = 0;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {
    this.channels = createChannels(store, {
      channels: { "booking:*": { mode: "durable", maxLen: 50, maxAgeMs: 3_600_000 } },
    });
  }

  /** Attaches the WebSocket endpoint `/live` to the app's HTTP server (not listening yet is fine). */
  async attach(server: Server): Promise<void> {
    this.gateway = await createGateway({
      store: this.store,
      channels: this.channels,
      server,
      path: "/live",
      maxSubscriptionsPerConnection: 16,
      authorize: ({ action, channel }) =>
        action === "subscribe" && BOOKING_ID.test(CHANNEL.exec(channel)?.[1] ?? ""),
    });
  }

  /** Publishes a transition on its booking's channel; never throws and is not awaited by callers. */
  publish(t: TransitionNotice): void {
    const message: TransitionMessage = {
      type: "transition",
      booking_id: t.bookingId,
      event: t.event,
      from: t.from,
      to: t.to,
      version: t.version,
      at: new Date(t.at).toISOString(),
    };
    for (const f of PUBLISHED_FIELDS) if (t.data?.[f] !== undefined) message[f] = t.data[f];
    this.channels.publish(bookingChannel(t.bookingId), message).catch((e: unknown) => {
      // The booking stands; the page's final read of it shows the whole history.
      this.failures++;
      if (!isStoreFailure(e)) {
        this.logger.error({ err: e, bookingId: t.bookingId }, "live history: publish failed");
        return;
      }
      // Once per 10 s during an outage, with the running count.
      if (Date.now() - this.lastWarnAt < 10_000) return;
      this.lastWarnAt = Date.now();
      this.logger.warn(
        { bookingId: t.bookingId, failures: this.failures, reason: (e as Error).message },
        "live history: transition not published (the store failed)",
      );
    });
  }

  /** Transitions not published because the store failed, since start. */
  get publishFailures(): number {
    return this.failures;
  }

  /** Closes the sockets (1012, service restart), then the channels. */
  async close(): Promise<void> {
    await this.gateway?.close();
    await this.channels.close();
  }
}
