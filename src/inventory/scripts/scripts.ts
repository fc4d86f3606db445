import {
  defineScript,
  type MemoryTwin,
  type RawReply,
  type Script,
  type ScriptArg,
} from "../../store/script.js";
import type { InventoryStatus } from "../status.js";
import { adjustTwin, defineTwin, finishTwin, getTwin, holdTwin, holdsTwin, type HoldArgs } from "./twins.js";

/** A flat list of integers and strings, as most payloads are. */
export type Flat = (string | number)[];
/**
 * What the inventory scripts return: an {@link InventoryStatus}, its payload (see each .lua
 * header), and `{index, holdId, holder, qty}` per expired line this call gave back.
 */
export type InventoryReply = [status: InventoryStatus, payload: Flat, reclaimed: Flat];
/** hold: the expiry alone when it placed the hold and reclaimed nothing (cheaper for Redis than a table). */
export type HoldReply = InventoryReply | number;
/** holds: a status, then `more` and `{holdId, expiresAt, holder, qty}` per line. */
export type HoldsReply = [status: InventoryStatus, lines: Flat];

/** Defines an inventory script from its file beside this module (helpers come from `includes/`). */
function inventoryScript<A extends readonly ScriptArg[], R extends RawReply>(
  file: string,
  memory: MemoryTwin<A, R>,
): Script<A, R> {
  return defineScript(new URL(`./${file}`, import.meta.url), memory);
}

export const getScript = inventoryScript("get-2.lua", getTwin);
export const defineItemScript = inventoryScript("define-2.lua", defineTwin);
export const adjustScript = inventoryScript("adjust-2.lua", adjustTwin);
export const holdsScript = inventoryScript("holds-2.lua", holdsTwin);
export const finishScript = inventoryScript("finish-2.lua", finishTwin);

const holdBase = inventoryScript("hold-2.lua", holdTwin);
const holdByLines: Script<HoldArgs, HoldReply>[] = [];

/** The hold script for `lines` items: the same Lua (same SHA), with 2 keys per line. */
export function holdScript(lines: number): Script<HoldArgs, HoldReply> {
  return (holdByLines[lines] ??= { ...holdBase, numKeys: 2 * lines });
}
