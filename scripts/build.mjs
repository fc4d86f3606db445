#!/usr/bin/env node
// Builds dist/ from src/: TypeScript (incremental: only what changed is re-emitted) and the .lua
// files beside it. Prints what it does and how long it took.
//
//   node scripts/build.mjs              # npm run build: always runs tsc (quick when nothing changed)
//   node scripts/build.mjs --if-stale   # npm start: builds only when a source is newer than dist/
//   node scripts/build.mjs --clean      # npm pack: removes dist/ first (no leftovers of removed files)
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Written after every successful build; dist/ is stale when a source is newer than it. */
const STAMP = "dist/.build-stamp";
/** What the build reads besides src/. */
const INPUTS = [
  "tsconfig.json",
  "tsconfig.build.json",
  "package.json",
  "scripts/build.mjs",
  "scripts/build-dashboard.mjs",
];

function newestIn(dir, best) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) best = newestIn(path, best);
    else if (st.mtimeMs > best.mtimeMs) best = { path, mtimeMs: st.mtimeMs };
  }
  return best;
}

/**
 * Why dist/ must be rebuilt (`undefined` when it is up to date): it was never built, or a file under
 * src/ (or a build input) changed after the last build. Compares modification times, like make.
 */
export function staleReason(root = ROOT) {
  const stamp = join(root, STAMP);
  if (!existsSync(stamp) || !existsSync(join(root, "dist/cli/main.js")))
    return "dist/ has not been built yet";
  let newest = newestIn(join(root, "src"), { path: "", mtimeMs: 0 });
  // The operator dashboard's page is built into dist/dashboard from dashboard/.
  if (existsSync(join(root, "dashboard"))) newest = newestIn(join(root, "dashboard"), newest);
  for (const f of INPUTS) {
    const path = join(root, f);
    if (existsSync(path) && statSync(path).mtimeMs > newest.mtimeMs)
      newest = { path, mtimeMs: statSync(path).mtimeMs };
  }
  return newest.mtimeMs > statSync(stamp).mtimeMs
    ? `${relative(root, newest.path)} changed since the last build`
    : undefined;
}

function copyLua(root, dir = join(root, "src")) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyLua(root, path);
    else if (name.endsWith(".lua")) cpSync(path, join(root, "dist", relative(join(root, "src"), path)));
  }
}

/**
 * Builds dist/. `log` receives one line before (with `reason`) and one after (with the time taken).
 * Throws when tsc fails (its errors are printed as they come).
 */
export function build({
  root = ROOT,
  reason,
  clean = false,
  log = (line) => process.stderr.write(line + "\n"),
} = {}) {
  const started = performance.now();
  if (clean) rmSync(join(root, "dist"), { recursive: true, force: true });
  log(`holdfast: building dist/${reason ? ` (${reason})` : ""}…`);
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
  if (r.status !== 0)
    throw new Error(`tsc failed (exit code ${r.status ?? r.signal}); dist/ was not updated`);
  copyLua(root);
  const page = spawnSync(process.execPath, [join(root, "scripts/build-dashboard.mjs"), "--quiet"], {
    cwd: root,
    stdio: "inherit",
  });
  if (page.status !== 0)
    throw new Error(`the dashboard build failed (exit code ${page.status ?? page.signal})`);
  mkdirSync(join(root, "dist"), { recursive: true });
  writeFileSync(join(root, STAMP), new Date().toISOString() + "\n");
  log(`holdfast: built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Builds when {@link staleReason} says so; returns whether it built. */
export function buildIfStale(options = {}) {
  const reason = staleReason(options.root);
  if (reason === undefined) return false;
  build({ ...options, reason });
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  try {
    if (args.includes("--if-stale")) buildIfStale();
    else build({ clean: args.includes("--clean") });
  } catch (e) {
    process.stderr.write(`holdfast: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
