import { ScriptError } from "../errors/store-errors.js";
import { counter } from "../observe/metrics.js";
import type { Store } from "../store/types.js";
import { assertInt, assertName } from "../util/validate.js";
import { WaitingRoomStatus } from "./status.js";
import { resolveWaitingRoomOptions, type WaitingRoomOptions } from "./options.js";
import { decodeJoin, decodePosition } from "./decode.js";
import { WaitingRoomFullError } from "./errors.js";
import { PositionBatcher } from "./position-batcher.js";
import {
  admitScript,
  countsScript,
  headScript,
  joinScript,
  leaveScript,
  positionScript,
  type PositionReply,
} from "./scripts/scripts.js";

/** Where a user stands in a room. `position` is 1-based (1 = next in line); `ahead` is 0-based. */
export type RoomPosition =
  | {
      state: "queued";
      /** 1-based place in line: 1 means nobody is ahead. */
      position: number;
      /** How many users are ahead (0-based rank, `position - 1`). */
      ahead: number;
      /** How many users are queued in the room, this one included. */
      length: number;
    }
  | {
      state: "admitted";
      /** Time left on the admission, in ms. */
      expiresInMs: number;
      /** How many users are still queued. */
      length: number;
    }
  | {
      state: "absent";
      /** How many users are queued. */
      length: number;
    };

/** What {@link WaitingRoom.join} returns: the place, and whether this call created it. */
export type JoinResult = Exclude<RoomPosition, { state: "absent" }> & {
  /** True if this call put the user in line; false if they already had a place (or an admission). */
  joined: boolean;
};

/** Queued and admitted counts of a room. */
export interface RoomCounts {
  queued: number;
  admitted: number;
}

/** What {@link WaitingRoom.head} returns: the counts and the first users in line. */
export interface RoomHead extends RoomCounts {
  first: {
    /** 1 for the head of the line. */
    position: number;
    user: string;
    /** Ms until the user's place is dropped unless they poll (`position`/`heartbeat`). */
    heartbeatInMs: number;
  }[];
}

/** The most users {@link WaitingRoom.head} lists in one call. */
export const MAX_HEAD_COUNT = 10_000;

const joinedTotal = counter("holdfast_waiting_room_joined_total", "Users who joined a waiting room.");
const admittedTotal = counter(
  "holdfast_waiting_room_admitted_total",
  "Users admitted out of a waiting room.",
);
const leftTotal = counter("holdfast_waiting_room_left_total", "Users who left a waiting room.");
const fullTotal = counter("holdfast_waiting_room_full_total", "Joins refused because a room was full.");

/**
 * A FIFO waiting room (a virtual queue) per room name: users join in arrival order, poll their
 * place, and are admitted in batches; admissions and silent users expire by themselves.
 *
 * Every method is one atomic script (one round trip on Redis). A room's keys share one hash tag,
 * so rooms work on Redis Cluster. When the store is unreachable every method throws the typed
 * store error (fail closed): nobody is admitted on a guess.
 */
export class WaitingRoom {
  private readonly resolved: Required<WaitingRoomOptions>;
  private readonly batcher: PositionBatcher;

  constructor(
    private readonly store: Store,
    options: WaitingRoomOptions = {},
  ) {
    this.resolved = resolveWaitingRoomOptions(options);
    const { reclaimLimit, heartbeatTtlMs, maxPositionBatch } = this.resolved;
    this.batcher = new PositionBatcher(store, { reclaimLimit, heartbeatTtlMs, maxBatch: maxPositionBatch });
  }

  /** The resolved options. */
  get options(): Readonly<Required<WaitingRoomOptions>> {
    return this.resolved;
  }

  /**
   * The keys of `room`, after sending any open `position` batch (see {@link PositionBatcher}), so
   * that the calls made on this object leave in the order they were made.
   */
  private keys(room: string): string[] {
    this.batcher.flush();
    return this.roomKeys(room);
  }

  /** The keys of `room`: queue, heartbeat, admitted, sequence (see scripts/includes/room.lua). */
  private roomKeys(room: string): string[] {
    assertName("room", room);
    const k = this.store.keys;
    return [
      k.key("room", room, "q"),
      k.key("room", room, "hb"),
      k.key("room", room, "adm"),
      k.key("room", room, "seq"),
    ];
  }

  /**
   * Puts `user` at the back of `room`'s line. Idempotent: a user who is already queued keeps their
   * original place (the call only refreshes their heartbeat), and an admitted user stays admitted.
   * The place comes from the room's own counter inside the script, never from a client clock, so
   * two joins can never tie or swap.
   *
   * @throws WaitingRoomFullError when `maxLength` users are queued; InvalidArgumentError; store errors
   * @example
   * const r = await room.join("sale-42", "user-7"); // { state: "queued", position: 3, ahead: 2, length: 3, joined: true }
   */
  async join(room: string, user: string): Promise<JoinResult> {
    const keys = this.keys(room);
    assertName("user", user);
    const raw = await this.store.run(joinScript, keys, [
      user,
      this.resolved.heartbeatTtlMs,
      this.resolved.reclaimLimit,
      this.resolved.maxLength,
    ]);
    let r: JoinResult;
    try {
      r = decodeJoin(raw, room, this.resolved.maxLength);
    } catch (e) {
      if (e instanceof WaitingRoomFullError) fullTotal.inc();
      throw e;
    }
    if (r.joined) joinedTotal.inc();
    return r;
  }

  /**
   * Where `user` stands in `room`, in one round trip and O(log n) (a sorted-set rank). Polling the
   * position is a sign of life: it refreshes a queued user's heartbeat.
   *
   * The calls made on one room in the same tick are answered by one script run, up to
   * `maxPositionBatch` users (see {@link WaitingRoomOptions.maxPositionBatch}); each gets what it
   * would get on its own at that instant.
   *
   * @example
   * const p = await room.position("sale-42", "user-7");
   * if (p.state === "queued") show(`You are number ${p.position} of ${p.length}`);
   */
  async position(room: string, user: string): Promise<RoomPosition> {
    const keys = this.roomKeys(room);
    assertName("user", user);
    return this.batcher.position(keys, user);
  }

  /**
   * Where `user` stands in `room`, like {@link position} but without refreshing their heartbeat:
   * for operators and dashboards, whose looking must not keep a silent user in line.
   * @example
   * const p = await room.peekPosition("sale-42", "user-7");
   */
  async peekPosition(room: string, user: string): Promise<RoomPosition> {
    return this.positionOf(room, user, false);
  }

  /** The position script, refreshing the user's heartbeat or only looking. */
  private async positionOf(room: string, user: string, refresh: boolean): Promise<RoomPosition> {
    return decodePosition(await this.runPosition(room, user, refresh));
  }

  /** Runs the position script: with the heartbeat TTL it refreshes, without it only reads. */
  private runPosition(room: string, user: string, refresh: boolean): Promise<PositionReply> {
    const keys = this.keys(room);
    assertName("user", user);
    const { reclaimLimit, heartbeatTtlMs } = this.resolved;
    return this.store.run(
      positionScript,
      keys,
      refresh ? [user, reclaimLimit, heartbeatTtlMs] : [user, reclaimLimit],
    );
  }

  /**
   * Keeps a queued user's place for another `heartbeatTtlMs`. Returns false if the user is not
   * queued (never joined, left, was admitted, or already dropped for missing heartbeats: they must
   * `join` again, at the back).
   */
  async heartbeat(room: string, user: string): Promise<boolean> {
    return (await this.position(room, user)).state === "queued";
  }

  /**
   * Whether `user` holds a live admission to `room` (admitted less than `admissionTtlMs` ago and not
   * left). Read-only apart from reclaiming expired entries.
   */
  async isAdmitted(room: string, user: string): Promise<boolean> {
    const raw = await this.runPosition(room, user, false);
    // A queued user's reply is one integer (see decodePosition): no need to decode it.
    return typeof raw !== "number" && decodePosition(raw).state === "admitted";
  }

  /**
   * Removes `user` from `room`: gives up their place, or their admission. Returns what they held.
   */
  async leave(room: string, user: string): Promise<"queued" | "admitted" | "absent"> {
    const keys = this.keys(room);
    assertName("user", user);
    const raw = await this.store.run(leaveScript, keys, [user, this.resolved.reclaimLimit]);
    if (raw === WaitingRoomStatus.LeftQueue || raw === WaitingRoomStatus.LeftAdmission) leftTotal.inc();
    return raw === WaitingRoomStatus.LeftQueue
      ? "queued"
      : raw === WaitingRoomStatus.LeftAdmission
        ? "admitted"
        : "absent";
  }

  /**
   * Admits the first `n` users of `room`, in line order: they leave the queue and hold an admission
   * for `admissionTtlMs`. Users whose heartbeat expired are dropped, not admitted. Returns who was
   * admitted; fewer than `n` when the line ran out (or, rarely, when more than `reclaimLimit` stale
   * users had to be skipped: call again).
   *
   * @example
   * const admitted = await room.admit("sale-42", 50); // ["user-1", "user-2", …]
   */
  async admit(room: string, n: number): Promise<string[]> {
    const keys = this.keys(room);
    assertInt("n", n, 1, this.resolved.maxAdmitBatch);
    const raw = await this.store.run(admitScript, keys, [
      n,
      this.resolved.admissionTtlMs,
      this.resolved.reclaimLimit,
    ]);
    if (!Array.isArray(raw))
      throw new ScriptError(admitScript.name, `unexpected reply ${JSON.stringify(raw)}`);
    if (raw.length > 0) admittedTotal.inc(raw.length);
    return raw;
  }

  /**
   * The counts of `room` and its first `count` users with their heartbeat deadlines, in one round
   * trip, for operators and dashboards (users only ever see their own place). Drops users whose
   * heartbeat ran out first, as `counts` does, so every user listed is live.
   *
   * @throws InvalidArgumentError unless `count` is an integer in [1, 10_000]
   * @example
   * const { queued, first } = await rooms.head("sale-42", 10);
   */
  async head(room: string, count: number): Promise<RoomHead> {
    const keys = this.keys(room);
    assertInt("count", count, 1, MAX_HEAD_COUNT);
    const raw = await this.store.run(headScript, keys, [count, this.resolved.reclaimLimit]);
    const now = raw[0];
    const first: RoomHead["first"] = [];
    for (let i = 3; i < raw.length; i += 2) {
      first.push({
        position: first.length + 1,
        user: String(raw[i]),
        heartbeatInMs: Number(raw[i + 1]) - now,
      });
    }
    return { queued: raw[1], admitted: raw[2], first };
  }

  /** How many users are queued in `room`. */
  async length(room: string): Promise<number> {
    return (await this.counts(room)).queued;
  }

  /** How many users are queued in `room` and how many hold a live admission. */
  async counts(room: string): Promise<RoomCounts> {
    const keys = this.keys(room);
    const raw = await this.store.run(countsScript, keys, [this.resolved.reclaimLimit]);
    return { queued: raw[0], admitted: raw[1] };
  }
}

/**
 * Creates a waiting room client on `store`; one client serves any number of rooms.
 *
 * @example
 * const rooms = createWaitingRoom(store, { heartbeatTtlMs: 30_000, admissionTtlMs: 120_000 });
 * await rooms.join("sale-42", userId);
 */
export function createWaitingRoom(store: Store, options: WaitingRoomOptions = {}): WaitingRoom {
  return new WaitingRoom(store, options);
}
