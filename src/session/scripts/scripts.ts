/**
 * The session store's atomic operations: each a Lua script in this folder and its memory twin
 * (twins.ts); each declares its raw reply once here.
 */
import { defineScript } from "../../store/script.js";
import {
  listTwin,
  pointerSetTwin,
  pointerTwin,
  putTwin,
  recordTwin,
  revokeAllTwin,
  revokeTwin,
} from "./twins.js";

export type PutArgs = [
  id: string,
  data: string,
  ttlMs: number,
  maxSessions: number,
  reclaimLimit: number,
  recordPrefix: string,
];
export type PutReply = [evicted: number, createdAtMs: number];
export const putScript = defineScript(new URL("./put-2.lua", import.meta.url), putTwin);

export type RecordArgs = [id: string, touch: 0 | 1];
/** null when the session is gone; data is nil if the record lost its `d`. */
export type RecordReply =
  [data: string | null, expiresInMs: number, createdAtMs: number, ttlMs: number] | null;
export const recordScript = defineScript(new URL("./record-2.lua", import.meta.url), recordTwin);

export type RevokeArgs = [id: string];
/** 1 when a live record was removed. */
export type RevokeReply = number;
export const revokeScript = defineScript(new URL("./revoke-2.lua", import.meta.url), revokeTwin);

export type ListArgs = [recordPrefix: string, reclaimLimit: number];
/** id, data, createdAtMs, ttlMs, expiresInMs per live session (data is nil if a record lost its `d`). */
export type ListReply = (string | number | null)[];
export const listScript = defineScript(new URL("./list-1.lua", import.meta.url), listTwin);

export type RevokeAllArgs = [recordPrefix: string];
/** How many records were removed. */
export type RevokeAllReply = number;
export const revokeAllScript = defineScript(new URL("./revoke-all-1.lua", import.meta.url), revokeAllTwin);

export type PointerSetArgs = [user: string, ttlMs: number];
/** The user the token pointed to before, or null. */
export type PointerSetReply = string | null;
export const pointerSetScript = defineScript(new URL("./pointer-set-1.lua", import.meta.url), pointerSetTwin);

export type PointerArgs = [mode: 0 | 1 | 2, onlyUser: string];
/** The user the token points to, or null. */
export type PointerReply = string | null;
export const pointerScript = defineScript(new URL("./pointer-1.lua", import.meta.url), pointerTwin);
