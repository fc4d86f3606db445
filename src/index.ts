/**
 * Holdfast: coordination primitives on Redis or in memory, one semantic contract.
 * What is not exported here is internal on purpose.
 */
export * from "./errors/index.js";
export * from "./store/index.js";
export { HOLDFAST_VERSION } from "./version.js";
export { getDefaultLogger, ThrottledLog, type Logger } from "./util/log.js";
export {
  assertDurationMs,
  assertInt,
  assertName,
  describeValue,
  MAX_DURATION_MS,
  MAX_NAME_LENGTH,
} from "./util/validate.js";
export type { Page, PageOptions } from "./util/cursor.js";
export { loadDotEnv, type DotEnvOptions, type DotEnvResult } from "./util/dotenv.js";
export * from "./observe/index.js";
export * from "./limit/index.js";
export * from "./lock/index.js";
export * from "./inventory/index.js";
export * from "./waiting-room/index.js";
export * from "./session/index.js";
export * from "./breaker/index.js";
export * from "./policy/index.js";
export * from "./machine/index.js";
export * from "./events/index.js";
export * from "./semaphore/index.js";
export * from "./concurrency/index.js";
export * from "./channel/index.js";
export * from "./gateway/index.js";
