/**
 * Bad middleware options fail at creation with an InvalidArgumentError naming the option, and the
 * optional entry points stay optional: `holdfast` and `holdfast/client` never load React, Express
 * or the adapters.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { createRateLimiter, InvalidArgumentError } from "../../src/index.js";
import { concurrencyLimit, rateLimit, withLock } from "../../src/express/index.js";
import { rateLimitHook } from "../../src/fastify/index.js";

describe("middleware options", () => {
  let store: Store;
  beforeAll(async () => {
    store = await createStore({ type: "memory", env: {} });
  });
  afterAll(async () => {
    await store.close();
  });

  const fieldOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgumentError);
      return (e as InvalidArgumentError).field;
    }
    throw new Error("expected an InvalidArgumentError");
  };

  it("names the option at fault", () => {
    expect(fieldOf(() => rateLimit({ limit: 5 }))).toBe("store");
    expect(fieldOf(() => rateLimit({ store }))).toBe("limit");
    expect(fieldOf(() => rateLimit({ store, limit: 5, max: 5 }))).toBe("max");
    expect(fieldOf(() => rateLimit({ store, limit: 0 }))).toBe("limit");
    expect(fieldOf(() => rateLimitHook({ store, max: 5, timeWindow: "1 minute" as unknown as number }))).toBe(
      "timeWindow",
    );
    expect(fieldOf(() => rateLimit({ store, limit: 5, windowMs: 1.5 }))).toBe("windowMs");
    expect(fieldOf(() => rateLimit({ store, limit: 5, algorithm: "gcra" as "fixed-window" }))).toBe(
      "algorithm",
    );
    expect(fieldOf(() => rateLimit({ store, limit: 5, limits: [] }))).toBe("limit");
    expect(fieldOf(() => rateLimit({ store, limit: 5, keyGenerator: "ip" as never }))).toBe("keyGenerator");
    const limiter = createRateLimiter(store, { name: "own", algorithm: "gcra", burst: 5, ratePerSec: 1 });
    expect(fieldOf(() => rateLimit({ limiter, limit: 5 }))).toBe("limit");
    expect(fieldOf(() => concurrencyLimit({ store }))).toBe("limit");
    expect(fieldOf(() => concurrencyLimit({ store, limit: 2, ttlMs: 0 }))).toBe("ttlMs");
    expect(fieldOf(() => withLock({ store } as never, () => undefined))).toBe("key");
  });

  it("refuses a second middleware that would share a name's counters with other limits", () => {
    rateLimit({ store, name: "shared", limit: 5, windowMs: 1000 });
    rateLimit({ store, name: "shared", limit: 5, windowMs: 1000 }); // the same limits: shared on purpose
    expect(fieldOf(() => rateLimit({ store, name: "shared", limit: 6, windowMs: 1000 }))).toBe("name");
  });
});

describe("optional entry points", () => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

  /** Every module `entry` loads, following relative imports (type-only imports excluded). */
  function graph(entry: string): { files: Set<string>; packages: Set<string> } {
    const files = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (files.has(file)) return;
      files.add(file);
      const text = readFileSync(file, "utf8");
      const specs = [
        ...text.matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?from\s+"([^"]+)";/gms),
        ...text.matchAll(/^import\s+"([^"]+)";/gm),
      ].map((m) => m[1]);
      for (const spec of specs) {
        if (spec.startsWith(".")) visit(join(dirname(file), spec.replace(/\.js$/, ".ts")));
        else packages.add(spec.split("/")[0]);
      }
    };
    visit(join(root, entry));
    return { files, packages };
  }

  it("holdfast and holdfast/client load neither React, Express nor the adapters", () => {
    for (const entry of ["index.ts", "client/index.ts"]) {
      const { files, packages } = graph(entry);
      expect(files.size).toBeGreaterThan(3);
      const adapters = [...files].filter((f) => /\/(react|express|fastify|middleware)\//.test(f));
      expect(adapters, entry).toEqual([]);
      expect(
        [...packages].filter((p) => p === "react" || p === "react-dom" || p === "express"),
        entry,
      ).toEqual([]);
    }
  });

  it("holdfast/react loads React and the browser client only (no Node modules)", () => {
    const { files, packages } = graph("react/index.ts");
    expect([...packages].sort()).toEqual(["react"]);
    for (const f of files) expect(f, "a react module").toMatch(/\/src\/(react|client)\//);
  });
});
