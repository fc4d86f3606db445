export {
  createSessions,
  Sessions,
  sessionId,
  type Session,
  type PutSessionInput,
  type SessionLookup,
} from "./sessions.js";
export { DEFAULT_SESSION_OPTIONS, type SessionOptions } from "./options.js";
