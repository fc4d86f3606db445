/** Runs the real `holdfast` command as a child process, as an operator or a script would. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/holdfast.js …args` with `env` added to this process's environment; never throws. */
export async function holdfast(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 90_000,
): Promise<CliResult> {
  try {
    const r = await run("node", ["bin/holdfast.js", ...args], {
      env: { ...process.env, ...env },
      timeout: timeoutMs,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
