/**
 * The channel workload: one publisher publishes numbered messages on a durable channel, one
 * subscriber (on another store, i.e. another connection) records what arrives and every gap
 * marker, in arrival order. {@link ChannelWorkload.verdict} then says whether every acknowledged
 * message was delivered or covered by a gap marker (never a silent hole), and counts duplicates
 * and reorderings.
 */
import type { ChannelGap, ChannelSubscription, Channels } from "holdfast";
import { Tally, sleep } from "./tally.js";

type Seen = { kind: "message"; seq: number } | { kind: "gap"; gap: ChannelGap };

export interface ChannelVerdict {
  published: number;
  delivered: number;
  gaps: number;
  /** Acknowledged messages neither delivered nor covered by a gap marker: must be 0. */
  silentHoles: number;
  /** Acknowledged messages not delivered, announced by a gap marker. */
  announcedLosses: number;
  duplicates: number;
  outOfOrder: number;
  /** The messages that arrived after a later one, and whether their publish was acknowledged. */
  lateArrivals: { seq: number; acked: boolean }[];
}

export class ChannelWorkload {
  readonly tally = new Tally(new Set());
  readonly seen: Seen[] = [];
  private readonly acked = new Set<number>();
  private seq = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private sub: ChannelSubscription | undefined;

  constructor(
    private readonly publisher: Channels,
    private readonly subscriber: Channels,
    readonly channel: string,
    private readonly everyMs = 10,
  ) {}

  async start(): Promise<void> {
    this.sub = await this.subscriber.subscribe(
      this.channel,
      (m) => void this.seen.push({ kind: "message", seq: (m.data as { seq: number }).seq }),
      { mode: "durable", onGap: (gap) => void this.seen.push({ kind: "gap", gap }) },
    );
    this.running = true;
    this.loop = this.publishLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async publishLoop(): Promise<void> {
    while (this.running) {
      await this.publishOne();
      await sleep(this.everyMs);
    }
  }

  private async publishOne(): Promise<boolean> {
    const seq = ++this.seq;
    try {
      await this.publisher.publish(this.channel, { seq }, { mode: "durable" });
      this.tally.ok();
      this.acked.add(seq);
      return true;
    } catch (e) {
      this.tally.error(e);
      return false;
    }
  }

  /**
   * After the faults: publishes a few more messages until they are acknowledged, waits (up to
   * `timeoutMs`) until the subscriber received the last one, then judges.
   */
  async settle(timeoutMs = 30_000): Promise<ChannelVerdict> {
    const deadline = Date.now() + timeoutMs;
    let tail = 0;
    while (tail < 3 && Date.now() < deadline) {
      if (await this.publishOne()) tail++;
      else await sleep(50);
    }
    const last = this.seq;
    while (Date.now() < deadline && !this.seen.some((s) => s.kind === "message" && s.seq === last)) {
      await sleep(20);
    }
    await this.sub?.unsubscribe();
    return this.verdict();
  }

  verdict(): ChannelVerdict {
    const deliveredSeqs = new Set<number>();
    let duplicates = 0;
    let outOfOrder = 0;
    const lateArrivals: { seq: number; acked: boolean }[] = [];
    let previous = 0;
    // For each delivered message: whether a gap marker arrived since the previous delivery.
    const gapBefore = new Map<number, boolean>();
    let gapPending = false;
    let gaps = 0;
    for (const s of this.seen) {
      if (s.kind === "gap") {
        gaps++;
        gapPending = true;
        continue;
      }
      if (deliveredSeqs.has(s.seq)) duplicates++;
      else if (s.seq < previous) {
        outOfOrder++;
        lateArrivals.push({ seq: s.seq, acked: this.acked.has(s.seq) });
      }
      deliveredSeqs.add(s.seq);
      gapBefore.set(s.seq, gapPending);
      gapPending = false;
      previous = Math.max(previous, s.seq);
    }
    const delivered = [...deliveredSeqs].sort((a, b) => a - b);
    let silentHoles = 0;
    let announcedLosses = 0;
    for (const seq of this.acked) {
      if (deliveredSeqs.has(seq)) continue;
      // The first message delivered after the missing one: was a gap announced before it?
      const next = delivered.find((d) => d > seq);
      const announced = next === undefined ? gapPending : gapBefore.get(next) === true;
      if (announced) announcedLosses++;
      else silentHoles++;
    }
    return {
      published: this.acked.size,
      delivered: deliveredSeqs.size,
      gaps,
      silentHoles,
      announcedLosses,
      duplicates,
      outOfOrder,
      lateArrivals,
    };
  }
}
