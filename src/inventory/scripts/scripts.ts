import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadLua, type MemoryTwin, type Script, type ScriptArg } from "../../store/script.js";
import {
  adjustTwin,
  defineTwin,
  finishTwin,
  getTwin,
  holdTwin,
  type FinishAction,
  type HoldArgs,
} from "./twins.js";

const LOCAL_INCLUDE = /^--\s*@inventory\s+"([\w./-]+)"\s*$/gm;

/**
 * Like `defineScript`, plus this folder's own shared helper (`-- @inventory "common.lua"`), which
 * the store's loader (includes from `src/store/includes/` only) cannot stitch in.
 */
function inventoryScript<A extends readonly ScriptArg[]>(file: string, memory: MemoryTwin<A>): Script<A> {
  const url = new URL(`./${file}`, import.meta.url);
  const match = /^(.+)-(\d+)\.lua$/.exec(file);
  if (!match) throw new Error(`Script file ${file} must be named <name>-<numKeys>.lua`);
  const lua = loadLua(url).replace(LOCAL_INCLUDE, (_line, name: string) =>
    readFileSync(new URL(`./${name}`, import.meta.url), "utf8").trimEnd(),
  );
  return {
    name: file.slice(0, -4),
    numKeys: Number(match[2]),
    lua,
    sha: createHash("sha1").update(lua).digest("hex"),
    memory,
  };
}

export const getScript = inventoryScript<[tombMs: number]>("get-2.lua", getTwin);
export const defineItemScript = inventoryScript<[stock: number, max: number, limit: number, tombMs: number]>(
  "define-2.lua",
  defineTwin,
);
export const adjustScript = inventoryScript<[delta: number, tombMs: number]>("adjust-2.lua", adjustTwin);
export const finishScript = inventoryScript<
  [holdId: string, action: FinishAction, tombMs: number, ttlMs: number]
>("finish-2.lua", finishTwin);

const holdBase = inventoryScript<HoldArgs>("hold-2.lua", holdTwin);
const holdByLines: Script<HoldArgs>[] = [];

/** The hold script for `lines` items: the same Lua (same SHA), with 2 keys per line. */
export function holdScript(lines: number): Script<HoldArgs> {
  return (holdByLines[lines] ??= { ...holdBase, numKeys: 2 * lines });
}
