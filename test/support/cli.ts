/** Runs the real `holdfast` command as a child process, as an operator or a script would. */
import { execFile, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
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

/**
 * The `holdfast` command line from the current sources (`node --import tsx test/support/cli-entry.ts`,
 * never a possibly stale dist/), with `env` added to this process's environment; never throws.
 */
export const HOLDFAST_FROM_SOURCE = [
  "--import",
  // tsx by its path, so that it is found whatever the working directory
  pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href,
  fileURLToPath(new URL("./cli-entry.ts", import.meta.url)),
] as const;

/** Runs `holdfast …args` (see {@link HOLDFAST_FROM_SOURCE}); never throws. */
export async function holdfast(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 90_000,
  options: { cwd?: string } = {},
): Promise<CliResult> {
  try {
    const r = await run(process.execPath, [...HOLDFAST_FROM_SOURCE, ...args], {
      env: { ...process.env, ...env },
      timeout: timeoutMs,
      ...(options.cwd ? { cwd: options.cwd } : {}),
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

/** A `holdfast` process left running (e.g. `serve`), with its output so far. */
export interface RunningCli {
  /** Everything it printed on stdout so far (on a terminal: what the terminal showed). */
  output(): string;
  /** Resolves with the first match of `re` in the output; rejects after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Stops it (SIGINT, then SIGKILL after 5 s) and resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `holdfast …args` from the sources and leaves it running. With `tty: true` it runs on a
 * pseudo-terminal (util-linux `script`), as a person at a terminal would see it.
 */
export function startHoldfast(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; tty?: boolean } = {},
): RunningCli {
  const command = [process.execPath, ...HOLDFAST_FROM_SOURCE, ...args];
  const quoted = command.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const child = options.tty
    ? spawn("script", ["-qfec", quoted, "/dev/null"], {
        env: { ...process.env, ...env },
        cwd: options.cwd,
        detached: true,
      })
    : spawn(command[0], command.slice(1), {
        env: { ...process.env, ...env },
        cwd: options.cwd,
        detached: true,
      });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    output: () => out,
    async waitFor(re, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = out.match(re);
        if (m) return m;
        if (child.exitCode !== null)
          throw new Error(`holdfast exited (${child.exitCode}) before ${re}: ${out}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const signal = (sig: NodeJS.Signals) => {
        try {
          // The whole group: `script` and the node process on its terminal.
          if (child.pid !== undefined) process.kill(-child.pid, sig);
        } catch {
          // already gone
        }
      };
      if (child.exitCode === null && child.signalCode === null) {
        signal("SIGINT");
        const timer = setTimeout(() => signal("SIGKILL"), 5000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}
