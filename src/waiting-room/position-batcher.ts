import type { Store } from "../store/types.js";
import { decodePosition, decodePositions } from "./decode.js";
import { positionScript, positionsScript } from "./scripts/scripts.js";
import type { RoomPosition } from "./waiting-room.js";

/** One `position` call waiting for its batch's reply. */
interface Waiter {
  user: string;
  resolve(position: RoomPosition): void;
  reject(error: unknown): void;
}

/** The calls on one room collected in this tick, with the room's keys. */
interface Batch {
  keys: string[];
  waiters: Waiter[];
}

/** What every batch is sent with (the room's resolved options). */
export interface PositionBatchSettings {
  reclaimLimit: number;
  heartbeatTtlMs: number;
  /** The most users one script run answers; 1 sends every call on its own. */
  maxBatch: number;
}

/**
 * Coalesces the `position` calls made on one room in the same tick into one script run
 * (positions-4.lua), the way a DataLoader batches reads: when thousands of clients poll their
 * place, Redis runs one script, reads its clock once and writes one reply for a whole batch instead
 * of one each. Each caller gets exactly what its own `position` would answer at that instant.
 *
 * A batch is sent at the end of the tick (`process.nextTick`, after the promise continuations of
 * the tick have run), when it reaches `maxBatch` users, or when {@link flush} is called, which the
 * room's other methods do first, so that calls on one room object still leave in the order they
 * were made. A batch of one uses the single-user script. If the script fails, every caller in the
 * batch gets the same error. The map of open batches is emptied every tick, so it holds at most the
 * rooms polled within one tick.
 */
export class PositionBatcher {
  /** Open batches by the room's queue key. */
  private readonly open = new Map<string, Batch>();
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly settings: PositionBatchSettings,
  ) {}

  /** Queues `user`'s position call on the room whose keys are `keys`. */
  position(keys: string[], user: string): Promise<RoomPosition> {
    const id = keys[0];
    let batch = this.open.get(id);
    if (!batch) {
      batch = { keys, waiters: [] };
      this.open.set(id, batch);
      if (!this.scheduled) {
        this.scheduled = true;
        process.nextTick(this.onTick);
      }
    }
    const open = batch;
    return new Promise<RoomPosition>((resolve, reject) => {
      open.waiters.push({ user, resolve, reject });
      if (open.waiters.length >= this.settings.maxBatch) {
        this.open.delete(id);
        this.send(open);
      }
    });
  }

  /** Sends every open batch now. */
  flush(): void {
    if (this.open.size === 0) return;
    const batches = [...this.open.values()];
    this.open.clear();
    for (const batch of batches) this.send(batch);
  }

  private readonly onTick = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private send({ keys, waiters }: Batch): void {
    const { reclaimLimit, heartbeatTtlMs } = this.settings;
    if (waiters.length === 1) {
      const [only] = waiters;
      this.store
        .run(positionScript, keys, [only.user, reclaimLimit, heartbeatTtlMs])
        .then((raw) => only.resolve(decodePosition(raw)))
        .catch(only.reject);
      return;
    }
    const users = waiters.map((w) => w.user);
    this.store.run(positionsScript, keys, [reclaimLimit, heartbeatTtlMs, ...users]).then(
      (raw) => {
        let positions: RoomPosition[];
        try {
          positions = decodePositions(raw, waiters.length);
        } catch (e) {
          for (const w of waiters) w.reject(e);
          return;
        }
        for (let i = 0; i < waiters.length; i++) waiters[i].resolve(positions[i]);
      },
      (e: unknown) => {
        for (const w of waiters) w.reject(e);
      },
    );
  }
}
