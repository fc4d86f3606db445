import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A stored API key: never the secret itself, only its SHA-256. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** SHA-256 of the secret part, hex. */
  hash: string;
  role: "client" | "admin";
  /** Tenants the key may act for; `["*"]` for all. */
  tenants: string[];
  createdAt: number;
  revokedAt?: number;
}

const KEY_FORMAT = /^hf_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Mints a new key: returns the full key (shown once) and the record to store. */
export function mintApiKey(input: {
  name: string;
  role: "client" | "admin";
  tenants: string[];
  now?: number;
}): {
  key: string;
  record: ApiKeyRecord;
} {
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  return {
    key: `hf_${id}_${secret}`,
    record: {
      id,
      name: input.name,
      hash: hashSecret(secret),
      role: input.role,
      tenants: input.tenants,
      createdAt: input.now ?? Date.now(),
    },
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
