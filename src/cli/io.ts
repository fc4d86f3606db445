import { format } from "node:util";

/** Where a run of the CLI writes: `process.stdout`/`process.stderr` for the real command. */
export interface CliStream {
  write(text: string): unknown;
  /** A terminal gets colours, a banner, progress lines. */
  isTTY?: boolean;
  /** Its width, for `--help`. */
  columns?: number;
}

/** Where `serve` and `events tail` hear SIGINT and SIGTERM from: the process for the real command. */
export interface CliSignals {
  once(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

/**
 * Everything a run of `holdfast` reads and writes besides the store: its output, environment,
 * working directory (where `.env` is read), signals and the way out of a running `serve`. The real
 * command runs with {@link processIo}; tests run it in their own process with their own.
 */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** The environment; `.env` fills in what it lacks. */
  env: NodeJS.ProcessEnv;
  /** The working directory `.env` is read from. */
  cwd: string;
  signals: CliSignals;
  /** Ends a running `serve` once it has shut down: `process.exit` for the real command. */
  exit(code: number): void;
}

/** The process's own streams, environment, directory and signals. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signals: process,
    exit: (code) => process.exit(code),
  };
}

const paint = (on: boolean, code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/**
 * One run of the CLI: its io, its colours (on a terminal without NO_COLOR only) and the exit code
 * its command sets (0 unless set).
 */
export class CliRun {
  exitCode = 0;
  readonly useColor: boolean;
  readonly color: Record<"red" | "green" | "yellow" | "dim" | "bold", (s: string) => string>;

  constructor(readonly io: CliIo) {
    this.useColor = io.stdout.isTTY === true && io.env.NO_COLOR === undefined;
    const on = this.useColor;
    this.color = {
      red: paint(on, 31),
      green: paint(on, 32),
      yellow: paint(on, 33),
      dim: paint(on, 2),
      bold: paint(on, 1),
    };
  }

  /** As `console.log`: a line on stdout. */
  log(...values: unknown[]): void {
    this.io.stdout.write(format(...values) + "\n");
  }

  /** As `console.error`: a line on stderr. */
  error(...values: unknown[]): void {
    this.io.stderr.write(format(...values) + "\n");
  }

  /** Pretty-printed JSON on stdout. */
  printJson(value: unknown): void {
    this.io.stdout.write(JSON.stringify(value, null, 2) + "\n");
  }
}
