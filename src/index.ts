/**
 * Holdfast: coordination primitives on Redis or in memory, one semantic contract.
 * What is not exported here is internal on purpose.
 */
export * from "./errors/index.js";
export * from "./store/index.js";
export { HOLDFAST_VERSION } from "./version.js";
export type { Logger } from "./util/log.js";
export * from "./observe/index.js";
