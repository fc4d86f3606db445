/**
 * Which documents the doc tests read, and the summary they print. README.md and every Markdown file
 * under docs/ are in scope. examples/**\/README.md are not: they document the example apps (each
 * started on its own fixed port, with its own end-to-end test beside it) and quote the seeds' own
 * code as the "before"; they hold no TypeScript block today.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readDoc, type DocBlock, type ParsedDoc } from "./markdown.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

export function docsInScope(root = ROOT): ParsedDoc[] {
  const docs = ["README.md"];
  const walk = (dir: string) => {
    for (const e of readdirSync(`${root}/${dir}`, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (e.isDirectory()) walk(`${dir}/${e.name}`);
      else if (e.name.endsWith(".md")) docs.push(`${dir}/${e.name}`);
    }
  };
  walk("docs");
  return docs.map((d) => readDoc(root, d));
}

/** One line per skipped (or not run) block, with its reason. */
export function skippedList(blocks: readonly DocBlock[]): string {
  if (blocks.length === 0) return "  (none)";
  return blocks.map((b) => `  - ${b.doc}:${b.line} (${b.lang}): ${b.skip ?? b.noRun}`).join("\n");
}
