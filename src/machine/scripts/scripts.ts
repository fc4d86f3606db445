/**
 * The state machine's atomic operations: each a Lua script in this folder and its memory twin
 * (twins.ts); each declares its raw reply once here, its status codes from `../status.ts`.
 */
import { defineScript } from "../../store/script.js";
import type { MachineStatus } from "../status.js";
import { createTwin, deleteTwin, getTwin, sendTwin } from "./twins.js";

type Status<K extends keyof typeof MachineStatus> = (typeof MachineStatus)[K];

export type CreateArgs = [
  initial: string,
  maxLen: number,
  maxAgeMs: number,
  actor: string,
  context: string,
  data: string,
  ...fields: string[],
];
export type CreateReply =
  | [status: Status<"Applied">, version: number, at: number, historyId: string]
  | [status: Status<"Exists">, state: string, version: number];
export const createScript = defineScript(new URL("./create-2.lua", import.meta.url), createTwin);

/** The arguments of `send-3.lua`. */
export type SendArgs = [
  event: string,
  expectedVersion: number,
  idempotencyTtlMs: number,
  maxLen: number,
  maxAgeMs: number,
  actor: string,
  context: string,
  data: string,
  pairCount: number,
  ...rest: string[],
];

export type SendReply =
  | [status: Status<"Applied">, from: string, to: string, version: number, at: number, historyId: string]
  | [status: Status<"Replayed">, stored: string]
  | [status: Status<"NotFound">]
  | [status: Status<"VersionConflict" | "InvalidTransition">, state: string, version: number]
  | [status: Status<"WrongType">, historyType: string];
export const sendScript = defineScript(new URL("./send-3.lua", import.meta.url), sendTwin);

/** The entity hash as a flat field/value list (empty when missing), and the stored idempotent result ("" if none). */
export type GetReply = [fields: string[], stored: string];
export const getScript = defineScript(new URL("./get-2.lua", import.meta.url), getTwin);

export type DeleteArgs = [expectedVersion: number];
export type DeleteReply =
  | [status: Status<"Applied">, version: number]
  | [status: Status<"NotFound">]
  | [status: Status<"VersionConflict">, state: string, version: number];
export const deleteScript = defineScript(new URL("./delete-2.lua", import.meta.url), deleteTwin);
