/**
 * Output helpers shared by CLI commands: `--json` everywhere, colours only on a terminal (see
 * `CliRun` in ./io.ts, which writes a run's lines, JSON and colours).
 */

/** Prints rows as an aligned plain-text table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (c ?? "").padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
