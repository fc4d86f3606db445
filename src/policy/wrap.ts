import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import type { FallbackPolicy } from "./fallback.js";
import type { Policy } from "./types.js";

/**
 * Composes policies, outermost first: `wrap(retry, breaker, timeout).execute(fn)` runs
 * `retry.execute(s1 => breaker.execute(s2 => timeout.execute(fn, s2), s1), signal)`. The caller's
 * signal flows through every layer (a timeout adds its deadline for the layers inside it). Only the
 * outermost policy may be a fallback (its value type is the result's extra type `R`).
 *
 * @example
 * const resilient = wrap(fallback, retry, breaker, timeout);
 * const result = await resilient.execute((signal) => assignTables(booking, { signal }));
 * @throws InvalidArgumentError when an argument is not a policy.
 */
export function wrap<R>(outer: FallbackPolicy<R>, ...inner: Policy[]): Policy<R>;
export function wrap(outer: Policy, ...inner: Policy[]): Policy;
export function wrap<R = never>(outer: Policy<R>, ...inner: Policy[]): Policy<R> {
  const policies: Policy<unknown>[] = [outer, ...inner];
  policies.forEach((p, i) => {
    if (typeof p !== "object" || p === null || typeof p.execute !== "function") {
      throw new InvalidArgumentError(`policies[${i}]`, "must be a policy (an object with execute())");
    }
  });
  return {
    execute<T>(fn: (signal: AbortSignal) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T | R> {
      const run = (i: number, s: AbortSignal): Promise<unknown> | unknown =>
        i === policies.length ? fn(s) : policies[i].execute((next) => run(i + 1, next), s);
      return policies[0].execute((s) => run(1, s), signal) as Promise<T | R>;
    },
  };
}
