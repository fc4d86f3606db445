import { ScriptError } from "../errors/store-errors.js";
import { WaitingRoomFullError } from "./errors.js";
import type { PositionReply, PositionsReply, StatusReply } from "./scripts/scripts.js";
import { PACKED_LENGTH_LIMIT, WaitingRoomStatus } from "./status.js";
import type { JoinResult, RoomPosition } from "./waiting-room.js";

/**
 * The decoder of the join reply `{state, ahead, length, remainingMs}`: maps the negative status to
 * its typed error.
 */
export function decodeJoin(raw: StatusReply, room: string, maxLength: number): JoinResult {
  const [state, ahead, length, remaining] = checked(raw);
  switch (state) {
    case WaitingRoomStatus.Queued:
    case WaitingRoomStatus.Joined:
      return {
        state: "queued",
        position: ahead + 1,
        ahead,
        length,
        joined: state === WaitingRoomStatus.Joined,
      };
    case WaitingRoomStatus.Admitted:
      return { state: "admitted", expiresInMs: remaining, length, joined: false };
    case WaitingRoomStatus.Full:
      throw new WaitingRoomFullError(room, maxLength, length);
    default:
      throw new ScriptError("waiting-room", `unknown status ${state}`);
  }
}

/**
 * The decoder of the position reply: one integer `ahead * PACKED_LENGTH_LIMIT + length` for a
 * queued user (see status.ts), else `{state, ahead, length, remainingMs}`.
 */
export function decodePosition(raw: PositionReply): RoomPosition {
  if (typeof raw === "number") {
    if (!Number.isSafeInteger(raw) || raw < 0) {
      throw new ScriptError("waiting-room", `unexpected reply ${raw}`);
    }
    const length = raw % PACKED_LENGTH_LIMIT;
    const ahead = (raw - length) / PACKED_LENGTH_LIMIT;
    return { state: "queued", position: ahead + 1, ahead, length };
  }
  const [state, ahead, length, remaining] = checked(raw);
  switch (state) {
    case WaitingRoomStatus.Queued:
      return { state: "queued", position: ahead + 1, ahead, length };
    case WaitingRoomStatus.Admitted:
      return { state: "admitted", expiresInMs: remaining, length };
    case WaitingRoomStatus.Absent:
      return { state: "absent", length };
    default:
      throw new ScriptError("waiting-room", `unknown status ${state}`);
  }
}

/**
 * The decoder of the batched position reply `{length, code per user}` (see positions-4.lua) for
 * `count` users: code >= 0 is a queued user's rank, -1 absent, `-1 - ms` admitted for `ms` more.
 */
export function decodePositions(raw: PositionsReply, count: number): RoomPosition[] {
  if (!Array.isArray(raw) || raw.length !== count + 1 || !raw.every(Number.isSafeInteger)) {
    throw new ScriptError("waiting-room", `unexpected reply ${JSON.stringify(raw)}`);
  }
  const length = raw[0];
  const out: RoomPosition[] = new Array<RoomPosition>(count);
  for (let i = 0; i < count; i++) {
    const code = raw[i + 1];
    out[i] =
      code >= 0
        ? { state: "queued", position: code + 1, ahead: code, length }
        : code === -1
          ? { state: "absent", length }
          : { state: "admitted", expiresInMs: -1 - code, length };
  }
  return out;
}

function checked(raw: StatusReply): StatusReply {
  if (!Array.isArray(raw) || raw.length !== 4) {
    throw new ScriptError("waiting-room", `unexpected reply ${JSON.stringify(raw)}`);
  }
  return raw;
}
