/** Fastify-style registry test: every error code is unique, exported, guarded, mapped and documented. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as holdfast from "../src/index.js";
import { STATUS_BY_CODE } from "../src/server/http-errors.js";
import { collectErrors, renderErrorsDoc } from "../scripts/errors-doc.js";

describe("error registry", () => {
  const entries = collectErrors();

  it("finds the errors", () => {
    expect(entries.length).toBeGreaterThan(25);
  });

  it("gives every error class a unique code", () => {
    const codes = entries.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("exports every error class and an is…Error guard from the root", () => {
    const exported = holdfast as Record<string, unknown>;
    for (const e of entries) {
      expect(typeof exported[e.className], `${e.className} is exported`).toBe("function");
      expect(typeof exported[`is${e.className}`], `is${e.className} is exported`).toBe("function");
      expect((exported[e.className] as { prototype: unknown }).prototype).toBeInstanceOf(
        holdfast.HoldfastError,
      );
    }
  });

  it("maps every code to an HTTP status", () => {
    const store = new Set(["HOLDFAST_STORE_UNAVAILABLE", "HOLDFAST_STORE_TIMEOUT", "HOLDFAST_STORE_CLOSED"]);
    for (const e of entries)
      if (!store.has(e.code)) expect(STATUS_BY_CODE[e.code], e.code).toBeTypeOf("number");
  });

  it("documents every code in docs/errors.md (run `npm run docs:errors` when this fails)", () => {
    expect(readFileSync(new URL("../docs/errors.md", import.meta.url), "utf8")).toBe(
      renderErrorsDoc(entries),
    );
  });
});
