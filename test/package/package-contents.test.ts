/** What `npm pack` ships and what package.json promises. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  engines: { node: string };
  peerDependencies: Record<string, string>;
  dependencies: Record<string, string>;
};

describe("the package", () => {
  it("ships no source maps (src/ is not in it), no build bookkeeping, and its bin", () => {
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8" }),
    ) as { files: { path: string }[] }[];
    const files = packed.files.map((f) => f.path);
    expect(files).toContain("bin/holdfast.js");
    expect(files.filter((f) => /\.map$|tsbuildinfo|build-stamp|^src\//.test(f))).toEqual([]);
    // The suite may run before a build; when there is one, it is in the package.
    if (existsSync("dist/index.js")) expect(files).toContain("dist/index.js");
  });

  it("says which Node and which ioredis it supports", () => {
    // ESM only: require() of the package needs Node 20.19, where it works without a flag.
    expect(pkg.engines.node).toBe(">=20.19.0");
    expect(pkg.peerDependencies.ioredis).toBe("^5.0.0 || ^6.0.0");
    expect(pkg.dependencies.ioredis).toBeUndefined();
  });
});
