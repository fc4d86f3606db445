import { CliUsageError } from "./context.js";

/**
 * An integer from the command line (an option such as `--limit`, an argument such as `units`), from
 * `min` to `max`: the one rule for every number a `holdfast` command takes. Anything else is a usage
 * error (exit code 2) that names the option, the range and the input as typed.
 *
 * @example intArg("--limit", "abc", { max: 10_000 }) // throws: --limit must be an integer from 1 to 10000, got "abc"
 */
export function intArg(name: string, value: string, range: { min?: number; max?: number } = {}): number {
  const min = range.min ?? 1;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliUsageError(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}
