/**
 * The semaphore's atomic operations: each a Lua script in this folder and its memory twin
 * (twins.ts); each declares its raw reply once here, and `../decode.ts` reads it.
 */
import { defineScript } from "../../store/script.js";
import type { SemaphoreStatus } from "../status.js";
import { acquireTwin, countTwin, holdersTwin, refreshTwin, releaseTwin } from "./twins.js";

type Ok = typeof SemaphoreStatus.Ok;

export type AcquireArgs = [
  token: string,
  limit: number,
  ttlMs: number,
  metadata: string,
  reclaimLimit: number,
];
export type AcquireReply =
  | [status: Ok, expiresAt: number, holders: number]
  | [status: typeof SemaphoreStatus.Full, holders: number, retryAfterMs: number];
export const acquireScript = defineScript(new URL("./acquire-2.lua", import.meta.url), acquireTwin);

export type RefreshArgs = [token: string, ttlMs: number, reclaimLimit: number];
export type RefreshReply = [status: Ok, expiresAt: number] | [status: typeof SemaphoreStatus.NotHeld];
export const refreshScript = defineScript(new URL("./refresh-2.lua", import.meta.url), refreshTwin);

export type ReleaseArgs = [token: string, reclaimLimit: number];
export type ReleaseReply = [status: Ok, holders: number] | [status: typeof SemaphoreStatus.NotHeld];
export const releaseScript = defineScript(new URL("./release-2.lua", import.meta.url), releaseTwin);

export type HoldersArgs = [
  reclaimLimit: number,
  pageSize: number,
  cursorExpiresAt: string,
  cursorToken: string,
];
/** The store's now, 1 when another page may follow, then token, expiry, metadata per holder. */
export type HoldersReply = [now: number, more: 0 | 1, ...holders: (string | number)[]];
export const holdersScript = defineScript(new URL("./holders-2.lua", import.meta.url), holdersTwin);

export type CountArgs = [reclaimLimit: number];
export type CountReply = [count: number];
export const countScript = defineScript(new URL("./count-2.lua", import.meta.url), countTwin);
