/**
 * Reads the code blocks of a Markdown document the way the doc tests see them.
 *
 * Conventions (written in the Markdown itself, so they are visible where the examples are):
 * - `<!-- doc-test: skip — <reason> -->` on the line right before a fence: the block is neither
 *   typechecked nor run, and the runner lists it with its reason.
 * - `<!-- doc-test: no-run — <reason> -->`: the block is typechecked but not run (browser code, a
 *   fixed port), and listed with its reason.
 * - `<!-- doc-test: file <name> -->` on the line right before a fence: the block is also the file
 *   `<name>` of the document's folder, so other blocks and the context can import it
 *   (`import { bookingMachine } from "./booking-machine.js"`). It still runs as a block.
 * - One hidden context per document, an HTML comment that starts with `<!-- doc-test: context` on
 *   its own line and ends at a line `-->`: a TypeScript module whose exports are in scope in every
 *   block of the document (a block's own declarations and imports shadow them). It holds what the
 *   examples assume the reader's app already has (`saveBooking`, `res`, a `store`…).
 */
import { readFileSync } from "node:fs";

/** Languages whose blocks are typechecked and run as TypeScript. */
export const CODE_LANGS = new Set(["ts", "typescript", "js", "javascript"]);
/** Languages whose blocks run in bash. */
export const SHELL_LANGS = new Set(["bash", "sh", "shell"]);

export interface DocBlock {
  /** Repository-relative path of the document. */
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The block's text, with the fence's indentation removed. */
  code: string;
  /** Why it is neither typechecked nor run, from a skip marker. */
  skip?: string;
  /** Why it is typechecked but not run, from a no-run marker. */
  noRun?: string;
  /** The file name this block also is, from a file marker. */
  file?: string;
}

export interface DocContext {
  /** 1-based line of the first line of code (the one after `<!-- doc-test: context`). */
  line: number;
  code: string;
}

export interface ParsedDoc {
  doc: string;
  blocks: DocBlock[];
  context?: DocContext;
}

const SKIP = /^<!-- doc-test: skip — (\S.*\S) -->$/;
const NO_RUN = /^<!-- doc-test: no-run — (\S.*\S) -->$/;
const FILE = /^<!-- doc-test: file ([\w.-]+\.(?:ts|lua|json)) -->$/;
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/;

/** Parses `text` (the document at repository path `doc`); throws on a malformed doc-test marker. */
export function parseMarkdown(doc: string, text: string): ParsedDoc {
  const lines = text.split("\n");
  const blocks: DocBlock[] = [];
  let context: DocContext | undefined;
  const fail = (i: number, why: string): never => {
    throw new Error(`${doc}:${i + 1}: ${why}`);
  };
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i].trim();
    if (trimmed.startsWith("<!-- doc-test: context")) {
      if (trimmed !== "<!-- doc-test: context")
        fail(i, "the context's code starts on the line after `<!-- doc-test: context`");
      if (context) fail(i, "a document has at most one doc-test context");
      const end = lines.findIndex((l, j) => j > i && l.trim() === "-->");
      if (end < 0) fail(i, "the doc-test context never ends (a line `-->`)");
      context = { line: i + 2, code: lines.slice(i + 1, end).join("\n") };
      i = end;
      continue;
    }
    const fence = FENCE.exec(lines[i]);
    if (!fence) {
      if (trimmed.startsWith("<!-- doc-test") && !FENCE.test(lines[i + 1] ?? "")) {
        fail(i, "a doc-test marker must be on the line right before a fence");
      }
      continue;
    }
    const [, indent, marks, lang] = fence;
    const close = new RegExp(`^\\s*${marks[0] === "`" ? "`" : "~"}{${marks.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end])) end++;
    if (end >= lines.length) fail(i, "unclosed code fence");
    const code = lines
      .slice(i + 1, end)
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
      .join("\n");
    const block: DocBlock = { doc, line: i + 1, lang: lang.toLowerCase(), code };
    const before = (lines[i - 1] ?? "").trim();
    if (before.startsWith("<!-- doc-test")) {
      const skip = SKIP.exec(before);
      const noRun = NO_RUN.exec(before);
      const file = FILE.exec(before);
      if (skip) block.skip = skip[1];
      else if (noRun) block.noRun = noRun[1];
      else if (file) block.file = file[1];
      else {
        fail(
          i - 1,
          "unknown doc-test marker: use `<!-- doc-test: skip — <reason> -->`, `<!-- doc-test: no-run — <reason> -->` or `<!-- doc-test: file <name>.ts -->`",
        );
      }
    }
    blocks.push(block);
    i = end;
  }
  return { doc, blocks, ...(context ? { context } : {}) };
}

/** Reads and parses a document of the repository at `root`. */
export function readDoc(root: string, doc: string): ParsedDoc {
  return parseMarkdown(doc, readFileSync(`${root}/${doc}`, "utf8"));
}
