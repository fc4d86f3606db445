/// <reference lib="dom" />
/**
 * Seed 004's lock routes (`/api/locks/acquire|refresh|release`) as a `holdfast/client`
 * LockTransport, so `useLock` can hold a slot through the seed's own API: the seed's answers
 * (`reason: "slot_locked"`, `"lock_expired"`) become the SDK's error codes.
 */
import { HoldfastApiError, type LockTransport, type RemoteLease } from "holdfast/client";

/** A slot as seed 004's frontend sends it. */
export interface Slot {
  tenantId: string;
  resourceId: string;
  date: string;
  startTime: string;
  duration?: number;
}

/** POSTs JSON; a refusal throws a HoldfastApiError with the SDK's code for the seed's `reason`. */
export async function postJson<T>(path: string, body: unknown, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) {
    const code =
      json.reason === "slot_locked"
        ? "HOLDFAST_LOCK_CONFLICT"
        : json.reason === "lock_expired"
          ? "HOLDFAST_LOCK_NOT_OWNED"
          : String(json.reason ?? `HTTP_${res.status}`);
    throw new HoldfastApiError(
      res.status,
      { error: { code, message: json.message, remainingTtlMs: json.remainingTTL } },
      res.headers.get("retry-after"),
    );
  }
  return json as T;
}

interface SeedLease {
  lockId: string;
  expiresIn: number;
  expiresAt: number;
  fence?: number;
}

/** The transport of one slot's lock over the seed's routes. */
export function seedLockTransport(slot: Slot, ttlMs: number): LockTransport {
  const lease = (r: SeedLease): RemoteLease => ({
    key: `${slot.resourceId}:${slot.date}:${slot.startTime}`,
    lockId: r.lockId,
    token: r.lockId,
    fence: r.fence ?? 0,
    ttlMs,
    expiresIn: r.expiresIn,
    expiresAt: r.expiresAt,
  });
  return {
    acquire: async () =>
      lease(await postJson<SeedLease>("/api/locks/acquire", { ...slot, duration: slot.duration ?? 60 })),
    refresh: async (token) =>
      lease(await postJson<SeedLease>("/api/locks/refresh", { ...slot, lockId: token })),
    release: async (token, options) => {
      // keepalive: a release sent from `pagehide` still reaches the server after the page is gone.
      await postJson(
        "/api/locks/release",
        { ...slot, lockId: token },
        { keepalive: options?.keepalive ?? false },
      );
    },
  };
}
