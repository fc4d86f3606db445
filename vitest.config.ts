import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

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
    // Three test files at a time on two cores: most of a file's time is spent waiting (on Redis,
    // sockets, child processes, TTLs), so two forks left the cores half idle (327 s for the whole
    // suite on the 2-core machine; 194-220 s with four forks, where tests with lease margins of a
    // few hundred ms began to lapse now and then). Timing tests keep margins of hundreds of ms.
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
