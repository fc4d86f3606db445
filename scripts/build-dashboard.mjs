// Builds the operator dashboard (dashboard/) into dist/dashboard: one content-hashed script and
// stylesheet under assets/ (Preact, uPlot and holdfast/client bundled in; nothing from a CDN), and
// index.html naming them. `holdfast serve` serves them at /dashboard.
// Usage: node scripts/build-dashboard.mjs [--out <dir>] [--quiet]
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const outAt = args.indexOf("--out");
const out = outAt >= 0 ? resolve(args[outAt + 1]) : join(root, "dist", "dashboard");
const quiet = args.includes("--quiet");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets"), { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { main: "dashboard/src/main.tsx" },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  outdir: join(out, "assets"),
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  jsx: "automatic",
  jsxImportSource: "preact",
  tsconfig: "dashboard/tsconfig.json",
  alias: { "holdfast/client": "./src/client/index.ts" },
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((p) => resolve(root, p));
const js = outputs.find((p) => p.endsWith(".js"));
const css = outputs.find((p) => p.endsWith(".css"));
if (!js || !css) throw new Error(`expected one .js and one .css output, got ${outputs.join(", ")}`);
const html = readFileSync(join(root, "dashboard", "index.html"), "utf8")
  .replace("%JS%", basename(js))
  .replace("%CSS%", basename(css));
writeFileSync(join(out, "index.html"), html);

if (!quiet) {
  for (const file of [js, css]) {
    const body = readFileSync(file);
    const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`dashboard ${basename(file)}: ${kib(body.length)}, ${kib(gzipSync(body).length)} gzip`);
  }
}
