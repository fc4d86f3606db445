#!/usr/bin/env node
// Runs the compiled CLI (`npm run build` first); from a source checkout without a build, uses tsx.
import { existsSync } from "node:fs";

const compiled = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(compiled)) {
  const { main } = await import(compiled.href);
  await main(process.argv);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  const { main } = await import(new URL("../src/cli/main.ts", import.meta.url).href);
  await main(process.argv);
}
