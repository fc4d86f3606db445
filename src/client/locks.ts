import { HttpClient } from "./http.js";

/** A lease as the service returns it. */
export interface RemoteLease {
  key: string;
  /** @deprecated The same as {@link token}, seed 004's name for it; the service still sends it. */
  lockId: string;
  /** The owner token: refresh and release need it. */
  token: string;
  fence: number;
  ttlMs: number;
  /** Ms left when the server answered: prefer this to `expiresAt` in a browser with a skewed clock. */
  expiresIn: number;
  expiresAt: number;
}

export interface RemoteLockInfo {
  key: string;
  mode: "exclusive" | "read";
  fence: number;
  remainingTtlMs: number;
  metadata?: Record<string, unknown>;
}

/** The lock routes of the service (`/v1/locks/…`). */
export class LocksApi {
  constructor(private readonly http: HttpClient) {}

  /** Acquires `key`; a held lock rejects with `HOLDFAST_LOCK_CONFLICT` (details.remainingTtlMs). */
  acquire(
    key: string,
    options: {
      ttlMs?: number;
      waitMs?: number;
      mode?: "exclusive" | "read";
      metadata?: Record<string, unknown>;
    } = {},
    signal?: AbortSignal,
  ): Promise<RemoteLease> {
    return this.http.request("POST", `/v1/locks/${HttpClient.segment(key)}/acquire`, options, signal);
  }

  refresh(key: string, token: string, ttlMs?: number): Promise<RemoteLease> {
    return this.http.request("POST", `/v1/locks/${HttpClient.segment(key)}/refresh`, { token, ttlMs });
  }

  /** Releases `key`; `keepalive` lets the request outlive the page (see `HttpClient.request`). */
  async release(key: string, token: string, options?: { keepalive?: boolean }): Promise<void> {
    await this.http.request(
      "POST",
      `/v1/locks/${HttpClient.segment(key)}/release`,
      { token },
      undefined,
      options,
    );
  }

  /** The lock's state, or `null` when nobody holds it. */
  async get(key: string): Promise<RemoteLockInfo | null> {
    try {
      return await this.http.request<RemoteLockInfo>("GET", `/v1/locks/${HttpClient.segment(key)}`);
    } catch (e) {
      if ((e as { status?: number }).status === 404) return null;
      throw e;
    }
  }
}
