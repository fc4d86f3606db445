/** Deepest nesting of arrays and objects Holdfast accepts in a JSON body or WebSocket frame. */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `value` nests arrays or objects more than `maxDepth` levels deep (a scalar is depth 0,
 * `[]` and `{}` are 1). Iterative, so a hostile value cannot overflow the stack here, and it stops
 * at the first level past the limit. `JSON.parse` copes with any depth; `JSON.stringify` and most
 * code that walks a value recursively do not, which is why a parsed body is checked before use.
 */
export function exceedsJsonDepth(value: unknown, maxDepth = MAX_JSON_DEPTH): boolean {
  if (typeof value !== "object" || value === null) return false;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > maxDepth) return true;
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const c of children) if (typeof c === "object" && c !== null) stack.push([c, depth + 1]);
  }
  return false;
}
