import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { assertOptionsObject } from "../events/validate.js";
import { assertInt, describeValue } from "../util/validate.js";
import type { HistoryOptions } from "./types.js";

/** Largest `limit` of one history read. */
export const MAX_HISTORY_LIMIT = 10_000;

/** A history read's options, validated: how many, in which order, and the XRANGE low bound. */
export function historyQuery(options: HistoryOptions): {
  limit: number;
  order: "asc" | "desc";
  low: string;
} {
  assertOptionsObject("options", options);
  const limit = options.limit === undefined ? 100 : assertInt("limit", options.limit, 1, MAX_HISTORY_LIMIT);
  const order = options.order ?? "asc";
  if (order !== "asc" && order !== "desc") {
    throw new InvalidArgumentError("order", `must be "asc" or "desc", got ${describeValue(order)}`);
  }
  if (options.since !== undefined && options.after !== undefined) {
    throw new InvalidArgumentError("since", "cannot be combined with `after`: pass one of them");
  }
  let low = "-";
  if (options.since !== undefined) low = `${assertInt("since", options.since, 0, Number.MAX_SAFE_INTEGER)}-0`;
  if (options.after !== undefined) {
    if (typeof options.after !== "string" || !/^\d+-\d+$/.test(options.after)) {
      throw new InvalidArgumentError(
        "after",
        `must be a history id "<ms>-<seq>", got ${describeValue(options.after)}`,
      );
    }
    low = `(${options.after}`;
  }
  return { limit, order, low };
}
