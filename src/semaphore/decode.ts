/**
 * Decodes the semaphore scripts' raw replies, the same for Redis and the memory twin, so that both
 * stores fail with identical typed errors.
 */
import { ScriptError } from "../errors/store-errors.js";
import type { RawReply } from "../store/script.js";
import { PermitNotHeldError } from "./errors.js";
import type {
  AcquireReply as AcquireScriptReply,
  CountReply,
  HoldersReply,
  RefreshReply,
  ReleaseReply,
} from "./scripts/scripts.js";
import { SemaphoreStatus } from "./status.js";
import type { PermitMetadata, SemaphoreHolder } from "./types.js";

/** The reply itself; a ScriptError if it is not the non-empty array every script returns. */
function asArray<R extends RawReply[]>(reply: R, script: string): R {
  if (!Array.isArray(reply) || reply.length === 0) {
    throw new ScriptError(script, `unexpected reply ${JSON.stringify(reply)}`);
  }
  return reply;
}

/**
 * Maps a negative status to its typed error: the one place where status codes become errors.
 * @throws PermitNotHeldError for NotHeld, ScriptError for anything unknown
 */
export function statusError(
  status: number,
  script: string,
  ctx: { name: string; token: string; operation: "refresh" | "release" },
): Error {
  if (status === SemaphoreStatus.NotHeld) return new PermitNotHeldError(ctx.name, ctx.token, ctx.operation);
  return new ScriptError(script, `unknown status ${status}`);
}

export type AcquireReply =
  { ok: true; expiresAt: number; holders: number } | { ok: false; holders: number; retryAfterMs: number };

export function decodeAcquire(reply: AcquireScriptReply): AcquireReply {
  const r = asArray(reply, "acquire-2");
  if (r[0] === SemaphoreStatus.Ok) return { ok: true, expiresAt: Number(r[1]), holders: Number(r[2]) };
  if (r[0] === SemaphoreStatus.Full) {
    return { ok: false, holders: Number(r[1]), retryAfterMs: Math.max(0, Number(r[2])) };
  }
  throw new ScriptError("acquire-2", `unknown status ${String(r[0])}`);
}

/** The new expiry of a refreshed permit. @throws PermitNotHeldError */
export function decodeRefresh(reply: RefreshReply, name: string, token: string): number {
  const r = asArray(reply, "refresh-2");
  if (r[0] === SemaphoreStatus.Ok) return Number(r[1]);
  throw statusError(Number(r[0]), "refresh-2", { name, token, operation: "refresh" });
}

/** How many permits are left after a release. @throws PermitNotHeldError */
export function decodeRelease(reply: ReleaseReply, name: string, token: string): number {
  const r = asArray(reply, "release-2");
  if (r[0] === SemaphoreStatus.Ok) return Number(r[1]);
  throw statusError(Number(r[0]), "release-2", { name, token, operation: "release" });
}

/** One page of holders: the store's now, whether another page may follow, and the holders. */
export function decodeHolders(reply: HoldersReply): {
  now: number;
  more: boolean;
  holders: SemaphoreHolder[];
} {
  const r = asArray(reply, "holders-2");
  const now = Number(r[0]);
  const out: SemaphoreHolder[] = [];
  for (let i = 2; i + 2 < r.length; i += 3) {
    const expiresAt = Number(r[i + 1]);
    const data = String(r[i + 2] ?? "");
    const holder: SemaphoreHolder = {
      token: String(r[i]),
      expiresAt,
      remainingTtlMs: expiresAt - now,
      ...(data === "" ? {} : { metadata: JSON.parse(data) as PermitMetadata }),
    };
    out.push(holder);
  }
  return { now, more: Number(r[1]) === 1, holders: out };
}

export function decodeCount(reply: CountReply): number {
  return Number(asArray(reply, "count-2")[0]);
}
