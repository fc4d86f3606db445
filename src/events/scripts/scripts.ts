/**
 * The event log's atomic operations: each a Lua script in this folder and its memory twin
 * (twins.ts); each declares its raw reply once here.
 */
import { defineScript } from "../../store/script.js";
import { appendTwin, nowTwin, rangeTwin, registerTwin, sourcesTwin } from "./twins.js";

export type AppendArgs = [type: string, contextJson: string, maxLen: number, maxAgeMs: number];
/** The new entry's stream id. */
export type AppendReply = string;
export const appendScript = defineScript(new URL("./append-1.lua", import.meta.url), appendTwin);

export type RegisterArgs = [source: string, maxSources: number];
/** An `EventsStatus` (../status.ts): registered, known already, or the index is full. */
export type RegisterReply = number;
export const registerScript = defineScript(new URL("./register-1.lua", import.meta.url), registerTwin);

export type SourcesArgs = [pageSize: number, cursorScore: string, cursorName: string];
/** 1 when another page may follow, then [score, name] per source. */
export type SourcesReply = [more: number, ...rows: [score: string, name: string][]];
export const sourcesScript = defineScript(new URL("./sources-1.lua", import.meta.url), sourcesTwin);

/** The server's clock in ms. */
export type NowReply = number;
export const nowScript = defineScript(new URL("./now-0.lua", import.meta.url), nowTwin);

export type RangeArgs = [
  order: "asc" | "desc",
  low: string,
  high: string,
  limit: number,
  field: string,
  value: string,
  budget: number,
];
/** The last id examined ("" if none), 1 when the range is exhausted, then [id, flat fields] per match. */
export type RangeReply = [last: string, exhausted: number, ...rows: [id: string, fields: string[]][]];
export const rangeScript = defineScript(new URL("./range-1.lua", import.meta.url), rangeTwin);
