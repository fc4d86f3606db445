/**
 * The breaker's atomic operations: each a Lua script in this folder and its memory twin
 * (twins.ts), all with one raw reply, declared here and read by `../decode.ts`.
 */
import { defineScript } from "../../store/script.js";
import { reportTwin, admitTwin, settleTwin, forceTwin, peekTwin } from "./twins.js";

/**
 * What every breaker script returns: the state code (a `BreakerStatus`), the end of the open
 * period and the server's clock in ms, the attempt and generation, and a flag (admit: lease
 * granted; settle: outcome applied; otherwise 0 or 1).
 */
export type BreakerReply = [
  code: number,
  untilMs: number,
  attempt: number,
  gen: number,
  nowMs: number,
  flag: number,
];

export const reportScript = defineScript(new URL("./report-3.lua", import.meta.url), reportTwin);

export const admitScript = defineScript(new URL("./admit-3.lua", import.meta.url), admitTwin);

export const settleScript = defineScript(new URL("./settle-3.lua", import.meta.url), settleTwin);

export const forceScript = defineScript(new URL("./force-3.lua", import.meta.url), forceTwin);

export const peekScript = defineScript(new URL("./peek-1.lua", import.meta.url), peekTwin);

export type { AdmitArgs, ForceArgs, ReportArgs, SettleArgs } from "./twins.js";
