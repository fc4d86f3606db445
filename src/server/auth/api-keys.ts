import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { InvalidArgumentError } from "../../errors/invalid-argument-error.js";
import { assertTenantList } from "../tenants.js";

/**
 * What a key may do. `client` calls the primitives of its tenants; `admin` also runs their admin
 * routes (list locks with tokens, force-release, trip breakers, define stock, admit); `operator`
 * reads what spans every tenant (`/metrics`) and acts for no tenant.
 */
export type Role = "client" | "admin" | "operator";
export const ROLES: readonly Role[] = ["client", "admin", "operator"];

/** A stored API key: never the secret itself, only its SHA-256. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** SHA-256 of the secret part, hex. */
  hash: string;
  role: Role;
  /** Tenants the key may act for; `["*"]` for all; `[]` for an operator key. */
  tenants: string[];
  createdAt: number;
  revokedAt?: number;
}

const KEY_FORMAT = /^hf_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Mints a new key: returns the full key (shown once) and the record to store. */
export function mintApiKey(input: { name: string; role: Role; tenants: string[]; now?: number }): {
  key: string;
  record: ApiKeyRecord;
} {
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  const record: ApiKeyRecord = {
    id,
    name: input.name,
    hash: hashSecret(secret),
    role: input.role,
    tenants: input.tenants,
    createdAt: input.now ?? Date.now(),
  };
  return { key: `hf_${id}_${secret}`, record: parseKeyRecord(record, "the new key") };
}

/**
 * Checks a key record read from a keys file or the store (or about to be written): its id, hash,
 * role, and tenants by the one tenant rule. A record that breaks it is refused as a whole, so a
 * tenant such as `acme:lock` written by an older version never reaches a key.
 * @throws InvalidArgumentError naming the record (`where`) and the field at fault
 */
export function parseKeyRecord(value: unknown, where: string): ApiKeyRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(where, "is not a key record (an object)");
  }
  const r = value as Record<string, unknown>;
  const id = typeof r.id === "string" && /^[0-9a-f]{12}$/.test(r.id) ? r.id : undefined;
  const at = `${where}${id ? ` (key ${id})` : ""}`;
  if (!id) throw new InvalidArgumentError(`${at}.id`, "must be 12 hex digits");
  if (typeof r.hash !== "string" || !/^[0-9a-f]{64}$/.test(r.hash)) {
    throw new InvalidArgumentError(`${at}.hash`, "must be a SHA-256 in hex");
  }
  if (!ROLES.includes(r.role as Role)) {
    throw new InvalidArgumentError(`${at}.role`, `must be one of ${ROLES.join(", ")}`);
  }
  const role = r.role as Role;
  let tenants: string[];
  if (role === "operator") {
    if (!Array.isArray(r.tenants) || r.tenants.length !== 0) {
      throw new InvalidArgumentError(`${at}.tenants`, "must be empty: an operator key acts for no tenant");
    }
    tenants = [];
  } else {
    tenants = assertTenantList(`${at}.tenants`, r.tenants);
  }
  if (typeof r.createdAt !== "number" || !Number.isFinite(r.createdAt)) {
    throw new InvalidArgumentError(`${at}.createdAt`, "must be a time in ms");
  }
  if (r.revokedAt !== undefined && (typeof r.revokedAt !== "number" || !Number.isFinite(r.revokedAt))) {
    throw new InvalidArgumentError(`${at}.revokedAt`, "must be a time in ms");
  }
  return {
    id,
    name: typeof r.name === "string" ? r.name : "",
    hash: r.hash,
    role,
    tenants,
    createdAt: r.createdAt,
    ...(r.revokedAt !== undefined ? { revokedAt: r.revokedAt as number } : {}),
  };
}

/** Splits a presented key into id and secret, or undefined when it is not a Holdfast key. */
export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const m = KEY_FORMAT.exec(key);
  return m ? { id: m[1], secret: m[2] } : undefined;
}

/** Constant-time check of a presented secret against a record. */
export function secretMatches(record: ApiKeyRecord, secret: string): boolean {
  const a = Buffer.from(record.hash, "hex");
  const b = Buffer.from(hashSecret(secret), "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
