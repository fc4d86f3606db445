/**
 * The lock's atomic operations: each a Lua script beside this file and its memory twin
 * (twins.ts), which returns exactly the raw reply its script returns.
 */
import { defineScript, type RawReply, type Script } from "../../store/script.js";
import {
  acquireTwin,
  acquireReadTwin,
  refreshTwin,
  releaseTwin,
  acquireManyTwin,
  refreshManyTwin,
  releaseManyTwin,
  inspectTwin,
  forceReleaseTwin,
  closeTwin,
} from "./twins.js";

const url = (file: string) => new URL(`./${file}`, import.meta.url);

/** A refused acquire: a `LockStatus` (held by another owner, by readers, by this token), the ms left, the holder's fence or the readers, its metadata. */
export type ConflictReply = [
  status: number,
  remainingTtlMs: number,
  fenceOrReaders: number,
  metadata: string,
];

/** A refused acquire of one name, or of several (then with the 1-based index of the name refused). */
export type AnyConflictReply = ConflictReply | [...ConflictReply, index: number];
/** `{-6, the closing lease's fence}`: refresh, release or close met a closed name. */
export type ClosedReply = [status: number, closedFence: number];

export type AcquireArgs = [token: string, ttlMs: number, metadata: string, retentionMs: number];
export type AcquireReply = [fence: number, now: number] | ConflictReply;
export type AcquireReadArgs = [token: string, ttlMs: number];
export type AcquireReadReply = [fence: number, now: number] | ConflictReply;
export type RefreshArgs = [token: string, ttlMs: number];
/** The fence, the server's now and 1 (exclusive) or 2 (read), or a negative `LockStatus`. */
export type RefreshReply = [fence: number, now: number, mode: number] | ClosedReply | number;
export type ReleaseArgs = [token: string];
/** 1 (exclusive) or 2 (read) when released, or a negative `LockStatus`. */
export type ReleaseReply = number | ClosedReply;
export type AcquireManyArgs = [token: string, ttlMs: number, metadata: string, retentionMs: number];
/** The server's now and one fence per name, or the first conflict and its 1-based index. */
export type AcquireManyReply = [now: number, ...fences: number[]] | [...ConflictReply, index: number];
export type RefreshManyArgs = [token: string, ttlMs: number];
/** The server's now, or a negative `LockStatus` and the 1-based index of the first name not held. */
export type RefreshManyReply = number | [status: number, index: number];
export type ReleaseManyArgs = [token: string];
/** 0, or a negative `LockStatus` and the 1-based index of the first name not held. */
export type ReleaseManyReply = number | [status: number, index: number];
export type InspectReply = [
  pttl: number,
  token: string,
  fence: number,
  metadata: string,
  readers: number,
  readerTtlMs: number,
  fenceCounter: number,
];
export type CloseArgs = [token: string, metadata: string, replaceMetadata: 0 | 1];
/** The closing lease's fence, the server's now and the metadata kept, or a negative `LockStatus`. */
export type CloseReply = [fence: number, now: number, metadata: string] | ClosedReply | number;
/** 1 when something was removed. */
export type ForceReleaseReply = number;

export const acquireScript = defineScript(url("acquire-3.lua"), acquireTwin);

export const acquireReadScript = defineScript(url("acquire-read-3.lua"), acquireReadTwin);

export const refreshScript = defineScript(url("refresh-3.lua"), refreshTwin);

export const releaseScript = defineScript(url("release-2.lua"), releaseTwin);

const acquireManyBase = defineScript(url("acquire-many-3.lua"), acquireManyTwin);

const refreshManyBase = defineScript(url("refresh-many-1.lua"), refreshManyTwin);

const releaseManyBase = defineScript(url("release-many-1.lua"), releaseManyTwin);

export const inspectScript = defineScript(url("inspect-3.lua"), inspectTwin);

export const closeScript = defineScript(url("close-1.lua"), closeTwin);

export const forceReleaseScript = defineScript(url("force-release-2.lua"), forceReleaseTwin);

/** The most names one multi-key call may lock. */
export const MAX_MULTI_KEYS = 64;

/**
 * The multi-key scripts take a variable number of keys; Redis needs numKeys per call, so each
 * count gets its own (cached) Script sharing the base's source and SHA.
 */
function variants<A extends readonly (string | number)[], R extends RawReply>(
  base: Script<A, R>,
  keysPerName: number,
): Script<A, R>[] {
  const out: Script<A, R>[] = [];
  for (let n = 0; n <= MAX_MULTI_KEYS; n++) out.push({ ...base, numKeys: n * keysPerName });
  return out;
}

export const acquireManyScripts = variants(acquireManyBase, 3);
export const refreshManyScripts = variants(refreshManyBase, 1);
export const releaseManyScripts = variants(releaseManyBase, 1);
