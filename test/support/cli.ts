/**
 * Runs the `holdfast` command: as a child process, as an operator or a script would
 * ({@link holdfast}, {@link startHoldfast}), or inside the test's own process with its output,
 * environment, working directory and signals its own ({@link holdfastInProcess},
 * {@link startHoldfastInProcess}): the same commands and results, without a node and tsx start-up
 * (about a second of CPU) per run. Keep child processes for what only a process shows: its real
 * exit status, a terminal, signals, that it exits once done.
 */
import { execFile, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, inject } from "vitest";
import type { Store } from "../../src/store/types.js";
import { runCli } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
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

/** A run of the CLI in this process: its io, what it printed, and how it ended. */
function inProcess(args: string[], env: Record<string, string>, cwd: string | undefined) {
  const all = { ...process.env, ...env };
  // Relative paths in the environment resolve against the process's directory, not `cwd`.
  for (const name of ["HOLDFAST_KEYS_FILE", "HOLDFAST_CONFIG"])
    if (cwd && all[name] && !isAbsolute(all[name]))
      throw new Error(`in-process runs with a cwd need an absolute ${name}, got ${all[name]}`);
  const out = { stdout: "", stderr: "", both: "" };
  const signals = new EventEmitter();
  let exit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const io: CliIo = {
    stdout: { write: (t: string) => ((out.stdout += t), (out.both += t)) },
    stderr: { write: (t: string) => ((out.stderr += t), (out.both += t)) },
    env: all,
    cwd: cwd ?? process.cwd(),
    signals,
    exit: (code) => exit(code),
  };
  const done = runCli(["node", "holdfast", ...args], io);
  /** True while a command (serve, events tail) still listens for SIGINT: it has not finished. */
  const listening = () => signals.listenerCount("SIGINT") > 0;
  return { out, signals, exited, done, listening };
}

/**
 * Runs `holdfast …args` inside this process, as {@link holdfast} runs it as a child: `env` added to
 * this process's environment, `.env` read from `options.cwd`; never throws. A command that is still
 * running once its run resolves (a `serve` that started) is stopped as Ctrl-C would.
 */
export async function holdfastInProcess(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string } = {},
): Promise<CliResult> {
  const run = inProcess(args, env, options.cwd);
  const code = await run.done;
  if (run.listening()) {
    run.signals.emit("SIGINT");
    await run.exited;
  }
  return { code, stdout: run.out.stdout, stderr: run.out.stderr };
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
 * Starts `holdfast …args` inside this process and leaves it running, as {@link startHoldfast} does
 * as a child (stdout and stderr together in `output()`); `stop()` sends it SIGINT, as Ctrl-C, and
 * resolves with the code it exits with.
 */
export function startHoldfastInProcess(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string } = {},
): RunningCli {
  const run = inProcess(args, env, options.cwd);
  let ended: number | null = null;
  const finished = run.done.then(
    (code) => (run.listening() ? run.exited : code),
    () => 70,
  );
  void finished.then((code) => (ended = code));
  return {
    output: () => run.out.both,
    async waitFor(re, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = run.out.both.match(re);
        if (m) return m;
        if (ended !== null) throw new Error(`holdfast ended (${ended}) before ${re}: ${run.out.both}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output: ${run.out.both}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      await run.done.catch(() => {});
      if (run.listening()) run.signals.emit("SIGINT");
      return finished;
    },
  };
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
