/**
 * The codes `register-1.lua` returns: the same in Lua and in the memory twin, read by the event
 * log.
 */
export const EventsStatus = Object.freeze({
  /** The source is new and now in the index. */
  Registered: 1,
  /** The source was in the index already. */
  Known: 0,
  /** The index holds `maxSources` sources: nothing was added. */
  Full: -1,
} as const);
export type EventsStatus = (typeof EventsStatus)[keyof typeof EventsStatus];
