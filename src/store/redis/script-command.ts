import type { Command } from "ioredis";
import type { ScriptArg } from "../script.js";

/** What each command begins with after the argument count: its name. */
const NAMES = { evalsha: "\r\n$7\r\nevalsha\r\n", eval: "\r\n$4\r\neval\r\n" } as const;

/**
 * What a command whose promise has settled writes if ioredis sends it again: a PING, so that the
 * connection still gets the one reply it waits for, and nothing the caller gave up on runs.
 */
const PING = "*1\r\n$4\r\nPING\r\n";

/** One argument as a RESP bulk string. */
function bulk(value: string): string {
  return "$" + Buffer.byteLength(value) + "\r\n" + value + "\r\n";
}

/** How an ioredis version turns one argument into the string it sends. */
type ArgFormat = (value: ScriptArg) => string;

/**
 * The argument formats of the ioredis versions Holdfast knows: ioredis 5 sends `String(value)`;
 * ioredis 6 writes an integer beyond 2^53 in full (`1e21` as `1000000000000000000000`). The probe
 * picks the one that writes what the client itself writes.
 */
const ARG_FORMATS: readonly ArgFormat[] = [
  (v) => String(v),
  (v) =>
    typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v)
      ? BigInt(v).toString()
      : String(v),
];

/**
 * Encodes a script's arguments as RESP bulk strings in one format, keeping the encoding of the
 * arrays a primitive passes again and again (frozen ones, such as a rate limiter's arguments for a
 * cost of 1): an operation then writes only its keys. Weak, so an array that is dropped takes its
 * encoding with it.
 */
function argEncoder(format: ArgFormat): (args: readonly ScriptArg[]) => string {
  const encoded = new WeakMap<readonly ScriptArg[], string>();
  return (args) => {
    let out = encoded.get(args);
    if (out !== undefined) return out;
    out = "";
    for (let i = 0; i < args.length; i++) out += bulk(format(args[i]));
    if (Object.isFrozen(args)) encoded.set(args, out);
    return out;
  };
}

/** The options ioredis gives the Command of `client.evalsha(…)`: UTF-8 replies, the key prefix. */
export interface ScriptCommandOptions {
  replyEncoding: "utf8";
  keyPrefix?: string;
}

/**
 * Builds one `EVALSHA` command for a client: `make(sha, keys, args)`; `make.eval(lua, keys, args)`
 * builds the `EVAL` sent after NOSCRIPT.
 */
export type ScriptCommandFactory = ((
  sha: string,
  keys: readonly string[],
  args: readonly ScriptArg[],
) => ScriptCommand) & {
  eval(lua: string, keys: readonly string[], args: readonly ScriptArg[]): ScriptCommand;
};

/**
 * A self-writing `EVALSHA` (or `EVAL`). `written` turns true once ioredis asks for its bytes: from
 * then on the script may have run, so it must never be sent again behind the caller's back.
 * `settled` turns true when its promise is resolved or rejected (by a reply, an error or ioredis'
 * `commandTimeout`): from then on it is never written again (see {@link scriptCommandClass}).
 */
export type ScriptCommand = Command & { written: boolean; readonly settled: boolean };

/** The constructor of ioredis' Command, whichever copy (major) of ioredis it comes from. */
type CommandClass = new (name: string, args: unknown[], options: ScriptCommandOptions) => Command;

/** The settle functions ioredis' Command sets on each instance (not on its prototype). */
interface Settlers {
  resolve(value: unknown): unknown;
  reject(error: Error): void;
}

/**
 * `EVALSHA sha numKeys ...keys ...args` (or `EVAL lua numKeys ...`) as a subclass of `Base` (the
 * client's own Command class) that writes itself, and never after its promise has settled.
 *
 * ioredis' own Command copies its arguments, converts each to a string and measures each when it is
 * written: about 0.25 µs per argument, a third of the client's work for a rate-limit check with two
 * limits. This one hands ioredis only `sha, numKeys, ...keys` (so the key prefix, the Cluster slot
 * and the debug log work as for any command), and writes the arguments from a string encoded once
 * per frozen array (see {@link argEncoder}). What goes on the wire is byte for byte what
 * `client.evalsha(sha, numKeys, ...keys, ...args)` sends; {@link scriptCommandFactory} checks that
 * before it is ever used.
 *
 * ioredis may write a command again after it has rejected the command's promise: a Cluster client
 * retries a command after CLUSTERDOWN or TRYAGAIN (from a delay queue, every 100 ms by default) and
 * follows a MOVED or ASK that comes after the command timed out, and ioredis 5 and 6 both send such
 * a command whatever its promise's state (a caller told "timed out" then finds it ran, after its
 * later commands: test/store/timed-out-not-resent.faults.test.ts). Once settled, this command
 * writes a PING in its place: the connection gets the one reply it expects, which resolves nothing.
 */
function scriptCommandClass(Base: CommandClass, encodeArgs: (args: readonly ScriptArg[]) => string) {
  return class ScriptCommand extends Base {
    private readonly argsCount: number;
    private readonly argsResp: string;
    private readonly nameResp: string;
    /** Set once ioredis asked for the bytes to write: from then on the script may have run. */
    written = false;
    /** Set once the promise is resolved or rejected: from then on it is never written. */
    settled = false;

    constructor(
      name: keyof typeof NAMES,
      shaOrLua: string,
      keys: readonly string[],
      args: readonly ScriptArg[],
      options: ScriptCommandOptions,
    ) {
      const head: string[] = [shaOrLua, String(keys.length)];
      for (let i = 0; i < keys.length; i++) head.push(keys[i]);
      super(name, head, options);
      this.nameResp = NAMES[name];
      this.argsCount = args.length;
      this.argsResp = encodeArgs(args);
      // ioredis 5's Command keeps no "settled" state (6 has isSettled): wrap the instance's own
      // settle functions, which everything that settles it calls (a Cluster client wraps `reject`
      // again on top of these, and calls through to them).
      const self = this as unknown as Settlers;
      const { resolve, reject } = self;
      // Without them the probe's check fails (settled stays false) and the factory is declined.
      if (typeof resolve !== "function" || typeof reject !== "function") return;
      self.resolve = (value) => {
        this.settled = true;
        return resolve(value);
      };
      self.reject = (error) => {
        this.settled = true;
        reject(error);
      };
    }

    override toWritable(): string {
      if (this.settled) return PING;
      this.written = true;
      // this.args holds sha (or source), numKeys and the keys, with the client's key prefix applied.
      const head = this.args as string[];
      let out = "*" + (1 + head.length + this.argsCount) + this.nameResp;
      for (let i = 0; i < head.length; i++) out += bulk(head[i]);
      return out + this.argsResp;
    }
  };
}

/** What the probe needs of a client: its public `evalsha` and the options it builds commands with. */
interface ProbedClient {
  options: { keyPrefix?: string; enableAutoPipelining?: boolean };
  evalsha(...args: unknown[]): unknown;
}

const PROBE_SHA = "0123456789abcdef0123456789abcdef01234567";
const PROBE_KEYS = ["k:{ä}", "x:{ä}"];
const PROBE_ARGS: readonly ScriptArg[] = Object.freeze([
  1,
  -0.25,
  1e21,
  -(2 ** 60),
  -1e300,
  NaN,
  "",
  "ünï ✓",
]);

function bytesOf(c: Command): string | undefined {
  const w = (c as { toWritable(socket?: unknown): string | Buffer }).toWritable(undefined);
  return typeof w === "string" ? w : undefined;
}

/**
 * True when `command` knows it was rejected (its Command class sets the `reject` it wraps) and
 * then writes a PING, not itself.
 */
function refusesOnceSettled(command: ScriptCommand): boolean {
  command.reject(new Error("probe"));
  command.promise.catch(() => undefined);
  return command.settled && bytesOf(command) === PING;
}

/**
 * Returns a factory of self-writing `EVALSHA` commands for `client`, or `undefined` when this
 * client's ioredis does not allow it, in which case the store sends `client.evalsha(…)` (the
 * public API: the same bytes, with ioredis' per-argument conversion).
 *
 * The command must be an instance of the client's own Command class (ioredis 6 calls methods that
 * ioredis 5's Command lacks, such as `setReplyContext`), and nothing exports that class for a
 * Cluster, so the probe asks the client to build a real `evalsha` command with `sendCommand`
 * replaced (on a throwaway object whose prototype is the client, so nothing is sent and the client
 * is not touched), subclasses its constructor, and keeps the subclass only if it writes the same
 * bytes, with the same keys and Cluster slot, as the command the client built, in one of the
 * argument formats of {@link ARG_FORMATS} (the probe's arguments include the numbers on which the
 * known versions differ), and only if a rejected one writes a PING instead of itself.
 */
export function scriptCommandFactory(
  client: ProbedClient,
  options: ScriptCommandOptions,
): ScriptCommandFactory | undefined {
  try {
    let built: Command | undefined;
    const probe = Object.create(client, {
      options: { value: { ...client.options, enableAutoPipelining: false } },
      sendCommand: {
        value: (c: Command) => {
          built = c;
          return Promise.resolve(null);
        },
      },
    }) as ProbedClient;
    void probe.evalsha(PROBE_SHA, PROBE_KEYS.length, ...PROBE_KEYS, ...PROBE_ARGS);
    const Base = (built as object | undefined)?.constructor as CommandClass | undefined;
    if (!built || typeof Base !== "function" || typeof Base.prototype.toWritable !== "function") return;
    const theirs = built as Command & { getKeys(): unknown[]; getSlot(): unknown };
    const reference = bytesOf(theirs);
    if (reference === undefined) return;
    for (const format of ARG_FORMATS) {
      const ScriptCommand = scriptCommandClass(Base, argEncoder(format));
      const ours = new ScriptCommand("evalsha", PROBE_SHA, PROBE_KEYS, PROBE_ARGS, options) as Command & {
        getKeys(): unknown[];
        getSlot(): unknown;
      };
      const same =
        bytesOf(ours) === reference &&
        JSON.stringify(ours.getKeys()) === JSON.stringify(theirs.getKeys()) &&
        ours.getSlot() === theirs.getSlot();
      if (
        same &&
        refusesOnceSettled(new ScriptCommand("evalsha", PROBE_SHA, PROBE_KEYS, PROBE_ARGS, options))
      ) {
        return Object.assign(
          (sha: string, keys: readonly string[], args: readonly ScriptArg[]) =>
            new ScriptCommand("evalsha", sha, keys, args, options),
          {
            eval: (lua: string, keys: readonly string[], args: readonly ScriptArg[]) =>
              new ScriptCommand("eval", lua, keys, args, options),
          },
        );
      }
    }
    return undefined;
  } catch {
    return undefined;
  }
}
