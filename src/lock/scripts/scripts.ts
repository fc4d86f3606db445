/**
 * The lock's atomic operations: each a Lua script beside this file and its memory twin
 * (twins.ts), which returns exactly the raw reply its script returns.
 */
import { defineScript, type Script } from "../../store/script.js";
import {
  acquireTwin,
  acquireReadTwin,
  refreshTwin,
  releaseTwin,
  acquireManyTwin,
  refreshManyTwin,
  releaseManyTwin,
  inspectTwin,
  forceReleaseTwin,
} from "./twins.js";

const url = (file: string) => new URL(`./${file}`, import.meta.url);

export const acquireScript = defineScript(url("acquire-3.lua"), acquireTwin);

export const acquireReadScript = defineScript(url("acquire-read-3.lua"), acquireReadTwin);

export const refreshScript = defineScript(url("refresh-3.lua"), refreshTwin);

export const releaseScript = defineScript(url("release-2.lua"), releaseTwin);

const acquireManyBase = defineScript(url("acquire-many-3.lua"), acquireManyTwin);

const refreshManyBase = defineScript(url("refresh-many-1.lua"), refreshManyTwin);

const releaseManyBase = defineScript(url("release-many-1.lua"), releaseManyTwin);

export const inspectScript = defineScript(url("inspect-3.lua"), inspectTwin);

export const forceReleaseScript = defineScript(url("force-release-2.lua"), forceReleaseTwin);

/** The most names one multi-key call may lock. */
export const MAX_MULTI_KEYS = 64;

/**
 * The multi-key scripts take a variable number of keys; Redis needs numKeys per call, so each
 * count gets its own (cached) Script sharing the base's source and SHA.
 */
function variants<A extends readonly (string | number)[]>(base: Script<A>, keysPerName: number): Script<A>[] {
  const out: Script<A>[] = [];
  for (let n = 0; n <= MAX_MULTI_KEYS; n++) out.push({ ...base, numKeys: n * keysPerName });
  return out;
}

export const acquireManyScripts = variants(acquireManyBase, 3);
export const refreshManyScripts = variants(refreshManyBase, 1);
export const releaseManyScripts = variants(releaseManyBase, 1);
