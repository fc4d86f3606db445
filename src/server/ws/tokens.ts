import { createHash, randomUUID } from "node:crypto";
import { defineScript } from "../../store/script.js";
import type { Store } from "../../store/types.js";
import type { Principal } from "../auth/principal.js";
import { isTenantName } from "../tenants.js";

/** What a WebSocket token stands for: who minted it, for which tenant, and what it may do. */
export interface WsTokenRecord {
  tenant: string;
  role: Principal["role"];
  /** The API key that minted it (`open` on a server without keys). */
  keyId: string;
  /** Channel names or `*` patterns the token may use; undefined = every channel of the tenant. */
  channels?: string[];
  /** Whether the token may publish (subscribing is always allowed within `channels`). */
  publish: boolean;
}

/** Options of {@link WsTokens.mint}. */
export interface MintWsTokenOptions {
  /** How long the token opens sockets, in ms. @defaultValue 60_000 */
  ttlMs?: number;
  channels?: string[];
  /** @defaultValue true */
  publish?: boolean;
}

export const DEFAULT_WS_TOKEN_TTL_MS = 60_000;
/** Longest lifetime a token may be minted with: 1 hour. */
export const MAX_WS_TOKEN_TTL_MS = 3_600_000;

const putToken = defineScript<[json: string, ttlMs: number]>(
  new URL("./token-put-1.lua", import.meta.url),
  (db, [k], [json, ttlMs], nowMs) => {
    db.set(k, json, { px: ttlMs });
    return nowMs + ttlMs;
  },
);
const takeToken = defineScript<[]>(new URL("./token-take-1.lua", import.meta.url), (db, [k]) => {
  const record = db.get(k);
  if (record !== null) db.del(k);
  return record;
});

const TOKEN = /^hft_[0-9a-f]{32}$/;

/**
 * Short-lived WebSocket tokens, kept in the store with a TTL (not signed): every server on the same
 * Redis accepts a token any of them minted, with no shared secret to distribute, and the store only
 * holds the token's SHA-256, so a copy of Redis does not yield usable tokens. A token opens ONE
 * socket: it is taken (read and deleted in one script) at the upgrade, so a token copied from a page
 * or a log cannot open more, and one page cannot use up its backend key's connection cap. A client
 * that reconnects asks for a new one (`ChannelClient`'s `token` function does). A socket, once open,
 * is not closed when its token expires.
 */
export class WsTokens {
  constructor(private readonly store: Store) {}

  /** Mints a token for `principal`'s tenant. One round trip. */
  async mint(
    principal: Principal,
    options: MintWsTokenOptions = {},
  ): Promise<{ token: string; expiresAt: number }> {
    const ttlMs = options.ttlMs ?? DEFAULT_WS_TOKEN_TTL_MS;
    const token = `hft_${randomUUID().replaceAll("-", "")}`;
    const record: WsTokenRecord = {
      tenant: principal.tenant,
      role: principal.role,
      keyId: principal.keyId,
      ...(options.channels ? { channels: options.channels } : {}),
      publish: options.publish ?? true,
    };
    const expiresAt = Number(
      await this.store.run(putToken, [this.keyOf(token)], [JSON.stringify(record), ttlMs]),
    );
    return { token, expiresAt };
  }

  /**
   * Takes a token: its record, deleted in the same step so it opens nothing else, or undefined when
   * it is malformed, unknown, expired, already used, or its record breaks the rules (a tenant name
   * outside the tenant rule, a role that is not client or admin).
   */
  async take(token: string): Promise<WsTokenRecord | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const raw = await this.store.run(takeToken, [this.keyOf(token)], []);
    if (typeof raw !== "string") return undefined;
    let record: WsTokenRecord;
    try {
      record = JSON.parse(raw) as WsTokenRecord;
    } catch {
      return undefined;
    }
    const valid =
      typeof record === "object" &&
      record !== null &&
      isTenantName(record.tenant) &&
      (record.role === "client" || record.role === "admin") &&
      typeof record.keyId === "string" &&
      typeof record.publish === "boolean" &&
      (record.channels === undefined ||
        (Array.isArray(record.channels) && record.channels.every((c) => typeof c === "string")));
    return valid ? record : undefined;
  }

  private keyOf(token: string): string {
    return this.store.keys.key("wstoken", createHash("sha256").update(token).digest("hex"));
  }
}
