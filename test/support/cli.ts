/** Runs the real `holdfast` command as a child process, as an operator or a script would. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, inject } from "vitest";
import type { Store } from "../../src/store/types.js";
import { makeStore, uniquePrefix } from "./stores.js";

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/holdfast.js …args` with `env` added to this process's environment; never throws. */
export async function holdfast(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 90_000,
): Promise<CliResult> {
  try {
    const r = await run("node", ["bin/holdfast.js", ...args], {
      env: { ...process.env, ...env },
      timeout: timeoutMs,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/**
 * For a describe block: the environment a CLI run needs to see the shared test Redis under a fresh
 * key prefix, and a store on the same Redis and prefix for the test to set up state with (opened in
 * beforeAll, closed in afterAll; read `ctx.store` inside tests).
 */
export function cliOnRedis(): { env: Record<string, string>; store: Store } {
  const prefix = uniquePrefix();
  const ctx = {
    env: {
      REDIS_URL: `redis://127.0.0.1:${inject("redisPort")}`,
      HOLDFAST_PREFIX: prefix,
      HOLDFAST_LOG_LEVEL: "silent",
    },
  } as unknown as { env: Record<string, string>; store: Store };
  beforeAll(async () => {
    ctx.store = await makeStore("redis", { prefix });
  });
  afterAll(async () => ctx.store?.close());
  return ctx;
}
