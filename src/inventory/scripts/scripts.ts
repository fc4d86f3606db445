import { defineScript, type MemoryTwin, type Script, type ScriptArg } from "../../store/script.js";
import {
  adjustTwin,
  defineTwin,
  finishTwin,
  getTwin,
  holdTwin,
  holdsTwin,
  type FinishAction,
  type HoldArgs,
} from "./twins.js";

/** Defines an inventory script from its file beside this module (helpers come from `includes/`). */
function inventoryScript<A extends readonly ScriptArg[]>(file: string, memory: MemoryTwin<A>): Script<A> {
  return defineScript(new URL(`./${file}`, import.meta.url), memory);
}

export const getScript = inventoryScript<[tombMs: number, reclaimLimit: number]>("get-2.lua", getTwin);
export const defineItemScript = inventoryScript<
  [stock: number, max: number, limit: number, tombMs: number, reclaimLimit: number]
>("define-2.lua", defineTwin);
export const adjustScript = inventoryScript<[delta: number, tombMs: number, reclaimLimit: number]>(
  "adjust-2.lua",
  adjustTwin,
);
export const holdsScript = inventoryScript<[limit: number, scan: number]>("holds-2.lua", holdsTwin);
export const finishScript = inventoryScript<
  [holdId: string, action: FinishAction, tombMs: number, ttlMs: number]
>("finish-2.lua", finishTwin);

const holdBase = inventoryScript<HoldArgs>("hold-2.lua", holdTwin);
const holdByLines: Script<HoldArgs>[] = [];

/** The hold script for `lines` items: the same Lua (same SHA), with 2 keys per line. */
export function holdScript(lines: number): Script<HoldArgs> {
  return (holdByLines[lines] ??= { ...holdBase, numKeys: 2 * lines });
}
