import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { MemoryDb } from "./memory/memory-db.js";

/** What a Lua script can return, as the Redis client hands it back: integers, strings, nil, arrays. */
export type RawReply = number | string | null | RawReply[];

/** An argument to a script: Redis receives it as a string (ARGV), the memory twin as it is. */
export type ScriptArg = string | number;

/**
 * The memory store's twin of a Lua script. It gets the same keys and arguments and the store's
 * clock, mutates the in-process {@link MemoryDb} synchronously (so it is atomic, like the script),
 * and must return exactly what the Lua script returns (integers only, as Redis truncates numbers):
 * `R`, the script's raw reply as declared once beside it.
 */
export type MemoryTwin<A extends readonly ScriptArg[], R extends RawReply = RawReply> = (
  db: MemoryDb,
  keys: string[],
  args: A,
  nowMs: number,
) => R;

/**
 * One atomic operation: a Lua script for Redis and its TypeScript twin for the memory store.
 * `A` types its arguments, `R` its raw reply (what both the Lua script and the twin return), so
 * `store.run` answers an `R` and the decoders are checked against it.
 */
export interface Script<
  A extends readonly ScriptArg[] = readonly ScriptArg[],
  R extends RawReply = RawReply,
> {
  /** The file name without `.lua`, e.g. `acquire-2`; shown in errors. */
  readonly name: string;
  /** How many of the arguments are KEYS (the rest are ARGV). */
  readonly numKeys: number;
  /** The full Lua source, with `includes/` stitched in. */
  readonly lua: string;
  /** SHA1 of {@link lua}, for EVALSHA. */
  readonly sha: string;
  readonly memory: MemoryTwin<A, R>;
}

const INCLUDE = /^--\s*@include\s+"([\w./-]+)"\s*$/gm;

/**
 * Reads a `.lua` file and stitches in its `-- @include "name.lua"` lines (each helper at most once,
 * helpers' own includes too).
 * A helper is looked up first in an `includes/` folder beside the script (a primitive's own
 * helpers), then in `src/store/includes/` (helpers every primitive shares, such as `now.lua`).
 * `url` is the file's URL, usually `new URL("./acquire-2.lua", import.meta.url)`.
 */
export function loadLua(url: URL): string {
  const seen = new Set<string>();
  // Helpers may include helpers; each is stitched in where it is first needed.
  const stitch = (source: string, from: URL): string =>
    source.replace(INCLUDE, (_line, name: string, offset: number) => {
      if (seen.has(name)) return "";
      seen.add(name);
      const local = new URL(`./includes/${name}`, url);
      const shared = new URL(`./includes/${name}`, import.meta.url);
      const found = [local, shared].find((u) => existsSync(u));
      if (!found) {
        const line = source.slice(0, offset).split("\n").length;
        throw new Error(
          `Lua include "${name}" not found: ${fileURLToPath(from)} line ${line} includes it, and it is in neither ` +
            `${fileURLToPath(new URL("./includes/", url))} nor ${fileURLToPath(new URL("./includes/", import.meta.url))}`,
        );
      }
      return stitch(readFileSync(found, "utf8").trimEnd(), found);
    });
  return stitch(readFileSync(url, "utf8"), url);
}

/**
 * Defines a script from its `.lua` file and its memory twin. The number of keys is read from the
 * file name (`<name>-<numKeys>.lua`), so the file and the call sites cannot disagree. The file is
 * read (and its SHA1 computed) when the script is first sent to Redis, not at import: a program
 * on the memory store never reads a Lua file, and `import "holdfast"` stays cheap.
 *
 * The argument and reply types come from the twin (`MemoryTwin<A, R>`) or are given explicitly.
 * @example
 * const acquire = defineScript<[owner: string, ttlMs: number], [granted: 0 | 1]>(
 *   new URL("./acquire-2.lua", import.meta.url), acquireTwin);
 */
export function defineScript<A extends readonly ScriptArg[], R extends RawReply = RawReply>(
  url: URL,
  memory: MemoryTwin<A, R>,
): Script<A, R> {
  const file = url.pathname.split("/").pop() ?? "";
  const match = /^(.+)-(\d+)\.lua$/.exec(file);
  if (!match) throw new Error(`Script file ${file} must be named <name>-<numKeys>.lua`);
  let lua: string | undefined;
  let sha: string | undefined;
  return {
    name: file.slice(0, -4),
    numKeys: Number(match[2]),
    get lua() {
      return (lua ??= loadLua(url));
    },
    get sha() {
      return (sha ??= createHash("sha1").update(this.lua).digest("hex"));
    },
    memory,
  };
}

/**
 * A script from Lua source built at run time (from `.lua` templates, as the rate limiter builds
 * one script per combination of algorithms) and its memory twin.
 */
export function scriptFromSource<A extends readonly ScriptArg[], R extends RawReply = RawReply>(
  name: string,
  numKeys: number,
  lua: string,
  memory: MemoryTwin<A, R>,
): Script<A, R> {
  return { name, numKeys, lua, sha: createHash("sha1").update(lua).digest("hex"), memory };
}
