import { InvalidArgumentError } from "../errors/invalid-argument-error.js";

/** The logging seam: pino's shape, so a pino (or compatible) logger can be passed in as it is. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child?(bindings: Record<string, unknown>): Logger;
}

/** Log levels, pino's names and numbers; `silent` logs nothing. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const LEVEL_NUMBER: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

/** The level the library logs at when it was given no logger: warnings and errors only. */
export const LIBRARY_LOG_LEVEL: LogLevel = "warn";

/**
 * Reads a log level, e.g. from `HOLDFAST_LOG_LEVEL`: unset or empty gives `fallback`; anything that
 * is not a level is refused with an error naming `variable` and the levels it accepts.
 */
export function parseLogLevel(value: string | undefined, variable: string, fallback: LogLevel): LogLevel {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === "") return fallback;
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new InvalidArgumentError(variable, `must be one of ${LOG_LEVELS.join(", ")}; got "${value}"`);
}

/** JSON for a log line: errors as `{ type, message, code, stack }`, never a throw. */
function lineOf(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields, (_k, v: unknown) =>
      v instanceof Error
        ? { type: v.name, message: v.message, code: (v as { code?: unknown }).code, stack: v.stack }
        : typeof v === "bigint"
          ? v.toString()
          : v,
    );
  } catch {
    return JSON.stringify({ level: fields.level, time: fields.time, msg: fields.msg, unserializable: true });
  }
}

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lines below this level are dropped. @defaultValue "info" */
  level?: LogLevel;
  /** The `name` field of every line. @defaultValue "holdfast" */
  name?: string;
  /** Where each line (with its newline) goes. @defaultValue process.stderr */
  write?: (line: string) => void;
}

/**
 * A small logger writing one JSON object per line in pino's format (`level` as a number, `time`
 * in ms, `name`, `msg`, then the fields), so the lines mix with a pino app's own. It is what the
 * library uses when it was given no logger; it needs no dependency.
 */
export function createJsonLogger(
  options: JsonLoggerOptions = {},
  bindings: Record<string, unknown> = {},
): Logger {
  const min = LEVEL_NUMBER[options.level ?? "info"];
  const name = options.name ?? "holdfast";
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const at =
    (level: LogLevel) =>
    (obj: object, msg?: string): void => {
      const n = LEVEL_NUMBER[level];
      if (n < min) return;
      write(
        lineOf({
          level: n,
          time: Date.now(),
          name,
          ...bindings,
          ...obj,
          ...(msg !== undefined ? { msg } : {}),
        }) + "\n",
      );
    };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (more) => createJsonLogger(options, { ...bindings, ...more }),
  };
}

let defaultLogger: Logger | undefined;

/**
 * The logger the library uses when none is passed: JSON lines on stderr, warnings and errors only
 * (a library stays quiet: connecting, choosing a store and the like are logged at info and debug,
 * for a logger you pass in). `HOLDFAST_LOG_LEVEL` sets another level (`info`, `debug`, `silent`…);
 * an invalid value throws an error naming the variable and the levels it accepts.
 */
export function getDefaultLogger(): Logger {
  defaultLogger ??= createJsonLogger({
    level: parseLogLevel(process.env.HOLDFAST_LOG_LEVEL, "HOLDFAST_LOG_LEVEL", LIBRARY_LOG_LEVEL),
  });
  return defaultLogger;
}

/**
 * Logs at most once per `intervalMs` per key, counting what it swallowed, so that a degraded store
 * is reported loudly but never floods the log. Keys should come from your code (a small, fixed
 * set such as "release-failed"), not from callers' input: one entry is kept per key.
 *
 * @example
 * const log = new ThrottledLog(getDefaultLogger(), 10_000);
 * log.warn("release-failed", { lock: "thread:1" }, "Redis did not answer a release");
 */
export class ThrottledLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(key: string, obj: object, msg: string): void {
    const now = Date.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    this.logger.warn({ ...obj, suppressedSinceLast: entry?.suppressed ?? 0 }, msg);
    this.last.set(key, { at: now, suppressed: 0 });
  }
}
