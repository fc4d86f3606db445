import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";

/** What {@link loadDotEnv} did. Names only: values are never reported (they may be secrets). */
export interface DotEnvResult {
  /** The file's absolute path. */
  path: string;
  /** Whether the file exists; when it does not, nothing else happened. */
  found: boolean;
  /** Variables set from the file, sorted. */
  applied: string[];
  /** Variables the file sets that the environment already had (the environment wins), sorted. */
  kept: string[];
}

/** Options of {@link loadDotEnv}. */
export interface DotEnvOptions {
  /** The file to read. @defaultValue `.env` in the working directory */
  path?: string;
  /** The environment to fill. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads a `.env` file (`NAME=value` lines, `#` comments, quoted values: Node's own parser) into the
 * environment, the way `holdfast serve` and the example apps do: a variable that is already set,
 * even to an empty string, keeps its value, so the environment wins over the file. A missing file
 * is not an error; one that exists but cannot be read is.
 *
 * @example
 * import { loadDotEnv } from "holdfast";
 * loadDotEnv(); // then createStore() sees REDIS_URL from .env unless the environment set it
 */
export function loadDotEnv(options: DotEnvOptions = {}): DotEnvResult {
  const path = resolve(options.path ?? ".env");
  const env = options.env ?? process.env;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return { path, found: false, applied: [], kept: [] };
    throw new InvalidArgumentError(".env", `cannot read ${path}: ${(e as Error).message}`);
  }
  const applied: string[] = [];
  const kept: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (value === undefined) continue;
    if (env[name] !== undefined) kept.push(name);
    else {
      env[name] = value;
      applied.push(name);
    }
  }
  return { path, found: true, applied: applied.sort(), kept: kept.sort() };
}
