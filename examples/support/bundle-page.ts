/**
 * Bundles a browser page (a .tsx entry) with esbuild, resolving `holdfast/*` imports through
 * package.json `exports` to the package's TypeScript sources, so pages import the package the way
 * users do and run from a checkout without `npm run build`. Used by the appointment example's React
 * page and by the hooks' browser tests.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The source file `holdfast[/sub]` resolves to (`./dist/x/index.js` → `src/x/index.ts`). */
export function packageSource(specifier: string): string {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as {
    exports: Record<string, string | { default: string }>;
  };
  const subpath = specifier === "holdfast" ? "." : `./${specifier.slice("holdfast/".length)}`;
  const entry = pkg.exports[subpath];
  const target = typeof entry === "string" ? entry : entry?.default;
  if (!target) throw new Error(`${specifier} is not in package.json exports`);
  return `${ROOT}${target.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")}`;
}

const holdfastFromSources: Plugin = {
  name: "holdfast-from-sources",
  setup(build) {
    build.onResolve({ filter: /^holdfast(\/|$)/ }, (args) => ({ path: packageSource(args.path) }));
  },
};

/** Options of {@link bundlePage}. */
export interface BundleOptions {
  /** Minified, with React's production build. @defaultValue false (React's development build: StrictMode checks) */
  production?: boolean;
}

/** The page's JavaScript: one ES module with React and `holdfast/*` inside. */
export async function bundlePage(entry: string | URL, options: BundleOptions = {}): Promise<string> {
  const esbuild = await import("esbuild");
  const production = options.production ?? false;
  const result = await esbuild.build({
    entryPoints: [entry instanceof URL ? fileURLToPath(entry) : entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    minify: production,
    define: { "process.env.NODE_ENV": JSON.stringify(production ? "production" : "development") },
    plugins: [holdfastFromSources],
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}
