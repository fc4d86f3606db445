/** The one place where the breaker scripts' raw replies are read, shared by both stores. */
import { ScriptError } from "../errors/store-errors.js";
import type { BreakerReply } from "./scripts/scripts.js";

/** What every breaker script returns, decoded. */
export interface SharedReply {
  /** 0 closed, 1 open, 2 half-open, 3 isolated. */
  code: number;
  /** End of the open period on the server's clock, in ms. */
  untilMs: number;
  attempt: number;
  gen: number;
  /** The server's clock when the script ran, in ms. */
  nowMs: number;
  /** admit: lease granted; settle: outcome applied; otherwise 0 or 1. */
  flag: number;
}

/** The one decoder of every breaker script's reply (Redis and memory alike). */
export function decodeReply(script: string, raw: BreakerReply): SharedReply {
  if (!Array.isArray(raw) || raw.length !== 6 || raw.some((v) => typeof v !== "number")) {
    throw new ScriptError(script, `unexpected reply ${JSON.stringify(raw)}`);
  }
  return { code: raw[0], untilMs: raw[1], attempt: raw[2], gen: raw[3], nowMs: raw[4], flag: raw[5] };
}
