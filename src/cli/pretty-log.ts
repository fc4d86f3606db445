/** pino's level numbers, as the service's JSON log lines carry them. */
const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

/** Fields every line has, or that a request line is made of: not repeated as `key=value`. */
const OMIT = new Set([
  "level",
  "time",
  "pid",
  "hostname",
  "name",
  "msg",
  "reqId",
  "req",
  "res",
  "responseTime",
]);

/** Requests whose "incoming" line was seen but not yet their "completed" one (bounded). */
const MAX_OPEN_REQUESTS = 1000;

export interface PrettyLogOptions {
  /** Colours the level (a terminal that wants them). @defaultValue false */
  color?: boolean;
}

function value(v: unknown): string {
  if (typeof v === "string") return /\s/.test(v) ? JSON.stringify(v) : v;
  // An error (pino's shape, or the library logger's) is its message; the JSON lines keep the stack.
  const message = (v as { message?: unknown } | null)?.message;
  if (typeof message === "string") return JSON.stringify(message);
  return JSON.stringify(v);
}

/**
 * A log stream for people: takes the service's JSON lines (pino's format) and writes one short line
 * each, `12:03:04 WARN  message key=value`. A request is one line when it completes
 * (`INFO  GET /v1/locks/a 200 1.3 ms`), not two. Used by `holdfast serve` on a terminal; `--json`
 * and non-terminals get the JSON lines as they are.
 */
export function prettyLogStream(
  write: (text: string) => void,
  options: PrettyLogOptions = {},
): { write(line: string): void } {
  const open = new Map<string, string>();
  const paint = (level: number, text: string) =>
    !options.color
      ? text
      : level >= 50
        ? `\x1b[31m${text}\x1b[0m`
        : level >= 40
          ? `\x1b[33m${text}\x1b[0m`
          : `\x1b[2m${text}\x1b[0m`;
  return {
    write(line: string) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        write(line.endsWith("\n") ? line : line + "\n");
        return;
      }
      const level = typeof rec.level === "number" ? rec.level : 30;
      const reqId = typeof rec.reqId === "string" ? rec.reqId : undefined;
      const req = rec.req as { method?: string; url?: string } | undefined;
      if (rec.msg === "incoming request" && reqId && req) {
        if (open.size >= MAX_OPEN_REQUESTS) open.delete(open.keys().next().value as string);
        open.set(reqId, `${req.method ?? "?"} ${req.url ?? "?"}`);
        return;
      }
      let msg = String(rec.msg ?? "");
      const res = rec.res as { statusCode?: number } | undefined;
      if (rec.msg === "request completed" && reqId) {
        const what = open.get(reqId) ?? "request";
        open.delete(reqId);
        const ms = typeof rec.responseTime === "number" ? ` ${rec.responseTime.toFixed(1)} ms` : "";
        msg = `${what} ${res?.statusCode ?? "?"}${ms}`;
      }
      const time = new Date(typeof rec.time === "number" ? rec.time : Date.now()).toTimeString().slice(0, 8);
      const fields = Object.entries(rec)
        .filter(([k, v]) => !OMIT.has(k) && v !== undefined)
        .map(([k, v]) => `${k}=${value(v)}`);
      const label = (LEVELS[level] ?? String(level)).padEnd(5);
      write(`${time} ${paint(level, label)} ${msg}${fields.length ? "  " + fields.join(" ") : ""}\n`);
    },
  };
}
