/** The one place where the breaker scripts' raw replies are read, shared by both stores. */
import { ScriptError } from "../errors/store-errors.js";
import type { RawReply } from "../store/script.js";

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
export function decodeReply(script: string, raw: RawReply): SharedReply {
  if (!Array.isArray(raw) || raw.length !== 6 || raw.some((v) => typeof v !== "number")) {
    throw new ScriptError(script, `unexpected reply ${JSON.stringify(raw)}`);
  }
  const r = raw as number[];
  return { code: r[0], untilMs: r[1], attempt: r[2], gen: r[3], nowMs: r[4], flag: r[5] };
}
