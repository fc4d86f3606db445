import { HoldfastError } from "../errors/holdfast-error.js";

/**
 * A waiting room already holds `maxLength` users, so nobody else can join until someone leaves, is
 * admitted or stops heart-beating. Nothing was written.
 */
export class WaitingRoomFullError extends HoldfastError {
  readonly code = "HOLDFAST_WAITING_ROOM_FULL";
  /** The room's name. */
  readonly room: string;
  /** The configured limit (`maxLength`). */
  readonly maxLength: number;
  /** How many users were queued when the join was refused. */
  readonly length: number;

  constructor(room: string, maxLength: number, length: number) {
    super(
      `Waiting room "${room}" is full (${length} of ${maxLength} places taken): try again later, ` +
        `admit users faster, or raise \`maxLength\`.`,
    );
    this.room = room;
    this.maxLength = maxLength;
    this.length = length;
  }
}

export function isWaitingRoomFullError(e: unknown): e is WaitingRoomFullError {
  return e instanceof WaitingRoomFullError;
}
