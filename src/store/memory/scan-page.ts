/**
 * A glob as an anchored RegExp: `*` matches anything and `\x` is a literal `x` (as in Redis'
 * MATCH); every other character is literal (Holdfast's patterns use no `?` or `[…]`).
 */
export function globRegExp(pattern: string): RegExp {
  let body = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") body += ".*";
    else {
      const literal = c === "\\" && i + 1 < pattern.length ? pattern[++i] : c;
      body += literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${body}$`, "s");
}

/**
 * The first `count` of `keys` that match `pattern`, sort after `after` (all when undefined) and are
 * `live`, in key order, and whether more follow. Resuming after the last key returned visits every
 * key present for the whole scan exactly once. One pass over the keys: no copy, no sort.
 */
export function scanPage(
  keys: Iterable<string>,
  pattern: string,
  after: string | undefined,
  count: number,
  live: (key: string) => boolean,
): { keys: string[]; more: boolean } {
  const re = globRegExp(pattern);
  // The part before any wildcard or escape is a plain prefix: a cheap test before the RegExp.
  const plain = pattern.search(/[*\\]/);
  const literal = plain < 0 ? pattern : pattern.slice(0, plain);
  // The count+1 smallest candidates, sorted: one more than asked says whether more follow.
  const best: string[] = [];
  for (const key of keys) {
    if (after !== undefined && key <= after) continue;
    if (best.length > count && key >= best[count]) continue;
    if (!key.startsWith(literal) || !re.test(key) || !live(key)) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (best[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, key);
    if (best.length > count + 1) best.pop();
  }
  const more = best.length > count;
  if (more) best.pop();
  return { keys: best, more };
}
