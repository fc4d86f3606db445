// Copies every .lua file from src/ to dist/ (tsc copies only TypeScript), keeping the layout so
// that `new URL("./x-1.lua", import.meta.url)` resolves the same way from src and from dist.
import { cpSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".lua")) cpSync(path, join("dist", relative("src", path)));
  }
}
walk("src");
