const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const RELATIVE = /^(\d{1,9})(ms|s|m|h|d)$/;

/**
 * A point in time as the event and history queries accept it: ms since the epoch
 * (`1763000000000`), an ISO 8601 time (`2026-11-22T00:00:00Z`), or a duration ago (`5m`, `30s`,
 * `2h`, `1d`, `500ms`).
 */
export type TimeSpec = { kind: "absolute"; ms: number } | { kind: "ago"; ms: number };

/** Parses a {@link TimeSpec}; undefined when `text` is none of the three forms. */
export function parseTimeSpec(text: string): TimeSpec | undefined {
  if (/^\d{1,16}$/.test(text)) {
    const ms = Number(text);
    return Number.isSafeInteger(ms) ? { kind: "absolute", ms } : undefined;
  }
  const rel = RELATIVE.exec(text);
  if (rel) return { kind: "ago", ms: Number(rel[1]) * UNIT_MS[rel[2]] };
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    return Number.isFinite(ms) && ms >= 0 ? { kind: "absolute", ms } : undefined;
  }
  return undefined;
}

/**
 * Resolves a {@link TimeSpec} to ms since the epoch. A duration ago needs "now" from the store's
 * clock (the event log's `serverTime()`), never this process's: `now` is called only then.
 */
export async function resolveTime(
  spec: TimeSpec | undefined,
  now: () => Promise<number>,
): Promise<number | undefined> {
  if (!spec) return undefined;
  return spec.kind === "absolute" ? spec.ms : Math.max(0, (await now()) - spec.ms);
}
