export { EventLog, createEventLog, MAX_QUERY_LIMIT, MAX_SOURCES_PAGE } from "./event-log.js";
export {
  DEFAULT_EVENT_LOG_OPTIONS,
  DEFAULT_TAIL_OPTIONS,
  type EventLogOptions,
  type EventQuery,
  type EventRecord,
  type EventRetention,
  type TailOptions,
} from "./types.js";
export { MAX_JSON_CHARS, MAX_TOKEN_LENGTH } from "./validate.js";
