/**
 * The doc-test runner itself: it reads the markers, resolves `holdfast` only through package.json
 * `exports`, maps a type error back to its document line, and fails on a broken block (a type error,
 * an import `exports` does not name, a block that throws, a shell command that fails).
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMarkdown } from "./markdown.js";
import { blockKey, generateDocModules, selfReference, typecheckDocModules } from "./program.js";
import { runShell, shellScript } from "./shell.js";
import { ROOT } from "./docs-in-scope.js";

const dir = join(ROOT, ".tmp", `doc-runner-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fence = "```";
const FIXTURE = [
  "# A document", //                                                        1
  "", //                                                                    2
  "<!-- doc-test: context", //                                              3
  "export const n = 1;", //                                                 4
  "export type Pair = [number, number];", //                                5
  "-->", //                                                                 6
  `${fence}ts`, //                                                          7
  "const pair: Pair = [n, 2];", //                                          8
  "const s: string = n;", //                                                9
  fence, //                                                                10
  "<!-- doc-test: skip — needs a cluster -->", //                          11
  `${fence}ts`, //                                                         12
  "this is not TypeScript", //                                             13
  fence, //                                                                14
  "- a list item:", //                                                     15
  "  <!-- doc-test: no-run — browser code -->", //                         16
  `  ${fence}js`, //                                                       17
  "  const n = 'shadows the context';", //                                 18
  "  const s: string = n;", //                                             19
  `  ${fence}`, //                                                         20
  "<!-- doc-test: file helper.ts -->", //                                  21
  `${fence}ts`, //                                                         22
  'import { createStore } from "holdfast/src/store/index.js";', //         23
  "export const make = createStore;", //                                   24
  fence, //                                                                25
  `${fence}ts`, //                                                         26
  'throw new Error("boom");', //                                           27
  fence, //                                                                28
  `${fence}json`, //                                                       29
  "{}", //                                                                 30
  fence, //                                                                31
].join("\n");

describe("reading Markdown", () => {
  it("finds blocks, their markers and the context", () => {
    const doc = parseMarkdown("docs/x.md", FIXTURE);
    expect(doc.context).toEqual({
      line: 4,
      code: "export const n = 1;\nexport type Pair = [number, number];",
    });
    expect(doc.blocks.map((b) => [b.line, b.lang, b.skip ?? b.noRun ?? b.file ?? null])).toEqual([
      [7, "ts", null],
      [12, "ts", "needs a cluster"],
      [17, "js", "browser code"],
      [22, "ts", "helper.ts"],
      [26, "ts", null],
      [29, "json", null],
    ]);
    expect(doc.blocks[2].code).toBe("const n = 'shadows the context';\nconst s: string = n;");
  });

  it("refuses markers it does not know, markers away from a fence, and a second context", () => {
    expect(() =>
      parseMarkdown("d.md", `<!-- doc-test: skip - hyphen, not an em dash -->\n${fence}ts\n${fence}`),
    ).toThrow(/d\.md:1: unknown doc-test marker/);
    expect(() => parseMarkdown("d.md", `<!-- doc-test: skip — why -->\n\n${fence}ts\n${fence}`)).toThrow(
      /d\.md:1: a doc-test marker must be on the line right before a fence/,
    );
    expect(() => parseMarkdown("d.md", "<!-- doc-test: context\n-->\n<!-- doc-test: context\n-->")).toThrow(
      /at most one doc-test context/,
    );
    expect(() => parseMarkdown("d.md", `${fence}ts\nnever closed`)).toThrow(/unclosed code fence/);
  });
});

describe("resolving the package through its exports", () => {
  it("maps each exported entry point to the source it is built from, and nothing else", () => {
    expect(selfReference(ROOT, "holdfast", "types")).toBe(join(ROOT, "src/index.ts"));
    expect(selfReference(ROOT, "holdfast/server", "default")).toBe(join(ROOT, "src/server/index.ts"));
    expect(selfReference(ROOT, "holdfast/client", "types")).toBe(join(ROOT, "src/client/index.ts"));
    expect(selfReference(ROOT, "holdfast/package.json", "default")).toBe(join(ROOT, "package.json"));
    expect(selfReference(ROOT, "holdfast/src/store/index.js", "types")).toBeUndefined();
    expect(selfReference(ROOT, "holdfast/lock", "types")).toBeUndefined();
  });
});

describe("a broken block fails", () => {
  let generated: ReturnType<typeof generateDocModules>;
  let diagnostics: Map<string, string[]>;
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    generated = generateDocModules(ROOT, [parseMarkdown("docs/x.md", FIXTURE)], dir);
    diagnostics = typecheckDocModules(ROOT, generated);
  });
  const at = (line: number) => diagnostics.get(blockKey({ doc: "docs/x.md", line })) ?? [];

  it("reports a type error at its line in the document; context names are in scope", () => {
    expect(at(7)).toEqual([
      expect.stringMatching(/^docs\/x\.md:9: TS2322 Type 'number' is not assignable to type 'string'/),
    ]);
    expect(diagnostics.get("docs/x.md:context") ?? []).toEqual([]);
  });

  it("lets a block's own names shadow the context's, and never typechecks a skipped block", () => {
    expect(at(17)).toEqual([]);
    expect(at(12)).toEqual([]);
    expect(generated.runFile.has("docs/x.md:12")).toBe(false);
  });

  it("does not resolve a path of the package that `exports` does not name", () => {
    expect(at(22)).toEqual([
      expect.stringMatching(/^docs\/x\.md:23: TS2307 Cannot find module 'holdfast\/src\/store\/index\.js'/),
    ]);
  });

  it("rejects when a block throws", async () => {
    expect(at(26)).toEqual([]);
    await expect(import(generated.runFile.get("docs/x.md:26")!)).rejects.toThrow("boom");
  });
});

describe("shell blocks", () => {
  const block = (line: number, code: string) => ({ doc: "d.md", line, lang: "sh", code });
  const run = (...blocks: ReturnType<typeof block>[]) =>
    runShell(shellScript(blocks, "127.0.0.1:9"), {
      cwd: ROOT,
      env: { HOLDFAST_ROOT: ROOT },
      timeoutMs: 30_000,
    });

  it("stop at the first failing command and name its block, also inside $(…) and pipelines", async () => {
    const ok = await run(block(3, "X=$(echo hi | tr a-z A-Z)"), block(7, 'test "$X" = HI'));
    expect(ok).toMatchObject({ code: 0, lastBlock: 7 });
    // Nothing listens on port 9 (discard): curl fails, inside a command substitution and a pipeline.
    const failed = await run(
      block(3, "echo first"),
      block(9, "HOLD=$(curl -s localhost:4000/v1/x | cat)"),
      block(12, "echo never"),
    );
    expect(failed.code).not.toBe(0);
    expect(failed.lastBlock).toBe(9);
    expect(failed.stdout).not.toContain("never");
  });

  it("run only `npx holdfast`, never another package from the registry", async () => {
    const r = await run(block(1, "npx cowsay hello"));
    expect(r.code).toBe(127);
    expect(r.stderr).toContain("only 'npx holdfast' runs");
  });
});
