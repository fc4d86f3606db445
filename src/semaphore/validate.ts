import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import {
  assertDurationMs,
  assertInt,
  assertName,
  describeValue,
  MAX_DURATION_MS,
  stripUndefined,
} from "../util/validate.js";
import type { PermitMetadata, SemaphoresOptions } from "./types.js";
import { DEFAULT_SEMAPHORES_OPTIONS } from "./types.js";

/** The largest `limit` accepted: far above any sane concurrency, low enough to catch unit mix-ups. */
export const MAX_SEMAPHORE_LIMIT = 1_000_000;
/** Longest owner token, in characters. */
export const MAX_PERMIT_TOKEN_LENGTH = 256;
/** Longest metadata, in characters of JSON. */
export const MAX_PERMIT_METADATA_LENGTH = 4096;

export function assertLimit(field: string, value: unknown): number {
  return assertInt(field, value, 1, MAX_SEMAPHORE_LIMIT);
}

export function assertWaitMs(field: string, value: unknown): number {
  return assertInt(field, value, 0, MAX_DURATION_MS);
}

export function assertToken(field: string, value: unknown): string {
  return assertName(field, value, MAX_PERMIT_TOKEN_LENGTH);
}

/** Flat JSON metadata; returns its JSON, or "" when there is none. */
export function encodeMetadata(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError("metadata", `must be a plain object, got ${describeValue(value)}`);
  }
  for (const [k, v] of Object.entries(value)) {
    const t = typeof v;
    if (v !== null && t !== "string" && t !== "boolean" && !(t === "number" && Number.isFinite(v))) {
      throw new InvalidArgumentError(
        `metadata.${k}`,
        `must be a string, a finite number, a boolean or null, got ${describeValue(v)}`,
      );
    }
  }
  const json = JSON.stringify(value as PermitMetadata);
  if (json.length > MAX_PERMIT_METADATA_LENGTH) {
    throw new InvalidArgumentError(
      "metadata",
      `must be at most ${MAX_PERMIT_METADATA_LENGTH} characters as JSON, got ${json.length}`,
    );
  }
  return json === "{}" ? "" : json;
}

/** Merges `options` over the defaults and validates every field. */
export function resolveSemaphoresOptions(options: SemaphoresOptions = {}): Required<SemaphoresOptions> {
  const o = { ...DEFAULT_SEMAPHORES_OPTIONS, ...stripUndefined(options) };
  assertDurationMs("ttlMs", o.ttlMs);
  assertWaitMs("waitMs", o.waitMs);
  assertDurationMs("retryBaseMs", o.retryBaseMs);
  assertDurationMs("retryCapMs", o.retryCapMs);
  if (o.retryCapMs < o.retryBaseMs) {
    throw new InvalidArgumentError("retryCapMs", `must be at least retryBaseMs (${o.retryBaseMs})`);
  }
  assertInt("reclaimLimit", o.reclaimLimit, 1, 1000);
  assertName("keyKind", o.keyKind, 64);
  if (!/^[A-Za-z0-9_]+$/.test(o.keyKind)) {
    // No "-": the metadata keys use the kind `<keyKind>-meta`, which must not be another group's kind.
    throw new InvalidArgumentError("keyKind", "must contain only letters, digits and underscores");
  }
  return o;
}
