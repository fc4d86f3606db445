import type { FastifyBaseLogger, FastifyServerOptions } from "fastify";

type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";
type Bindings = Record<string, unknown>;
/** The parent Fastify makes from its `logger` options: pino, which can say whether a level logs. */
type Pino = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

/**
 * A request's logger whose pino child is made on first use. Fastify makes a child per request (to
 * bind the request id), and pino serialises the bindings and sets up the level methods for each
 * one, even when the request then logs nothing, as at `warn` on every request that succeeds. A
 * call below the parent's level returns at once; the first one at or above it makes the child, and
 * every later call goes to it (so a level set on this logger holds).
 */
class LazyRequestLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: Pino,
    private readonly own: Bindings,
  ) {}

  #made(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.own));
  }

  #log(level: Level, args: unknown[]): void {
    if (this.#child === undefined && !this.parent.isLevelEnabled(level)) return;
    (this.#made()[level] as (...a: unknown[]) => void)(...args);
  }

  get level(): string {
    return this.#made().level;
  }
  set level(level: string) {
    this.#made().level = level;
  }
  fatal(...args: unknown[]): void {
    this.#log("fatal", args);
  }
  error(...args: unknown[]): void {
    this.#log("error", args);
  }
  warn(...args: unknown[]): void {
    this.#log("warn", args);
  }
  info(...args: unknown[]): void {
    this.#log("info", args);
  }
  debug(...args: unknown[]): void {
    this.#log("debug", args);
  }
  trace(...args: unknown[]): void {
    this.#log("trace", args);
  }
  silent(): void {}
  isLevelEnabled(level: string): boolean {
    return ((this.#child as Pino | undefined) ?? this.parent).isLevelEnabled(level);
  }
  child(bindings: Bindings, options?: object): FastifyBaseLogger {
    return this.#made().child(bindings, options);
  }
}

/**
 * Fastify's `childLoggerFactory` with {@link LazyRequestLogger}: the default pino child when the
 * route sets its own level or serializers (they must apply from the start) or the parent is not
 * pino.
 */
export const lazyChildLogger: NonNullable<FastifyServerOptions["childLoggerFactory"]> = (
  logger,
  bindings,
  options,
) => {
  if (
    options.level !== undefined ||
    options.serializers !== undefined ||
    typeof (logger as Partial<Pino>).isLevelEnabled !== "function"
  )
    return logger.child(bindings, options);
  return new LazyRequestLogger(logger as Pino, bindings) as unknown as FastifyBaseLogger;
};
