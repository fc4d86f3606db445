import { LRUCache } from "lru-cache";
import { readFileSync } from "node:fs";
import { defineScript, loadLua, scriptFromSource, type Script } from "../../store/script.js";
import type { NormalizedLimit } from "../spec.js";
import { rateLimitTwin } from "./twins.js";

/** The arguments of every rate-limit script (see {@link buildArgs} and {@link consumeArgs}). */
export type RateLimitArgs = readonly (string | number)[];
/**
 * What every rate-limit script returns: `{allowed, reason, retryAfterMs}` then
 * `{remaining, resetMs, retryAfterMs}` per limit, or, for an allowed consume, `{remaining, resetMs}`
 * per limit (see `../decode.ts`); a reset answers `{1, 0, 0}`.
 */
export type RateLimitReply = number[];

/** `ratelimit-1.lua` and its memory twin: decide, peek, adjust or reset every limit of one key. */
export const rateLimitScript = defineScript(new URL("./ratelimit-1.lua", import.meta.url), rateLimitTwin);

export type RateLimitScript = Script<RateLimitArgs, RateLimitReply>;

/**
 * The reply of a consume script when it allowed: `{remaining, resetMs}` per limit (2n numbers;
 * the generic reply is 3 + 3n long). The memory twin's generic reply is reshaped the same way.
 */
function compactWhenAllowed(reply: number[]): number[] {
  if (reply[0] !== 1) return reply;
  const out: number[] = [];
  for (let o = 3; o < reply.length; o += 3) out.push(reply[o], reply[o + 1]);
  return out;
}

const lua = (path: string): string => readFileSync(new URL(path, import.meta.url), "utf8").trimEnd();
/** `consume-1.lua` with its includes, and one step per algorithm (index = code 1–4), then the commit. */
const TEMPLATE = loadLua(new URL("./consume-1.lua", import.meta.url));
const STEPS = ["", "fixed-window", "sliding-window", "token-bucket", "gcra"].map((f) =>
  f ? lua(`./steps/${f}.lua`) : "",
);
const COMMIT = lua("./steps/commit.lua");
const LETTERS = ["", "f", "s", "t", "g"];
/**
 * What each algorithm (by code) keeps in the state field, as its step's locals: fixed window
 * (window start, count), sliding window (window start, count, previous count), token bucket
 * (tokens, when counted), GCRA (theoretical arrival time); each is followed by its until.
 */
const STATE = [[], ["w", "c"], ["w", "c", "p"], ["t", "now"], ["a"]];
/** Limits packed per `struct.pack` call: one call for up to four, and few enough values per call for 16. */
const PACK_GROUP = 4;

/** The Lua expression that packs the states of limits `range` (algorithm `codes`), each with its until. */
function packState(codes: readonly number[], range: readonly number[]): string {
  const calls: string[] = [];
  for (let k = 0; k < range.length; k += PACK_GROUP) {
    const group = range.slice(k, k + PACK_GROUP);
    const format = "<" + group.map((i) => "d".repeat(STATE[codes[i - 1]].length + 1)).join("");
    const values = group.flatMap((i) => [
      ...STATE[codes[i - 1]].map((v) => (v === "now" ? v : `${v}${i}`)),
      `now + e${i}`,
    ]);
    calls.push(`struct.pack('${format}', ${values.join(", ")})`);
  }
  return calls.join(" .. ");
}

/** `text` with its `$name` slots filled; a slot alone on its line takes that line's indent. */
function fill(text: string, slots: Record<string, string>): string {
  return text.replace(
    /^([ \t]*)\$(\w+)$|\$(\w+)\b/gm,
    (whole, indent?: string, own?: string, inline?: string) => {
      const value = slots[own ?? inline ?? ""];
      if (value === undefined) return whole;
      return own === undefined ? value : value.replace(/^(?=.)/gm, indent ?? "");
    },
  );
}

/**
 * Builds the consume script for a list of algorithms (see consume-1.lua): limit i's step reads
 * its quota and param at ARGV[1 + 2i] and ARGV[2 + 2i] and its state at its offset in the key's
 * state field, and holds the next limit's step, or the commit after the last, which writes the
 * states, each followed by when it stops mattering, back in that field.
 */
function buildConsumeScript(codes: readonly number[]): RateLimitScript {
  const n = codes.length;
  const field = 3 + 2 * n; // ARGV index of the key's state field
  const range = Array.from({ length: n }, (_, k) => k + 1);
  let body = fill(COMMIT, {
    TTL: range
      .slice(1)
      .map((i) => `if e${i} > ttl then ttl = e${i} end`)
      .join("\n"),
    FIELD: String(field),
    STATE: packState(codes, range),
    REPLY: range.map((i) => `r${i}, e${i}`).join(", "),
  });
  const offsets = [1];
  for (const c of codes) offsets.push(offsets[offsets.length - 1] + 8 * (STATE[c].length + 1));
  for (let i = n; i >= 1; i--) {
    const slots = { i: String(i), q: String(1 + 2 * i), p: String(2 + 2 * i), o: String(offsets[i - 1]) };
    body = fill(fill(STEPS[codes[i - 1]], slots), { next: body });
  }
  const source = fill(TEMPLATE, {
    FIELD: String(field),
    STEPS: body.replace(/^(?=.)/gm, "  "),
    GENERIC: [
      n,
      ...range.map((i) => `${codes[i - 1]}, false, ARGV[${1 + 2 * i}], ARGV[${2 + 2 * i}]`),
      `ARGV[${field}]`,
    ].join(", "),
  });
  return scriptFromSource<RateLimitArgs, RateLimitReply>(
    `consume-${codes.map((c) => LETTERS[c]).join("")}`,
    1,
    source,
    (db, keys, args, now) => {
      const [cost, blockMs] = args;
      const fields = String(args[field - 1])
        .slice(1)
        .split("|");
      const generic: (string | number)[] = [OP_CONSUME, cost, blockMs, n];
      for (let i = 1; i <= n; i++) generic.push(codes[i - 1], fields[i - 1], args[2 * i], args[2 * i + 1]);
      return compactWhenAllowed(rateLimitTwin(db, keys, generic, now));
    },
  );
}

/**
 * The consume scripts built so far, by their list of algorithm codes ("4,1"): a few per app, but the
 * lists can come from callers (the service's `/v1/ratelimits`), so at most this many are kept.
 */
const MAX_CONSUME_SCRIPTS = 256;
const consumeScripts = new LRUCache<string, RateLimitScript>({ max: MAX_CONSUME_SCRIPTS });

/**
 * The consume script for a key with these limits: one per list of algorithms, built on first use.
 * Quotas, windows, rates and names are arguments, so an app has a handful of these scripts in
 * Redis' script cache (which Redis 7.0 never evicts), however often its limits change.
 */
export function consumeScriptFor(limits: readonly NormalizedLimit[]): RateLimitScript {
  const id = limits.map((l) => l.code).join(",");
  let script = consumeScripts.get(id);
  if (script === undefined) {
    script = buildConsumeScript(limits.map((l) => l.code));
    consumeScripts.set(id, script);
  }
  return script;
}

/**
 * The arguments of {@link consumeScriptFor}'s script: cost, block ms, the quota and param of each
 * limit, then the key's state field for this list of limits (see {@link stateField}).
 */
export function consumeArgs(
  cost: number,
  blockMs: number,
  limits: readonly NormalizedLimit[],
): (string | number)[] {
  const args: (string | number)[] = [cost, blockMs];
  for (const l of limits) args.push(l.quota, l.param);
  args.push(stateField(limits));
  return args;
}

/**
 * The hash field that holds the state of every limit of a key for this list of limits: "@" and
 * the limits' own fields joined by "|" (`@g:per-second|f:per-minute`). Limit names have neither
 * character, so the list can be read back from it (see includes/decide.lua).
 */
export function stateField(limits: readonly NormalizedLimit[]): string {
  return "@" + limits.map((l) => l.field).join("|");
}

export const OP_CONSUME = 0;
export const OP_PEEK = 1;
export const OP_ADJUST = 2;
export const OP_RESET = 3;

/** The script's arguments: op, amount, block duration, then 4 per limit. */
export function buildArgs(
  op: number,
  amount: number,
  blockMs: number,
  limits: readonly NormalizedLimit[],
): (string | number)[] {
  const args: (string | number)[] = [op, amount, blockMs, limits.length];
  for (const l of limits) args.push(l.code, l.field, l.quota, l.param);
  return args;
}
