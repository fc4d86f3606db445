import { defineScript } from "../../store/script.js";
import { admitTwin, countsTwin, headTwin, joinTwin, leaveTwin, positionTwin } from "./twins.js";

export const joinScript = defineScript<
  [user: string, heartbeatTtlMs: number, reclaimLimit: number, maxLength: number]
>(new URL("./join-4.lua", import.meta.url), joinTwin);

export const positionScript = defineScript<
  [user: string, heartbeatTtlMs: number, reclaimLimit: number, refresh: 0 | 1]
>(new URL("./position-4.lua", import.meta.url), positionTwin);

export const leaveScript = defineScript<[user: string, reclaimLimit: number]>(
  new URL("./leave-4.lua", import.meta.url),
  leaveTwin,
);

export const admitScript = defineScript<[n: number, admissionTtlMs: number, reclaimLimit: number]>(
  new URL("./admit-4.lua", import.meta.url),
  admitTwin,
);

export const countsScript = defineScript<[reclaimLimit: number]>(
  new URL("./counts-4.lua", import.meta.url),
  countsTwin,
);

export const headScript = defineScript<[count: number, reclaimLimit: number]>(
  new URL("./head-4.lua", import.meta.url),
  headTwin,
);
