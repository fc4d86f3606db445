import { HttpClient, isHoldfastApiError } from "holdfast/client";
import type { Overview } from "./api";

/** Who is signed in: the key and, for a key serving several tenants, the tenant viewed. */
export interface Session {
  key: string;
  tenant: string;
}

/**
 * What the service says about the signed-in key: the overview's `tenant`, `role` and `open` (true
 * when the service runs without keys, loopback only: every caller is an admin). A type only: the
 * bundle takes nothing of the server.
 */
export type Identity = Pick<Overview, "tenant" | "role" | "open">;

// sessionStorage: the key lives as long as this tab, never in localStorage or a cookie.
const STORAGE = "holdfast.dashboard.session";

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE);
    const s = raw ? (JSON.parse(raw) as Partial<Session>) : null;
    return s && typeof s.key === "string" && typeof s.tenant === "string"
      ? { key: s.key, tenant: s.tenant }
      : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(STORAGE, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE);
}

/** Headers of every call: the key as a bearer token, and the tenant when one is named. */
export function authHeaders(s: Session): Record<string, string> {
  return {
    ...(s.key ? { authorization: `Bearer ${s.key}` } : {}),
    ...(s.tenant ? { "x-holdfast-tenant": s.tenant } : {}),
  };
}

/** The service's HTTP client for this session (same origin as the page). */
export function clientFor(s: Session): HttpClient {
  return new HttpClient({
    baseUrl: location.origin,
    ...(s.key ? { apiKey: s.key } : {}),
    ...(s.tenant ? { tenant: s.tenant } : {}),
  });
}

/** A sentence for an error: the service's own message, or what went wrong reaching it. */
export function describeError(e: unknown): string {
  if (isHoldfastApiError(e)) return `${e.message} (${e.code}, HTTP ${e.status})`;
  return e instanceof Error ? e.message : String(e);
}

/** True for an answer that means "sign in again" (unknown, revoked or missing key). */
export function isAuthError(e: unknown): boolean {
  return isHoldfastApiError(e) && e.status === 401;
}
