/**
 * What the fault workloads count: errors by their stable `code` (typed, documented) or as untyped
 * (anything else: a bug, or an error Holdfast should have mapped), and when work last succeeded,
 * so a harness can measure how long each fault kept clients from working.
 */
import { isHoldfastError } from "holdfast";

/** Error codes a store fault may legitimately surface: the store's documented failures. */
export const STORE_FAILURE_CODES = new Set([
  "HOLDFAST_STORE_UNAVAILABLE",
  "HOLDFAST_STORE_TIMEOUT",
  "HOLDFAST_STORE_CLOSED",
]);

export class Tally {
  /** Typed errors by code, expected outcomes (conflicts) included. */
  readonly typed = new Map<string, number>();
  /** The last message seen per typed code (what a stuck run was told). */
  readonly lastMessage = new Map<string, string>();
  /** Untyped or undocumented errors, with their messages (at most 20 kept). */
  readonly untyped: string[] = [];
  untypedCount = 0;
  /** `performance.now()` of the last successful store operation. */
  lastSuccessAt = 0;
  /** Successful operations. */
  ops = 0;

  /**
   * @param documented the codes this workload's calls document besides store failures, or
   *   `"any"`: every Holdfast error but `HOLDFAST_SCRIPT_ERROR` (a server-side bug) counts as typed
   */
  constructor(private readonly documented: ReadonlySet<string> | "any") {}

  ok(): void {
    this.ops++;
    this.lastSuccessAt = performance.now();
  }

  /** Counts `e`; returns its code when typed and documented for this workload, else undefined. */
  error(e: unknown): string | undefined {
    const known =
      isHoldfastError(e) &&
      (this.documented === "any"
        ? e.code !== "HOLDFAST_SCRIPT_ERROR"
        : this.documented.has(e.code) || STORE_FAILURE_CODES.has(e.code));
    if (known) {
      this.typed.set(e.code, (this.typed.get(e.code) ?? 0) + 1);
      this.lastMessage.set(e.code, e.message);
      return e.code;
    }
    this.untypedCount++;
    if (this.untyped.length < 20) {
      const what = isHoldfastError(e)
        ? `${e.code}: ${e.message}`
        : e instanceof Error
          ? (e.stack ?? e.message)
          : String(e);
      this.untyped.push(what);
    }
    return undefined;
  }

  /** Store failures seen (unavailable, timeout, closed). */
  get storeErrors(): number {
    let n = 0;
    for (const code of STORE_FAILURE_CODES) n += this.typed.get(code) ?? 0;
    return n;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
