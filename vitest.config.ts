import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import SlowFirstSequencer from "./test/support/sequencer.js";

const root = fileURLToPath(new URL(".", import.meta.url));
const { exports } = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
  exports: Record<string, string | { default: string }>;
};

/**
 * `holdfast` and its subpaths as users import them, resolved through package.json `exports` to the
 * sources their `dist/` files are built from (as tsconfig.json's `paths` does for tsx and tsc), so
 * tests and examples that use the public API run from a checkout without `npm run build`.
 */
const publicEntryPoints = Object.entries(exports)
  .filter(([subpath]) => subpath !== "./package.json")
  .map(([subpath, target]) => ({
    find: new RegExp(`^holdfast${subpath === "." ? "" : subpath.slice(1).replace(/\//g, "\\/")}$`),
    replacement: `${root}${(typeof target === "string" ? target : target.default)
      .replace(/^\.\/dist\//, "src/")
      .replace(/\.js$/, ".ts")}`,
  }));

const isolateFiles = process.env.HOLDFAST_TEST_ISOLATE === "1";

export default defineConfig({
  resolve: { alias: publicEntryPoints },
  test: {
    // The example apps' tests live in test/examples: examples/ holds only what a user would write.
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    env: { HOLDFAST_LOG_LEVEL: process.env.HOLDFAST_LOG_LEVEL ?? "silent" },
    // Low enough that a slow test shows; the few that start processes, browsers or the compiler say
    // how long they may take.
    testTimeout: 15_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most of a test file's time is spent waiting (on Redis, sockets, child processes, TTLs), so
    // several files run at once even on two cores. The forks live for the whole run instead of one
    // process per file: starting a process and loading Vitest, ioredis, Fastify... again for each
    // of the 135 files cost ~1 s of a fork per file and a third of the run's CPU. Every file still
    // gets fresh Holdfast modules (fresh-modules.ts empties the module registry before each file),
    // so module state (metrics registries, caches, the afterAll a support module registers) is the
    // file's own; only node_modules and the process (its env, listeners, cwd: tests restore what
    // they change) are shared. HOLDFAST_TEST_ISOLATE=1 gives every file a process of its own again,
    // to tell whether a failure comes from sharing one.
    //
    // Four forks: with a process per file, four made tests with lease margins of a few hundred ms
    // lapse now and then on the 2-core machine, so it ran three (327 s with two, 194-220 s with
    // four); those margins are now above 0.5 s, and the shared forks use a third less CPU. On the 24
    // slowest files, under the same load, four forks took 91 and 84 s where three took 112 and 99 s.
    // minForks = maxForks: with fewer, tinypool 1.x can end an idle fork twice at the end of the run
    // ("Terminating worker thread"), which fails the run and skips the global teardown.
    poolOptions: isolateFiles
      ? { forks: { maxForks: 3, minForks: 1 } }
      : { forks: { maxForks: 4, minForks: 4, isolate: false } },
    setupFiles: isolateFiles ? [] : ["test/support/fresh-modules.ts"],
    sequence: { sequencer: SlowFirstSequencer },
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
