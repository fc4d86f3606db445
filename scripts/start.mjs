#!/usr/bin/env node
// `npm start`: builds dist/ only when a source changed since the last build (saying so, and how
// long it took), then runs `holdfast serve` in this process. Arguments go to serve:
// `npm start -- --port 4100 --json`.
import { buildIfStale } from "./build.mjs";

try {
  buildIfStale();
} catch (e) {
  process.stderr.write(`holdfast: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
const { main } = await import("../dist/cli/main.js");
await main([process.argv[0], "holdfast", "serve", ...process.argv.slice(2)]);
