/**
 * Runs the shell blocks of one document in one bash process, in order (so a variable one block
 * sets, like `HOLD=$(curl …)`, is there for the next), stopping at the first failure:
 * - `curl` fails on an HTTP status ≥ 400 (`--fail-with-body`), also inside `$(…)` and pipelines;
 * - `holdfast …` and `npx holdfast …` run this checkout's bin/holdfast.js;
 * - `localhost:4000` (the address the docs use) is replaced by the test server's address.
 */
import { execFile } from "node:child_process";
import type { DocBlock } from "./markdown.js";

const PREAMBLE = [
  "set -euo pipefail",
  "shopt -s inherit_errexit",
  'curl() { command curl --fail-with-body --silent --show-error "$@" && echo; }',
  'holdfast() { node "$HOLDFAST_ROOT/bin/holdfast.js" "$@"; }',
  "npx() {",
  '  if [ "${1:-}" = holdfast ]; then shift; holdfast "$@"',
  `  else echo "doc test: only 'npx holdfast' runs in a doc block, not 'npx $*'" >&2; return 127; fi`,
  "}",
  "",
].join("\n");

/** The bash script of `blocks`, with `localhost:4000` pointed at `address` (host:port). */
export function shellScript(blocks: readonly DocBlock[], address: string): string {
  const parts = blocks.map(
    (b) => `printf '::doc-block %s\\n' ${b.line} >&2\n${b.code.replaceAll("localhost:4000", address)}\n`,
  );
  return PREAMBLE + parts.join("");
}

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The fence line of the block that was running when the script stopped (the last one on success). */
  lastBlock: number | undefined;
}

/** Runs `script` with bash in `cwd` with exactly `env` (plus PATH and HOME); never throws. */
export function runShell(
  script: string,
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<ShellResult> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      ["-c", script],
      {
        cwd: options.cwd,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: process.env.HOME ?? options.cwd,
          ...options.env,
        },
        timeout: options.timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const marks = [...stderr.matchAll(/^::doc-block (\d+)$/gm)];
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, lastBlock: marks.length > 0 ? Number(marks.at(-1)![1]) : undefined });
      },
    );
  });
}

/** A failure message that names the block and shows the end of its output. */
export function describeFailure(doc: string, r: ShellResult): string {
  const tail = (s: string) => s.replace(/^::doc-block \d+\n/gm, "").slice(-2000);
  return `${doc}:${r.lastBlock ?? "?"} failed (exit ${r.code})\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`;
}
