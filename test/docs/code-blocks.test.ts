/**
 * Every TypeScript (and JavaScript) block of README.md and docs/ is typechecked against the
 * package's public entry points, in one program, and then run, in document order, on the memory
 * store. See test/docs/markdown.ts for the conventions (skip marker, file marker, hidden context).
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CODE_LANGS } from "./markdown.js";
import { blockKey, generateDocModules, typecheckDocModules, type GeneratedDocs } from "./program.js";
import { docsInScope, ROOT, skippedList } from "./docs-in-scope.js";

// `createStore()` in a block must give the memory store, whatever this machine's environment says.
for (const name of Object.keys(process.env)) if (name.startsWith("REDIS_")) delete process.env[name];

const docs = docsInScope();
const dir = join(ROOT, ".tmp", `doc-tests-${process.pid}`);
let generated: GeneratedDocs;
let diagnostics: Map<string, string[]>;
let typecheckMs = 0;

beforeAll(() => {
  mkdirSync(dir, { recursive: true });
  generated = generateDocModules(ROOT, docs, dir);
  const started = performance.now();
  diagnostics = typecheckDocModules(ROOT, generated);
  typecheckMs = performance.now() - started;
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  const blocks = docs.flatMap((d) => d.blocks).filter((b) => CODE_LANGS.has(b.lang));
  const skipped = blocks.filter((b) => b.skip);
  const typedOnly = blocks.filter((b) => b.noRun);
  console.log(
    [
      `doc tests: ${blocks.length - skipped.length - typedOnly.length} TypeScript blocks typechecked and run (one program, typechecked in ${(typecheckMs / 1000).toFixed(1)} s)`,
      `${typedOnly.length} typechecked, not run:\n${skippedList(typedOnly)}`,
      `${skipped.length} skipped:\n${skippedList(skipped)}`,
    ].join("\n"),
  );
});

/** Ref'd timers, sockets and servers: what would keep a process alive after its work is done. */
const liveResources = () =>
  process
    .getActiveResourcesInfo()
    .filter((r) => r !== "TTYWrap")
    .sort();

it("nothing outside the blocks fails to typecheck", () => {
  expect(diagnostics.get("(elsewhere)") ?? []).toEqual([]);
});

for (const d of docs) {
  const blocks = d.blocks.filter((b) => CODE_LANGS.has(b.lang));
  if (blocks.length === 0) continue;
  describe(d.doc, () => {
    let before: string[];
    beforeAll(() => {
      before = liveResources();
    });
    if (d.context) {
      it("context typechecks", () => {
        expect(diagnostics.get(`${d.doc}:context`) ?? []).toEqual([]);
      });
    }
    for (const b of blocks) {
      if (b.skip) {
        it.skip(`line ${b.line} — ${b.skip}`, () => {});
        continue;
      }
      if (b.noRun) {
        it(`line ${b.line} typechecks (not run: ${b.noRun})`, () => {
          expect(diagnostics.get(blockKey(b)) ?? [], "typecheck").toEqual([]);
        });
        continue;
      }
      it(`line ${b.line}${b.file ? ` (${b.file})` : ""}`, async () => {
        expect(diagnostics.get(blockKey(b)) ?? [], "typecheck").toEqual([]);
        await import(generated.runFile.get(blockKey(b))!);
      });
    }
    it("leaves no timer, socket or server running", async () => {
      await new Promise((r) => setTimeout(r, 20));
      const left = liveResources();
      for (const r of before) {
        const i = left.indexOf(r);
        if (i >= 0) left.splice(i, 1);
      }
      expect(left, "started by this document's blocks and still running").toEqual([]);
    });
  });
}
