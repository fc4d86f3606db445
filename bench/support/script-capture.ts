/**
 * The Lua script (and its KEYS and ARGV) a public Holdfast call runs, found by making the call on
 * a store that records every `Store.run` and hands it on to a memory store: benchmarks that send a
 * primitive's own script by hand, or count its instructions, get it the way a user's store would,
 * without importing the library's internals.
 */
import { createStore, type RawReply, type Script, type ScriptArg, type Store } from "holdfast";

/** One `Store.run` as the store received it. */
export interface CapturedScript {
  /** The script's file name without `.lua`, e.g. `consume-1`. */
  name: string;
  lua: string;
  sha: string;
  keys: string[];
  args: ScriptArg[];
}

/**
 * The last script `call` runs on a fresh memory store (after whatever `prepare` does there, which
 * is not recorded). Throws if the call runs none.
 */
export async function capturedScript(
  call: (store: Store) => Promise<unknown>,
  prepare?: (store: Store) => Promise<unknown>,
): Promise<CapturedScript> {
  const inner = await createStore({ type: "memory", env: {} });
  const runs: CapturedScript[] = [];
  let recording = false;
  const recorder: Store = {
    kind: inner.kind,
    mode: inner.mode,
    keys: inner.keys,
    run<A extends readonly ScriptArg[], R extends RawReply>(
      script: Script<A, R>,
      keys: string[],
      args: A,
    ): Promise<R> {
      if (recording) {
        runs.push({ name: script.name, lua: script.lua, sha: script.sha, keys: [...keys], args: [...args] });
      }
      return inner.run(script, keys, args);
    },
    scan: (pattern, options) => inner.scan(pattern, options),
    scanPage: (pattern, options) => inner.scanPage(pattern, options),
    health: () => inner.health(),
    close: () => inner.close(),
  };
  try {
    await prepare?.(recorder);
    recording = true;
    await call(recorder);
  } finally {
    await inner.close();
  }
  const last = runs.at(-1);
  if (!last) throw new Error("the call ran no script");
  return last;
}
