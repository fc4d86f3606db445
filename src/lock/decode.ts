/**
 * The one place where the lock scripts' raw replies become results or typed errors, shared by both
 * stores (the memory twins return the very same replies).
 */
import { ScriptError } from "../errors/store-errors.js";
import { LockClosedError, LockConflictError, LockNotOwnedError, type LockHolderKind } from "./errors.js";
import { decodeMetadata } from "./options.js";
import type { AnyConflictReply } from "./scripts/scripts.js";
import { LockStatus } from "./status.js";
import type { Lease, LeaseMode } from "./types.js";

/** A refused acquire, before it becomes an error (waiting retries on it). */
export interface Conflict {
  index: number;
  remainingTtlMs: number;
  heldBy: LockHolderKind;
  holderFence?: number;
  readers?: number;
  holderMetadata?: Record<string, unknown>;
  /** The name is closed: never retried, it becomes a LockClosedError. */
  closed?: boolean;
}

/**
 * Whether an acquire script refused: its reply then starts with a negative `LockStatus`, where a
 * success starts with a fence or the server's time (never negative).
 */
export function isConflictReply<S extends readonly number[]>(
  reply: S | AnyConflictReply,
): reply is AnyConflictReply {
  return reply[0] < 0;
}

/** Reads a conflict reply `{code, remaining ttl ms, fence or readers, metadata[, index]}`. */
export function decodeConflict(reply: AnyConflictReply, script: string): Conflict {
  const code = reply[0];
  const remainingTtlMs = Math.max(0, reply[1]);
  const index = reply.length === 5 ? reply[4] - 1 : 0;
  switch (code) {
    case LockStatus.HeldByOwner:
      return {
        index,
        remainingTtlMs,
        heldBy: "exclusive",
        holderFence: reply[2],
        holderMetadata: decodeMetadata(reply[3]),
      };
    case LockStatus.HeldByReaders:
      return { index, remainingTtlMs, heldBy: "readers", readers: reply[2] };
    case LockStatus.HeldBySelf:
      return { index, remainingTtlMs, heldBy: "self" };
    case LockStatus.Closed:
      return {
        index,
        remainingTtlMs: 0,
        heldBy: "exclusive",
        holderFence: reply[2],
        holderMetadata: decodeMetadata(reply[3]),
        closed: true,
      };
    default:
      throw new ScriptError(script, `unexpected status ${String(code)}`);
  }
}

/** Reads a refused refresh, release or close: a status, or `{-6, the closing lease's fence}`. */
export function refusalError(key: string, reply: number | readonly number[], script: string): Error {
  return typeof reply === "number"
    ? notOwnedError(key, reply, script)
    : notOwnedError(key, reply[0], script, reply[1]);
}

export function conflictError(
  key: string,
  c: Conflict,
  waitedMs: number,
  attempts: number,
): LockConflictError | LockClosedError {
  if (c.closed) {
    return new LockClosedError({
      key,
      fence: c.holderFence,
      ...(c.holderMetadata !== undefined ? { metadata: c.holderMetadata } : {}),
    });
  }
  return new LockConflictError({
    key,
    remainingTtlMs: c.remainingTtlMs,
    heldBy: c.heldBy,
    ...(c.holderFence !== undefined ? { holderFence: c.holderFence } : {}),
    ...(c.readers !== undefined ? { readers: c.readers } : {}),
    ...(c.holderMetadata !== undefined ? { holderMetadata: c.holderMetadata } : {}),
    waitedMs: Math.round(waitedMs),
    attempts,
  });
}

/**
 * Maps -2/-3 to {@link LockNotOwnedError}, -6 to {@link LockClosedError} (with the closing fence
 * when the reply carried it); anything else negative is a bug.
 */
export function notOwnedError(key: string, code: number, script: string, closedFence?: number): Error {
  if (code === LockStatus.Closed)
    return new LockClosedError(closedFence === undefined ? { key } : { key, fence: closedFence });
  if (code === LockStatus.NotHeld) return new LockNotOwnedError(key, "expired");
  if (code === LockStatus.HeldByAnother) return new LockNotOwnedError(key, "held-by-another");
  return new ScriptError(script, `unexpected status ${String(code)}`);
}

/** A lease from an acquire script's success reply `{fence, server time in ms}`. */
export function leaseOf(
  key: string,
  token: string,
  r: readonly [fence: number, now: number],
  ttlMs: number,
  mode: LeaseMode,
): Lease {
  return { key, token, fence: r[0], expiresAt: r[1] + ttlMs, ttlMs, mode };
}
