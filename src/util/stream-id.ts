// Redis Stream ids (`<ms>-<seq>`), as the event log, channels and the client see them. No imports:
// holdfast/client uses this in the browser too.

/** Splits a stream id `<ms>-<seq>` into its two numbers. */
export function streamIdParts(id: string): [ms: number, seq: number] {
  const dash = id.indexOf("-");
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

/**
 * The number of `id`'s digits in [from, to), or -1 when one of them is not a digit, or there are
 * none or more than 15 (past 2^53 the sum below would round differently from `Number`): what
 * `Number` reads for a well-formed id, without the substrings it needs.
 */
function digits(id: string, from: number, to: number): number {
  if (from >= to || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Orders two stream ids numerically: negative when `a` is older, 0 when equal, positive when newer
 * (compared as strings, `"9-0"` would sort after `"10-0"`). It runs for every message a gateway
 * fans out and every message a client receives, so a well-formed id is read in place; anything
 * else goes through {@link streamIdParts}, as before.
 */
export function compareStreamIds(a: string, b: string): number {
  const ad = a.indexOf("-");
  const bd = b.indexOf("-");
  const am = digits(a, 0, ad);
  const as = digits(a, ad + 1, a.length);
  const bm = digits(b, 0, bd);
  const bs = digits(b, bd + 1, b.length);
  if (am < 0 || as < 0 || bm < 0 || bs < 0) {
    const [pam, pas] = streamIdParts(a);
    const [pbm, pbs] = streamIdParts(b);
    return pam !== pbm ? pam - pbm : pas - pbs;
  }
  return am !== bm ? am - bm : as - bs;
}
