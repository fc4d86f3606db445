export {
  createWaitingRoom,
  WaitingRoom,
  type RoomPosition,
  type JoinResult,
  type RoomCounts,
  type RoomHead,
  MAX_HEAD_COUNT,
} from "./waiting-room.js";
export { DEFAULT_WAITING_ROOM_OPTIONS, type WaitingRoomOptions } from "./options.js";
export { WaitingRoomFullError, isWaitingRoomFullError } from "./errors.js";
