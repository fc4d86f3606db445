// Redis Stream ids (`<ms>-<seq>`), as the event log, channels and the client see them. No imports:
// holdfast/client uses this in the browser too.

/** Splits a stream id `<ms>-<seq>` into its two numbers. */
export function streamIdParts(id: string): [ms: number, seq: number] {
  const dash = id.indexOf("-");
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

/**
 * Orders two stream ids numerically: negative when `a` is older, 0 when equal, positive when newer
 * (compared as strings, `"9-0"` would sort after `"10-0"`).
 */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = streamIdParts(a);
  const [bm, bs] = streamIdParts(b);
  return am !== bm ? am - bm : as - bs;
}
