/**
 * What the example apps' entry points share: their ports, settings read from the environment with
 * errors that say what to do, the seeds' own variable names, and a listen that explains a busy port
 * in a sentence instead of an `EADDRINUSE` stack.
 */
import { createServer } from "node:net";
import { isHoldfastError } from "holdfast";
import { originOf } from "./env.js";

/** A start-up problem the user can fix; printed as one sentence, without a stack. */
export class StartupError extends Error {
  override readonly name = "StartupError";
}

/** One port an example listens on by default. */
export interface ExamplePort {
  app: string;
  /** The npm script that starts it. */
  script: string;
  /** The variable that moves it. */
  variable: string;
  port: number;
  /** What is served there. */
  what: string;
}

/**
 * Every example's default ports, as its seed gives them. Seeds 000 and 003 both say 3001 (seed 000's
 * dev server, seed 003's WebSocket server), so `example:restaurant` and `example:routing` cannot run
 * side by side on their defaults: the seeds' own instructions (`curl localhost:3001/api/bookings`,
 * `new WebSocket('ws://localhost:3001')`) fix them. examples/README.md lists these.
 */
export const EXAMPLE_PORTS: readonly ExamplePort[] = [
  {
    app: "restaurant-booking",
    script: "example:restaurant",
    variable: "PORT",
    port: 3001,
    what: "API and booking page",
  },
  { app: "task-routing", script: "example:routing", variable: "PORT", port: 3000, what: "API and feed page" },
  {
    app: "task-routing",
    script: "example:routing",
    variable: "WEBSOCKET_PORT",
    port: 3001,
    what: "WebSocket feed",
  },
  {
    app: "appointment-locks",
    script: "example:appointments",
    variable: "PORT",
    port: 4000,
    what: "API and booking pages",
  },
  { app: "flash-sale", script: "example:flashsale", variable: "PORT", port: 4001, what: "API" },
  { app: "threading-service", script: "example:threading", variable: "PORT", port: 4002, what: "API" },
];

function portEntry(app: string, variable: string): ExamplePort {
  const entry = EXAMPLE_PORTS.find((p) => p.app === app && p.variable === variable);
  if (!entry) throw new Error(`no default port for ${app} ${variable}`);
  return entry;
}

/** Prints a line for the person starting the app (stderr, plain text: read before any JSON log). */
export function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * An integer setting: `fallback` when unset or empty, else a whole number in [min, max]; anything
 * else stops the start with a sentence naming the variable, the value and where it came from.
 */
export function intSetting(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  { min = 1, max = 2_147_483_647, unit = "" }: { min?: number; max?: number; unit?: string } = {},
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new StartupError(
      `${name} must be a whole number${unit ? ` of ${unit}` : ""} from ${min} to ${max}, got "${raw}" ` +
        `(from ${originOf(name)}). Fix it or unset it to use ${fallback}.`,
    );
  }
  return n;
}

/** The port of `app`'s `variable` (its default from {@link EXAMPLE_PORTS}). */
export function portSetting(env: NodeJS.ProcessEnv, app: string, variable = "PORT"): number {
  return intSetting(env, variable, portEntry(app, variable).port, { min: 0, max: 65_535 });
}

/**
 * Two names for one setting (seed 000's `QUEUE_REDIS_URL` for `REDIS_URL`; `WS_PORT`, this app's
 * older name, for seed 003's `WEBSOCKET_PORT`): copies `alias` to `name` when only `alias` is set,
 * and refuses to start when both are set to different values, since either choice would surprise
 * someone.
 * @returns the variable the value was taken from, or undefined when neither is set
 */
export function aliasVariable(env: NodeJS.ProcessEnv, alias: string, name: string): string | undefined {
  const fromAlias = env[alias]?.trim();
  const own = env[name]?.trim();
  if (!fromAlias) return own ? name : undefined;
  if (own && own !== fromAlias) {
    throw new StartupError(
      `${alias} (from ${originOf(alias)}) and ${name} (from ${originOf(name)}) are both set, to ` +
        `different values. They name the same setting: keep one.`,
    );
  }
  env[name] = fromAlias;
  return alias;
}

/** A variable a seed names that the app does not honour, and why. */
export interface UnsupportedVariable {
  name: string;
  why: string;
}

/** Says, loudly, which unsupported seed variables are set and why they are ignored. */
export function warnUnsupported(env: NodeJS.ProcessEnv, list: readonly UnsupportedVariable[]): string[] {
  const lines: string[] = [];
  for (const { name, why } of list) {
    const value = env[name];
    if (value === undefined || value.trim() === "") continue;
    lines.push(`⚠  ${name}=${value} (from ${originOf(name)}) is NOT supported and is ignored: ${why}`);
  }
  for (const line of lines) say(line);
  return lines;
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** Where `app` wants to listen, for {@link explainListenError}. */
export interface ListenTarget {
  app: string;
  variable: string;
  port: number;
  host: string;
}

/**
 * Turns a listen error into a {@link StartupError} that says which port, which variable moves it,
 * which other example defaults to the same port, and a free port to try. Other errors are returned
 * as they are.
 */
export async function explainListenError(e: unknown, target: ListenTarget): Promise<unknown> {
  const code = (e as { code?: string } | undefined)?.code;
  const { app, variable, port, host } = target;
  const entry = portEntry(app, variable);
  const where = `port ${port} on ${host}`;
  const start = (p: number) => `${variable}=${p} npm run ${entry.script}`;
  if (code === "EADDRINUSE") {
    const others = EXAMPLE_PORTS.filter(
      (p) => p.port === port && !(p.app === app && p.variable === variable),
    );
    const hint = others
      .map((p) => ` ${p.script} (${p.app}'s ${p.what}) also listens on ${port} by default: is it running?`)
      .join("");
    let free: number | undefined;
    for (let p = port + 1; p <= Math.min(port + 20, 65_535) && free === undefined; p++)
      if (await portIsFree(p, host)) free = p;
    return new StartupError(
      `Cannot start ${app}: ${where} is already in use (${variable}, its ${entry.what}).${hint} ` +
        `Stop what holds it, or choose another port${free ? `, e.g. ${start(free)}` : ` with ${variable}`}.`,
      { cause: e },
    );
  }
  if (code === "EACCES")
    return new StartupError(
      `Cannot start ${app}: ${where} needs privileges this process lacks (${variable}). ` +
        `Use a port above 1023, e.g. ${start(entry.port)}.`,
      { cause: e },
    );
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return new StartupError(
      `Cannot start ${app}: ${host} is not an address of this machine (HOST). Use 127.0.0.1, or 0.0.0.0 for every interface.`,
      { cause: e },
    );
  return e;
}

/**
 * Runs an example's start-up. A problem the user can fix ({@link StartupError}, a Holdfast error
 * such as Redis being unreachable) is printed as one line and exits with status 1; anything else is
 * a bug and keeps its stack.
 */
export function runExample(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    if (e instanceof StartupError || isHoldfastError(e)) say(`✗ ${(e as Error).message}`);
    else console.error(e);
    process.exit(1);
  });
}

/** What {@link listenUntilSignal} listens with and shuts down. */
export interface ListeningApp {
  listen(options: { port: number; host: string }): Promise<string>;
  close(): PromiseLike<unknown>;
}

/**
 * Listens on `target` (a busy or forbidden port becomes a {@link StartupError} that says what to
 * do) and, on SIGINT or SIGTERM, closes `app` and then `release` (the store, a Redis client) and
 * exits. On a listen error, closes both before throwing. Resolves with the URL it listens on.
 */
export async function listenUntilSignal(
  app: ListeningApp,
  release: () => Promise<unknown>,
  target: Omit<ListenTarget, "variable"> & { variable?: string },
): Promise<string> {
  const { port, host } = target;
  let url: string;
  try {
    url = await app.listen({ port, host });
  } catch (e) {
    await app.close();
    await release();
    throw await explainListenError(e, { variable: "PORT", ...target });
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void Promise.resolve(app.close())
        .then(release)
        .then(() => process.exit(0));
    });
  }
  return url;
}
