import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // The package's public names, for the bench/ and examples/ modules tests share (tsconfig `paths`
  // says the same to tsc and tsx): the sources, so no build is needed.
  resolve: {
    alias: [
      { find: /^holdfast$/, replacement: src("index.ts") },
      // holdfast/server, holdfast/client, holdfast/react, …: each subpath is a folder's index.ts.
      { find: /^holdfast\/([a-z-]+)$/, replacement: src("$1/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts", "examples/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    env: { HOLDFAST_LOG_LEVEL: process.env.HOLDFAST_LOG_LEVEL ?? "silent" },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores: two test files at a time keeps timing-sensitive tests honest.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
