import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { defineScript, type MemoryTwin, type Script, type ScriptArg } from "../store/script.js";

const ROOM_INCLUDE = /^--\s*@room-include\s+"([\w.-]+)"\s*$/m;

/**
 * {@link defineScript} plus one more include directive, `-- @room-include "room.lua"`, that stitches
 * in the waiting room's own Lua helpers from `src/queue/includes/` (the shared loader only knows
 * `src/store/includes/`). The SHA1 is recomputed over the final source.
 */
export function defineRoomScript<A extends readonly ScriptArg[]>(url: URL, twin: MemoryTwin<A>): Script<A> {
  const base = defineScript(url, twin);
  const lua = base.lua.replace(ROOM_INCLUDE, (_line, name: string) =>
    readFileSync(new URL(`./includes/${name}`, import.meta.url), "utf8").trimEnd(),
  );
  return { ...base, lua, sha: createHash("sha1").update(lua).digest("hex") };
}
