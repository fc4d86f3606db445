/**
 * Starts the slowest test files first, so that no fork is still running a 20 s file while the
 * others sit idle at the end of the run (longest-first keeps the forks' loads within a
 * file's length of each other).
 *
 * Vitest's own order uses the durations it cached from the previous run, but a clean clone (CI)
 * has no cache and falls back to file size, which put files of 15–20 s in the last third of the
 * run. This order does not depend on the machine's history: the files of slow-files.json by the
 * seconds they took in a full run (the JSON reporter's endTime − startTime per file, for files of
 * 1 s or more), then every other file largest first, as Vitest does without a cache. A file
 * missing from the list only starts later than it should; refresh the list when a file becomes
 * slow.
 */
import { readFileSync, statSync } from "node:fs";
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const seconds = JSON.parse(readFileSync(new URL("./slow-files.json", import.meta.url), "utf8")) as Record<
  string,
  number
>;

export default class SlowFirstSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const key = (f: TestSpecification) => {
      const path = relative(root, f.moduleId).split("\\").join("/");
      return { known: seconds[path] ?? -1, size: statSync(f.moduleId).size, path };
    };
    const keyed = files.map((f) => ({ f, k: key(f) }));
    keyed.sort((a, b) => b.k.known - a.k.known || b.k.size - a.k.size || a.k.path.localeCompare(b.k.path));
    return Promise.resolve(keyed.map(({ f }) => f));
  }
}
