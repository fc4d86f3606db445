/**
 * A thread's replies and their numbers, kept in the store, so every instance on one Redis sees the
 * same thread and hands out each number once.
 *
 * Each thread is an entity of a Holdfast versioned state machine (one state, `open`, and one event,
 * `reply`): creating it is version 1, and reply n is the transition that takes it from version n to
 * n + 1, recorded in the entity's history with the reply as its data. So the number IS the version
 * the reply was written on, and the list IS the history: no counter or list of our own to keep in
 * step with it. A reply is sent with `expectedVersion` (the version read under the thread's lock):
 * if the lock was lost while the reply was being written (the lease ran out in a long pause) and
 * someone else replied meanwhile, the write is refused instead of reusing their number; the lock
 * keeps writers apart, the version check makes a late one harmless (fencing at the resource).
 */
import {
  createMachine,
  defineMachine,
  isEntityExistsError,
  isVersionConflictError,
  type Machine,
  type Store,
} from "holdfast";

/** One reply, as the API returns it. */
export interface Reply {
  /** 1, 2, 3… in the thread, the same on every instance. */
  number: number;
  userId: string;
  text: string;
  /** The fencing token of the lock this reply was written under. */
  fence: number;
  /** When it was written (the store's clock), ISO 8601. */
  at: string;
}

/** A page of a thread's replies, oldest first. */
export interface ReplyPage {
  replies: Reply[];
  /** Pass as `after` for the next page; absent on the last one. */
  nextCursor?: string;
}

/** The replies a page holds at most. */
export const MAX_PAGE = 1000;

/** What a thread entity holds: its last reply (each reply is also in the history, with its version). */
export interface ThreadData extends Record<string, unknown> {
  reply?: Omit<Reply, "number" | "at">;
}

export const threadMachine = defineMachine<"open", "reply", ThreadData>({
  name: "thread",
  states: ["open"],
  initial: "open",
  events: ["reply"],
  transitions: [{ event: "reply", from: "open", to: "open" }],
});

/** The reply could not be written: the thread moved on since it was read (the lock was lost). */
export class ThreadMovedError extends Error {
  override readonly name = "ThreadMovedError";
  constructor(
    readonly threadId: string,
    readonly readVersion: number,
    readonly currentVersion: number,
  ) {
    super(
      `Thread ${threadId} moved on while this reply was written (read at version ${readVersion}, ` +
        `now ${currentVersion}): the thread lock was lost. Nothing was written; post it again.`,
    );
  }
}

/** The threads of one service, on one store. */
export class Threads {
  private readonly machine: Machine<"open", "reply", ThreadData>;

  constructor(store: Store) {
    this.machine = createMachine(store, threadMachine);
  }

  /**
   * The version the next reply will be written on, which is its number; creates the thread on
   * its first reply. Call it under the thread's lock, then {@link append} with what it returned.
   */
  async nextNumber(threadId: string): Promise<number> {
    const thread = await this.machine.get(threadId);
    if (thread) return thread.version;
    try {
      await this.machine.create(threadId, { data: {}, actor: "threading-service" });
    } catch (e) {
      if (!isEntityExistsError(e)) throw e;
      // Created by another instance in between: read what it is now.
      return (await this.machine.get(threadId))!.version;
    }
    return 1;
  }

  /**
   * Writes reply `number` (from {@link nextNumber}), only if nobody wrote one since.
   * @throws ThreadMovedError when the thread moved on (nothing written); the store's errors
   */
  async append(threadId: string, number: number, reply: Omit<Reply, "number" | "at">): Promise<Reply> {
    try {
      const r = await this.machine.send(threadId, "reply", {
        expectedVersion: number,
        data: { reply },
        actor: reply.userId,
      });
      return { number, ...reply, at: new Date(r.at).toISOString() };
    } catch (e) {
      if (isVersionConflictError(e)) throw new ThreadMovedError(threadId, number, e.currentVersion);
      throw e;
    }
  }

  /** Replies oldest first, `limit` at most (1–{@link MAX_PAGE}), after the cursor of a previous page. */
  async list(threadId: string, options: { limit?: number; after?: string } = {}): Promise<ReplyPage> {
    const limit = options.limit ?? 100;
    // Two entries more than asked: the thread's creation comes first in its history, and one more
    // reply says whether there is a next page.
    const entries = await this.machine.history(threadId, {
      limit: limit + 2,
      ...(options.after ? { after: options.after } : {}),
    });
    const replies: Reply[] = [];
    let last: string | undefined;
    let more = false;
    for (const h of entries) {
      const r = h.event === "reply" ? (h.data as ThreadData | undefined)?.reply : undefined;
      if (!r) continue;
      if (replies.length === limit) {
        more = true;
        break;
      }
      replies.push({ number: h.version - 1, ...r, at: new Date(h.at).toISOString() });
      last = h.historyId;
    }
    return { replies, ...(more && last ? { nextCursor: last } : {}) };
  }
}
