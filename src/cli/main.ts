import { join } from "node:path";
import { Command, CommanderError } from "commander";
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
import { CliRun, processIo, type CliIo } from "./io.js";

/** Builds the `holdfast` command line for one run. Each subcommand lives in its own file. */
export function buildProgram(run: CliRun, context: { envFile?: DotEnvResult } = {}): Command {
  const { stdout, stderr } = run.io;
  const program = new Command("holdfast")
    .description("Holdfast: locks, limits, holds, machines and channels on Redis or in memory")
    .version(HOLDFAST_VERSION)
    // Commander's own exits (--help, --version, an unknown option) end the run, not the process;
    // its messages go to the run's streams. Subcommands inherit both.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void stdout.write(s),
      writeErr: (s) => void stderr.write(s),
      // Commander sizes and colours the process's own streams; others (a test's) get 80 columns, no colours.
      ...(stdout === process.stdout ? {} : { getOutHelpWidth: () => 80, getOutHasColors: () => false }),
      ...(stderr === process.stderr ? {} : { getErrHelpWidth: () => 80, getErrHasColors: () => false }),
    });
  registerServe(program, run, context);
  registerDoctor(program, run);
  registerKeys(program, run);
  registerLocks(program, run);
  registerMachines(program, run);
  registerEvents(program, run);
  registerInventory(program, run);
  registerQueue(program, run);
  return program;
}

/**
 * Runs the CLI with `io` (the process's own by default) and resolves with its exit code: 0 success,
 * 1 "not found"/warnings, 2 usage or configuration errors, 3 the store could not be reached. Every
 * command first reads `.env` from the working directory (the environment wins over the file).
 * `serve` resolves once listening and keeps running until a signal (then `io.exit`).
 */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const run = new CliRun(io);
  try {
    const envFile = loadDotEnv({ path: join(io.cwd, ".env"), env: io.env });
    await buildProgram(run, { envFile }).parseAsync(argv);
    return run.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander has said why
    const json = argv.includes("--json");
    const code = e instanceof CliUsageError ? 2 : isHoldfastError(e) && /STORE_/.test(e.code) ? 3 : 2;
    const message = e instanceof Error ? e.message : String(e);
    if (json)
      io.stdout.write(
        JSON.stringify({ error: { code: isHoldfastError(e) ? e.code : "HOLDFAST_CLI", message } }) + "\n",
      );
    else run.error(`holdfast: ${message}`);
    return code;
  }
}

/** The `holdfast` command: {@link runCli} on this process, its exit code the process's. */
export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runCli(argv, processIo());
}
