import { Command } from "commander";
import { HOLDFAST_VERSION } from "../version.js";
import { registerDoctor } from "./doctor.js";
import { registerServe } from "./serve.js";
import { registerKeys } from "./keys.js";
import { registerLocks } from "./locks.js";
import { registerMachines } from "./machines.js";
import { registerEvents } from "./events.js";
import { registerInventory } from "./inventory.js";
import { registerQueue } from "./queue.js";
import { CliUsageError } from "./context.js";
import { isHoldfastError } from "../errors/holdfast-error.js";
import { loadDotEnv, type DotEnvResult } from "../util/dotenv.js";

/** Builds the `holdfast` command line. Each subcommand lives in its own file. */
export function buildProgram(context: { envFile?: DotEnvResult } = {}): Command {
  const program = new Command("holdfast")
    .description("Holdfast: locks, limits, holds, machines and channels on Redis or in memory")
    .version(HOLDFAST_VERSION);
  registerServe(program, context);
  registerDoctor(program);
  registerKeys(program);
  registerLocks(program);
  registerMachines(program);
  registerEvents(program);
  registerInventory(program);
  registerQueue(program);
  return program;
}

/**
 * Runs the CLI. Exit codes: 0 success, 1 "not found"/warnings, 2 usage or configuration errors,
 * 3 the store could not be reached. Every command first reads `.env` from the working directory
 * (the environment wins over the file).
 */
export async function main(argv: string[]): Promise<void> {
  try {
    const envFile = loadDotEnv();
    await buildProgram({ envFile }).parseAsync(argv);
  } catch (e) {
    const json = argv.includes("--json");
    const code = e instanceof CliUsageError ? 2 : isHoldfastError(e) && /STORE_/.test(e.code) ? 3 : 2;
    const message = e instanceof Error ? e.message : String(e);
    if (json)
      process.stdout.write(
        JSON.stringify({ error: { code: isHoldfastError(e) ? e.code : "HOLDFAST_CLI", message } }) + "\n",
      );
    else console.error(`holdfast: ${message}`);
    process.exitCode = code;
  }
}
