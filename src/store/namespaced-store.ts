import { Keyspace } from "./keyspace.js";
import type { RawReply, Script, ScriptArg } from "./script.js";
import type { ScanPage, Store, StoreHealth } from "./types.js";

/**
 * A view of `base` whose keys live under `base.keys.prefix + namespace`. It shares the base's
 * connection; closing the view does not close the base. The service gives each tenant one, so
 * every key a tenant touches lives under its own prefix, whatever names it sends.
 *
 * @example
 * const tenantA = namespacedStore(store, "t:acme:");
 */
export function namespacedStore(base: Store, namespace: string): Store {
  const keys = new Keyspace(base.keys.prefix + namespace);
  return {
    kind: base.kind,
    mode: base.mode,
    keys,
    run<A extends readonly ScriptArg[], R extends RawReply>(
      script: Script<A, R>,
      k: string[],
      args: A,
    ): Promise<R> {
      return base.run(script, k, args);
    },
    scan(pattern: string, options?: { count?: number }): AsyncIterable<string> {
      return base.scan(pattern, options);
    },
    scanPage(pattern: string, options?: { cursor?: string; count?: number }): Promise<ScanPage> {
      return base.scanPage(pattern, options);
    },
    health(): Promise<StoreHealth> {
      return base.health();
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}
