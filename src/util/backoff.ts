/**
 * Exponential backoff with "full jitter": a random delay in [0, min(capMs, baseMs * 2^attempt)].
 * Full jitter spreads retries of many contending clients best (fewest collisions, least total work).
 */
export function fullJitterBackoff(
  attempt: number,
  baseMs: number,
  capMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * "Decorrelated jitter": the next delay is random in [baseMs, previousMs * 3], capped at `capMs`.
 * Keeps a growing trend while avoiding synchronised retry waves.
 */
export function decorrelatedJitter(
  previousMs: number,
  baseMs: number,
  capMs: number,
  random = Math.random,
): number {
  const hi = Math.max(baseMs, previousMs * 3);
  return Math.min(capMs, Math.floor(baseMs + random() * (hi - baseMs)));
}
