import { Command } from "commander";
import { HOLDFAST_VERSION } from "../version.js";
import { registerDoctor } from "./doctor.js";
import { registerServe } from "./serve.js";
import { registerKeys } from "./keys.js";

/** Builds the `holdfast` command line. Each subcommand lives in its own file. */
export function buildProgram(): Command {
  const program = new Command("holdfast")
    .description("Holdfast: locks, limits, holds, machines and channels on Redis or in memory")
    .version(HOLDFAST_VERSION);
  registerServe(program);
  registerDoctor(program);
  registerKeys(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
