import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { renderApiReference } from "../../scripts/api-doc.js";

it("docs/api/reference.md matches the registered routes (run `npm run docs:api` when this fails)", async () => {
  expect(readFileSync(new URL("../../docs/api/reference.md", import.meta.url), "utf8")).toBe(
    await renderApiReference(),
  );
});
