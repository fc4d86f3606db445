/**
 * The example apps' `.env` files, in ONE place: every example's entry point calls
 * {@link loadExampleEnv} before it reads anything from the environment.
 *
 * The seeds tell their users to put settings in files: seed 000 `QUEUE_REDIS_URL` in `.env.local`,
 * seed 003 `REDIS_HOST`/`WEBSOCKET_PORT` in `.env.local`, seeds 001 and 004 `REDIS_*`/`LOCK_TTL` in
 * `.env`. Their stacks read them this way, and so do the examples:
 *
 * - Seeds 000 and 003 run on Next.js, which loads `.env.local` over `.env` (and a variable already
 *   in the environment over both, never overwritten by a file).
 * - Seeds 001 and 004 are Express backends with dotenv: `.env` only, under the environment.
 *
 * So: the environment first, then `.env.local`, then `.env`, all from the working directory (the
 * repository root for `npm run example:*`). A variable already set, even to "", keeps its value.
 * Files are parsed by Node's own `util.parseEnv` (through `loadDotEnv`) (`NAME=value`, `#` comments, quotes, `export `
 * prefixes); unlike Next.js there is no `$VAR` expansion, and the mode files Next.js also reads
 * (`.env.development`, `.env.production`, `…local`) are not read: {@link loadExampleEnv} reports
 * them so the app can say so at start.
 *
 * Each file is read by the package's public `loadDotEnv` (the same rule `holdfast serve` follows).
 */
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { loadDotEnv } from "holdfast";

/** What reading one file did. Names only: values may be secrets and are never reported. */
export interface EnvFileReport {
  /** The file's absolute path. */
  path: string;
  /** Whether the file exists; when it does not, nothing else happened. */
  found: boolean;
  /** Variables set from this file, sorted. */
  applied: string[];
  /** Variables this file names that were already set (by the environment or a file read before), sorted. */
  kept: string[];
}

/** What {@link loadExampleEnv} did. */
export interface ExampleEnvReport {
  /** `.env.local` then `.env`, in the order they were read. */
  files: EnvFileReport[];
  /** Files of Next.js' mode-specific kind found beside them, which are not read (say so at start). */
  ignored: string[];
}

/** Files read, highest precedence first (the environment is above all of them). */
export const ENV_FILES = [".env.local", ".env"] as const;
/** Files Next.js would also read for a mode; reported when present, never read. */
const MODE_FILES = [".env.development.local", ".env.development", ".env.production.local", ".env.production"];

const origins = new Map<string, string>();

/**
 * Reads one `.env` file into `env` without overwriting what is set: the package's own
 * `loadDotEnv`, which `holdfast serve` uses too. A missing file is not an error; one that exists but
 * cannot be read is (with its path).
 */
export function readEnvFile(path: string, env: NodeJS.ProcessEnv = process.env): EnvFileReport {
  return loadDotEnv({ path, env });
}

/**
 * Reads `.env.local` then `.env` from `cwd` into `env` (the environment wins, then `.env.local`).
 * Call it first in an example's entry point, before anything reads the environment.
 *
 * @example
 * const report = loadExampleEnv();
 * for (const line of describeEnvFiles(report)) console.error(line);
 */
export function loadExampleEnv(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ExampleEnvReport {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const files = ENV_FILES.map((name) => {
    const report = readEnvFile(resolve(cwd, name), env);
    for (const v of report.applied) origins.set(v, name);
    return report;
  });
  const ignored = MODE_FILES.filter((name) => {
    try {
      readFileSync(resolve(cwd, name));
      return true;
    } catch {
      return false;
    }
  });
  return { files, ignored };
}

/** Where a variable's value came from, for error messages: `.env.local`, `.env` or the environment. */
export function originOf(name: string): string {
  return origins.get(name) ?? "the environment";
}

/** One line per file read and per file ignored, for the start-up output (names, never values). */
export function describeEnvFiles(report: ExampleEnvReport): string[] {
  const lines: string[] = [];
  for (const f of report.files) {
    if (!f.found) continue;
    const name = basename(f.path);
    const set = f.applied.length > 0 ? `set ${f.applied.join(", ")}` : "set nothing";
    const kept = f.kept.length > 0 ? `; kept ${f.kept.join(", ")} as already set` : "";
    lines.push(`Read ${name}: ${set}${kept}.`);
  }
  for (const name of report.ignored)
    lines.push(`Not read: ${name} (only .env.local and .env are; move its settings there).`);
  return lines;
}
