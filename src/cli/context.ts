import { createStore } from "../store/create-store.js";
import { namespacedStore } from "../store/namespaced-store.js";
import type { Store } from "../store/types.js";
import { resolveServeConfig } from "../server/config.js";
import { assertTenantName, tenantNamespace } from "../server/tenants.js";
import type { CliRun } from "./io.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Options every inspection command takes. */
export interface StoreCommandOptions {
  json?: boolean;
  /** Look inside one tenant's namespace of `holdfast serve` (keys under `<prefix>t:<tenant>:`). */
  tenant?: string;
}

/** A clear error for commands that need a shared store. */
export class CliUsageError extends Error {}

/**
 * Opens the store `holdfast serve` would use with this run's environment (its prefix, quietly, no
 * server check), and runs `fn` with it and the resolved config; closes the store after.
 */
export async function withConfiguredStore<T>(
  run: CliRun,
  fn: (store: Store, config: ReturnType<typeof resolveServeConfig>) => Promise<T>,
): Promise<T> {
  const config = resolveServeConfig({}, run.io.env);
  const store = await createStore({
    prefix: config.prefix,
    logger: silent,
    checkServer: false,
    env: run.io.env,
  });
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

/**
 * Opens the configured store for an operator command. The memory store lives inside the process
 * that created it, so inspecting it from another process is meaningless: say so.
 */
export async function withStore<T>(
  run: CliRun,
  opts: StoreCommandOptions,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  if (opts.tenant !== undefined) assertTenantName("--tenant", opts.tenant);
  return withConfiguredStore(run, (store) => {
    if (store.kind === "memory") {
      throw new CliUsageError(
        "No Redis is configured (REDIS_URL, REDIS_HOST, …), and the memory store lives inside the server's own process. " +
          "Set REDIS_URL to the Redis that `holdfast serve` uses, or use the HTTP API.",
      );
    }
    return fn(opts.tenant ? namespacedStore(store, tenantNamespace(opts.tenant)) : store);
  });
}

/** Formats ms as `1m 05s`, `12.3s` or `250ms`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}
