/**
 * "No script ever runs twice behind a caller's back", made checkable: every call runs a script
 * that counts its executions under a unique call id (`count-1.lua`). A client that resends a
 * command whose reply was lost (a script that may already have run) shows up as a count of 2.
 * {@link OnceWorkload.doubleRuns} reads every counter back at the end.
 */
import { defineScript, type Store } from "holdfast";
import { Tally, sleep } from "./tally.js";

/** The counting script, with its memory twin. */
export const countScript = defineScript<[callId: string, ttlMs: number]>(
  new URL("./count-1.lua", import.meta.url),
  (db, [key], [callId, ttlMs]) => {
    const n = db.hincrby(key, callId, 1);
    db.pexpire(key, ttlMs);
    return n;
  },
);

export class OnceWorkload {
  readonly tally = new Tally(new Set());
  calls = 0;
  /** Replies above 1 seen by callers (a retry the caller made itself would show here). */
  repliedTwice = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly counters: string[];

  /** `tags` spread the counters over hash slots (and so over a cluster's masters). */
  constructor(
    private readonly stores: readonly Store[],
    tags: readonly string[],
    private readonly everyMs = 2,
  ) {
    this.counters = tags.map((t) => stores[0].keys.key("chaos-once", `{${t}}:once`));
  }

  start(): void {
    this.running = true;
    this.loops = this.stores.map((s, i) => this.loop(s, i));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(store: Store, client: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      const key = this.counters[(client + i) % this.counters.length];
      this.calls++;
      try {
        const n = (await store.run(countScript, [key], [`${client}-${i}`, 600_000])) as number;
        this.tally.ok();
        if (n > 1) this.repliedTwice++;
      } catch (e) {
        this.tally.error(e);
      }
      await sleep(this.everyMs);
    }
  }

  /** Reads every counter (retrying while the store recovers): call ids that ran more than once. */
  async doubleRuns(read: (key: string) => Promise<Record<string, string>>): Promise<string[]> {
    const twice: string[] = [];
    for (const key of this.counters) {
      let all: Record<string, string> | undefined;
      for (let attempt = 0; !all; attempt++) {
        try {
          all = await read(key);
        } catch (e) {
          if (attempt > 100) throw e;
          await sleep(100);
        }
      }
      for (const [id, n] of Object.entries(all)) if (Number(n) > 1) twice.push(`${key} ${id}: ${n}`);
    }
    return twice;
  }
}
