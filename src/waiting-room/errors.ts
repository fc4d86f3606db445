import { defineError, guardOf, type ErrorParts } from "../errors/define-error.js";

/**
 * A waiting room already holds `maxLength` users, so nobody else can join until someone leaves, is
 * admitted or stops heart-beating. Nothing was written.
 */
export class WaitingRoomFullError extends defineError(
  "HOLDFAST_WAITING_ROOM_FULL",
  (
    room: string,
    maxLength: number,
    length: number,
  ): ErrorParts<{
    /** The room's name. */
    room: string;
    /** The configured limit (`maxLength`). */
    maxLength: number;
    /** How many users were queued when the join was refused. */
    length: number;
  }> => ({
    message:
      `Waiting room "${room}" is full (${length} of ${maxLength} places taken): try again later, ` +
      `admit users faster, or raise \`maxLength\`.`,
    fields: { room, maxLength, length },
  }),
) {}

export const isWaitingRoomFullError = guardOf(WaitingRoomFullError);
