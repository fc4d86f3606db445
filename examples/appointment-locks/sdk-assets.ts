/**
 * Serves `holdfast/client` to the browser: the compiled files from `dist/client` when the project
 * is built, otherwise the TypeScript sources transpiled on the fly (development and tests).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";

const cache = new Map<string, string>();

export async function sdkAsset(file: string): Promise<string | undefined> {
  if (!/^[a-z-]+\.js$/.test(file)) return undefined;
  const hit = cache.get(file);
  if (hit !== undefined) return hit;
  const built = new URL(`../../dist/client/${file}`, import.meta.url);
  let js: string | undefined;
  if (existsSync(built)) js = await readFile(built, "utf8");
  else {
    const source = new URL(`../../src/client/${file.replace(/\.js$/, ".ts")}`, import.meta.url);
    if (!existsSync(source)) return undefined;
    const ts = (await import("typescript")).default;
    js = ts.transpileModule(await readFile(source, "utf8"), {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    }).outputText;
  }
  cache.set(file, js);
  return js;
}
