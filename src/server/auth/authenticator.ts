import type { FastifyRequest } from "fastify";
import { HttpError } from "../http-errors.js";
import { parseApiKey, secretMatches, type ApiKeyRecord } from "./api-keys.js";
import type { KeyStore } from "./key-store.js";
import type { Principal } from "./principal.js";

const TENANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Resolves the caller of each request. Key records are cached for `cacheMs`, so a revoked key stops
 * working within that time on every server. With no keys at all the server is "open": every
 * request acts as an admin of any tenant (allowed only on loopback; see `holdfast serve`).
 */
export class Authenticator {
  private cache = new Map<string, { record: ApiKeyRecord | undefined; at: number }>();
  private anyKeys: { value: boolean; at: number } | undefined;

  constructor(
    private readonly keys: KeyStore,
    private readonly cacheMs = 5000,
  ) {}

  /** True when at least one (unrevoked) key exists. */
  async hasKeys(): Promise<boolean> {
    const now = Date.now();
    if (this.anyKeys && now - this.anyKeys.at < this.cacheMs) return this.anyKeys.value;
    const value = (await this.keys.list()).some((k) => k.revokedAt === undefined);
    this.anyKeys = { value, at: now };
    return value;
  }

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const tenantHeader = request.headers["x-holdfast-tenant"];
    const wanted = typeof tenantHeader === "string" && tenantHeader !== "" ? tenantHeader : undefined;
    if (wanted !== undefined && !TENANT.test(wanted)) {
      throw new HttpError(
        400,
        "HOLDFAST_INVALID_ARGUMENT",
        "Invalid header x-holdfast-tenant: letters, digits, . _ - (at most 64).",
        {
          field: "headers.x-holdfast-tenant",
          reason: "must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}",
        },
      );
    }
    if (!(await this.hasKeys())) {
      return { keyId: "open", role: "admin", tenants: ["*"], tenant: wanted ?? "default" };
    }
    const presented = bearer(request);
    if (!presented) {
      throw new HttpError(
        401,
        "HOLDFAST_UNAUTHENTICATED",
        "Send an API key: `Authorization: Bearer hf_…` or `x-api-key` (create one with `holdfast keys create`).",
      );
    }
    const parsed = parseApiKey(presented);
    const record = parsed ? await this.record(parsed.id) : undefined;
    if (!parsed || !record || record.revokedAt !== undefined || !secretMatches(record, parsed.secret)) {
      throw new HttpError(401, "HOLDFAST_UNAUTHENTICATED", "This API key is unknown or revoked.");
    }
    const tenant =
      wanted ?? (record.tenants.length === 1 && record.tenants[0] !== "*" ? record.tenants[0] : undefined);
    if (!tenant) {
      throw new HttpError(
        400,
        "HOLDFAST_INVALID_ARGUMENT",
        "This key serves several tenants: name one in the x-holdfast-tenant header.",
        {
          field: "headers.x-holdfast-tenant",
          reason: "required for a key with several tenants",
        },
      );
    }
    if (!record.tenants.includes("*") && !record.tenants.includes(tenant)) {
      throw new HttpError(403, "HOLDFAST_FORBIDDEN", `This API key may not act for tenant "${tenant}".`);
    }
    return { keyId: record.id, role: record.role, tenants: record.tenants, tenant };
  }

  private async record(id: string): Promise<ApiKeyRecord | undefined> {
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && now - hit.at < this.cacheMs) return hit.record;
    const record = await this.keys.get(id);
    this.cache.set(id, { record, at: now });
    return record;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === "string" && auth.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim();
  const x = request.headers["x-api-key"];
  return typeof x === "string" && x !== "" ? x : undefined;
}
