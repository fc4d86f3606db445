/**
 * The channel's atomic operations: each a Lua script in this folder and its memory twin
 * (twins.ts); each declares its raw reply once here.
 */
import { defineScript } from "../../store/script.js";
import { publishTwin, readTwin } from "./twins.js";

export type PublishArgs = [
  liveName: string,
  payload: string,
  durable: 0 | 1,
  maxLen: number,
  maxAgeMs: number,
  sharded: 0 | 1,
];
/** The entry's id ("" when not durable) and how many subscribers received it live. */
export type PublishReply = [id: string, receivers: number];
export const publishScript = defineScript(new URL("./publish-2.lua", import.meta.url), publishTwin);

export type ReadArgs = [since: string, count: number, maxAgeMs: number];
/** 1 when nothing was lost since `since`, the cursor, the first id kept ("" if none), then id, payload per entry. */
export type ReadReply = [recovered: number, cursor: string, firstId: string, entries: string[]];
export const readScript = defineScript(new URL("./read-2.lua", import.meta.url), readTwin);
