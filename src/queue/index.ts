export {
  createWaitingRoom,
  WaitingRoom,
  type RoomPosition,
  type JoinResult,
  type RoomCounts,
} from "./waiting-room.js";
export { DEFAULT_WAITING_ROOM_OPTIONS, type WaitingRoomOptions } from "./options.js";
export { WaitingRoomFullError, isWaitingRoomFullError } from "./errors.js";
