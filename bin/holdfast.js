#!/usr/bin/env node
// Runs the compiled CLI. In a source checkout (src/ beside dist/) whose dist/ is missing or older
// than its sources, it runs the TypeScript sources with tsx instead, so it never runs stale code;
// `npm run build` (or `npm start`) brings dist/ up to date.
import { existsSync } from "node:fs";

const source = new URL("../src/cli/main.ts", import.meta.url);
let fromSource = false;
if (existsSync(source)) {
  const { staleReason } = await import(new URL("../scripts/build.mjs", import.meta.url).href);
  fromSource = staleReason() !== undefined;
}
if (fromSource) {
  const { register } = await import("tsx/esm/api");
  register();
  const { main } = await import(source.href);
  await main(process.argv);
} else {
  const { main } = await import(new URL("../dist/cli/main.js", import.meta.url).href);
  await main(process.argv);
}
