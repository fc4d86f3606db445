import { defineScript, type RawReply, type Script } from "../store/script.js";
import type { NormalizedLimit } from "./spec.js";
import type { LimitStatus, RateLimitReason, RateLimitResult } from "./types.js";
import { rateLimitTwin } from "./twin.js";

/** `ratelimit-1.lua` and its memory twin: decide, peek, adjust or reset every limit of one key. */
export const rateLimitScript = defineScript<readonly (string | number)[]>(
  new URL("./ratelimit-1.lua", import.meta.url),
  rateLimitTwin,
);

type RateLimitScript = Script<readonly (string | number)[]>;

/**
 * The reply of a consume script when it allowed: `{remaining, resetMs}` per limit (2n numbers;
 * the generic reply is 3 + 3n long). The memory twins reshape the generic reply the same way.
 */
function compactWhenAllowed(reply: number[]): number[] {
  if (reply[0] !== 1) return reply;
  const out: number[] = [];
  for (let o = 3; o < reply.length; o += 3) out.push(reply[o], reply[o + 1]);
  return out;
}

/** The hash field suffixes of each algorithm's state (index = algorithm code 1–4). */
const FIELD_SUFFIXES = [[], ["w", "c"], ["w", "c", "p"], ["t", "s"], ["a"]];

/** The hash fields holding a limit's state, in the order the scripts read them. */
export function stateFields(limit: NormalizedLimit): string[] {
  return FIELD_SUFFIXES[limit.code].map((suffix) => limit.prefix + suffix);
}

/**
 * A one-limit consume script: its arguments are `cost, block ms, quota, param`, then the limit's
 * state fields (so the script builds no strings); its memory twin is the generic twin on the
 * generic arguments.
 */
function oneLimitConsume(file: string, code: number): RateLimitScript {
  return defineScript<readonly (string | number)[]>(
    new URL(`./${file}`, import.meta.url),
    (db, keys, [cost, blockMs, quota, param, firstField], now) => {
      const prefix = String(firstField).slice(0, -1);
      const generic = [OP_CONSUME, cost, blockMs, 1, code, prefix, quota, param];
      return compactWhenAllowed(rateLimitTwin(db, keys, generic, now) as number[]);
    },
  );
}

/**
 * The consume scripts: one per algorithm for a key with one limit (index = algorithm code 1–4),
 * and one for several limits (the arguments and reply of {@link rateLimitScript}). Each decides
 * the common case (allowed, not blocked) in the fewest Redis commands and Lua steps, and hands
 * every other case to the generic decision inside the same script (still one round trip).
 */
const consumeOneLimit: RateLimitScript[] = [
  rateLimitScript,
  oneLimitConsume("consume-fixed-window-1.lua", 1),
  oneLimitConsume("consume-sliding-window-1.lua", 2),
  oneLimitConsume("consume-token-bucket-1.lua", 3),
  oneLimitConsume("consume-gcra-1.lua", 4),
];
/**
 * The several-limit consume script: its arguments are `cost, block ms, n`, then `code, quota,
 * param` per limit, then every limit's state fields (see {@link consumeArgs});
 * its memory twin is the generic twin on the generic arguments, reshaped like the script's reply.
 */
const consumeMany = defineScript<readonly (string | number)[]>(
  new URL("./consume-many-1.lua", import.meta.url),
  (db, keys, args, now) => {
    const [cost, blockMs, n] = args;
    const generic: (string | number)[] = [OP_CONSUME, cost, blockMs, n];
    let field = 3 + 3 * Number(n); // the first limit's first field
    for (let i = 0; i < Number(n); i++) {
      const [code, quota, param] = args.slice(3 + 3 * i, 6 + 3 * i);
      generic.push(code, String(args[field]).slice(0, -1), quota, param);
      field += FIELD_SUFFIXES[Number(code)].length;
    }
    return compactWhenAllowed(rateLimitTwin(db, keys, generic, now) as number[]);
  },
);

/** The consume script for a key with these limits. */
export function consumeScriptFor(limits: readonly NormalizedLimit[]): RateLimitScript {
  return limits.length === 1 ? consumeOneLimit[limits[0].code] : consumeMany;
}

/** The arguments of {@link consumeScriptFor}'s script. */
export function consumeArgs(
  cost: number,
  blockMs: number,
  limits: readonly NormalizedLimit[],
): (string | number)[] {
  if (limits.length !== 1) {
    const args: (string | number)[] = [cost, blockMs, limits.length];
    for (const l of limits) args.push(l.code, l.quota, l.param);
    for (const l of limits) args.push(...stateFields(l));
    return args;
  }
  const l = limits[0];
  return [cost, blockMs, l.quota, l.param, ...stateFields(l)];
}

export const OP_CONSUME = 0;
export const OP_PEEK = 1;
export const OP_ADJUST = 2;
export const OP_RESET = 3;

const REASONS: (RateLimitReason | undefined)[] = [
  undefined,
  "limit-reached",
  "blocked",
  "cost-exceeds-limit",
];

/** The script's arguments: op, amount, block duration, then 4 per limit. */
export function buildArgs(
  op: number,
  amount: number,
  blockMs: number,
  limits: readonly NormalizedLimit[],
): (string | number)[] {
  const args: (string | number)[] = [op, amount, blockMs, limits.length];
  for (const l of limits) args.push(l.code, l.prefix, l.quota, l.param);
  return args;
}

const ms = (v: number): number => (v < 0 ? Infinity : v);

/**
 * Decodes the script's reply (the same on both stores) into a result. The binding limit is the one
 * that refused with the longest wait, or, when all allow, the one with the fewest units left.
 */
export function decodeReply(reply: RawReply, limits: readonly NormalizedLimit[]): RateLimitResult {
  const r = reply as number[];
  // An allowed consume answers {remaining, resetMs} per limit (2n numbers); every other reply is
  // {allowed, reason, retryAfterMs} then {remaining, resetMs, retryAfterMs} per limit (3 + 3n).
  const compact = r.length === 2 * limits.length;
  const allowed = compact || r[0] === 1;
  const first = compact ? 0 : 3;
  const stride = compact ? 2 : 3;
  const statuses: LimitStatus[] = new Array<LimitStatus>(limits.length);
  let bind = 0;
  for (let i = 0; i < limits.length; i++) {
    const l = limits[i];
    const o = first + stride * i;
    statuses[i] = {
      name: l.name,
      algorithm: l.algorithm,
      quota: l.quota,
      windowMs: l.windowMs,
      remaining: r[o],
      resetMs: r[o + 1],
      retryAfterMs: compact ? 0 : ms(r[o + 2]),
    };
    if (i > 0) {
      const b = statuses[bind];
      const s = statuses[i];
      if (allowed ? s.remaining < b.remaining : s.retryAfterMs > b.retryAfterMs) bind = i;
    }
  }
  const b = statuses[bind];
  const result: RateLimitResult = {
    allowed,
    remaining: b.remaining,
    resetMs: b.resetMs,
    retryAfterMs: compact ? 0 : ms(r[2]),
    policy: b.name,
    limits: statuses,
  };
  const reason = compact ? undefined : REASONS[r[1]];
  if (reason !== undefined) result.reason = reason;
  return result;
}
