/**
 * The waiting room's atomic operations: each a Lua script in this folder and its memory twin
 * (twins.ts); each declares its raw reply once here.
 */
import { defineScript } from "../../store/script.js";
import {
  admitTwin,
  countsTwin,
  headTwin,
  joinTwin,
  leaveTwin,
  positionsTwin,
  positionTwin,
} from "./twins.js";

/** join and position: a `WaitingRoomStatus` (../status.ts), then the rank, the room's length, ms left on an admission. */
export type StatusReply = [state: number, ahead: number, length: number, remainingMs: number];

/**
 * position of a queued user in a room of fewer than `PACKED_LENGTH_LIMIT` (../status.ts) users:
 * `ahead * PACKED_LENGTH_LIMIT + length`, one integer (cheaper for Redis to build and send than a
 * table); a {@link StatusReply} otherwise.
 */
export type PositionReply = number | StatusReply;

export type JoinArgs = [user: string, heartbeatTtlMs: number, reclaimLimit: number, maxLength: number];
export type JoinReply = StatusReply;
export const joinScript = defineScript(new URL("./join-4.lua", import.meta.url), joinTwin);

/** With a heartbeat TTL the script refreshes a queued user's heartbeat; without, it only reads. */
export type PositionArgs =
  [user: string, reclaimLimit: number] | [user: string, reclaimLimit: number, heartbeatTtlMs: number];
export const positionScript = defineScript<PositionArgs, PositionReply>(
  new URL("./position-4.lua", import.meta.url),
  positionTwin,
);

/** The `position` calls made on one room in the same tick: their users, each refreshing their heartbeat. */
export type PositionsArgs = [reclaimLimit: number, heartbeatTtlMs: number, ...users: string[]];
/**
 * The room's length, then one code per user: a queued user's rank (>= 0), -1 for a user not in the
 * room, `-1 - ms` for a user admitted for another `ms` (>= 1).
 */
export type PositionsReply = [length: number, ...codes: number[]];
export const positionsScript = defineScript<PositionsArgs, PositionsReply>(
  new URL("./positions-4.lua", import.meta.url),
  positionsTwin,
);

export type LeaveArgs = [user: string, reclaimLimit: number];
/** What the user gave up: `WaitingRoomStatus.LeftNothing`, `LeftQueue` or `LeftAdmission`. */
export type LeaveReply = number;
export const leaveScript = defineScript(new URL("./leave-4.lua", import.meta.url), leaveTwin);

export type AdmitArgs = [n: number, admissionTtlMs: number, reclaimLimit: number];
/** The users admitted, in line order. */
export type AdmitReply = string[];
export const admitScript = defineScript(new URL("./admit-4.lua", import.meta.url), admitTwin);

export type CountsArgs = [reclaimLimit: number];
export type CountsReply = [queued: number, admitted: number];
export const countsScript = defineScript(new URL("./counts-4.lua", import.meta.url), countsTwin);

export type HeadArgs = [count: number, reclaimLimit: number];
/** The store's now, the counts, then user and heartbeat deadline per user in line. */
export type HeadReply = [now: number, queued: number, admitted: number, ...first: (string | number)[]];
export const headScript = defineScript(new URL("./head-4.lua", import.meta.url), headTwin);
