import { ScriptError } from "../errors/store-errors.js";
import { WaitingRoomFullError } from "./errors.js";
import type { PositionReply } from "./scripts/scripts.js";
import { WaitingRoomStatus } from "./status.js";
import type { RoomPosition } from "./waiting-room.js";

/**
 * The one decoder of the join/position reply `{state, ahead, length, remainingMs}`, shared by both
 * stores: maps the negative status to its typed error.
 */
export function decodePosition(
  raw: PositionReply,
  room: string,
  maxLength: number,
): RoomPosition & { joined: boolean } {
  if (!Array.isArray(raw) || raw.length !== 4) {
    throw new ScriptError("waiting-room", `unexpected reply ${JSON.stringify(raw)}`);
  }
  const [state, ahead, length, remaining] = raw;
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
    case WaitingRoomStatus.Absent:
      return { state: "absent", length, joined: false };
    case WaitingRoomStatus.Full:
      throw new WaitingRoomFullError(room, maxLength, length);
    default:
      throw new ScriptError("waiting-room", `unknown status ${state}`);
  }
}
