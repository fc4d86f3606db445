import { describe, expect, it } from "vitest";
import { LOG_LEVELS, createJsonLogger, parseLogLevel, type LogLevel } from "../../src/util/log.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";

describe("parseLogLevel", () => {
  it("accepts every pino level in any case, and the fallback when unset or empty", () => {
    for (const l of LOG_LEVELS) expect(parseLogLevel(l.toUpperCase(), "X", "warn")).toBe(l);
    expect(parseLogLevel(undefined, "X", "warn")).toBe("warn");
    expect(parseLogLevel(" ", "X", "info")).toBe("info");
  });

  it("refuses anything else with an error that names the variable, the levels and the value", () => {
    const e = (() => {
      try {
        parseLogLevel("verbose", "HOLDFAST_LOG_LEVEL", "warn");
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toBe(
      'Invalid HOLDFAST_LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent; got "verbose".',
    );
  });
});

describe("createJsonLogger", () => {
  const capture = (level?: LogLevel) => {
    const lines: Record<string, unknown>[] = [];
    const logger = createJsonLogger({
      level,
      write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
    });
    return { logger, lines };
  };

  it("writes pino-shaped JSON lines at and above its level only", () => {
    const { logger, lines } = capture("warn");
    logger.debug({ a: 1 }, "debug");
    logger.info({ a: 1 }, "info");
    logger.warn({ a: 2 }, "careful");
    logger.error({ err: new Error("boom") }, "failed");
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, "careful"],
      [50, "failed"],
    ]);
    expect(lines[0]).toMatchObject({ name: "holdfast", a: 2 });
    expect(typeof lines[0].time).toBe("number");
    expect(lines[1].err).toMatchObject({ type: "Error", message: "boom" });
  });

  it("logs nothing when silent, and carries a child's bindings", () => {
    const silent = capture("silent");
    silent.logger.error({}, "x");
    expect(silent.lines).toEqual([]);
    const { logger, lines } = capture("info");
    logger.child!({ store: "redis" }).info({ n: 1 }, "hello");
    expect(lines[0]).toMatchObject({ store: "redis", n: 1, msg: "hello", level: 30 });
  });

  it("never throws on a value JSON cannot hold", () => {
    const { logger, lines } = capture("info");
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    logger.info({ circular, big: 10n }, "odd");
    expect(lines[0]).toMatchObject({ msg: "odd", level: 30 });
  });
});
