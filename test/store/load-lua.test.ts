import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadLua } from "../../src/store/script.js";

describe("loadLua", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "holdfast-lua-"));
    mkdirSync(join(dir, "includes"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("stitches a local include and the shared now.lua in, each once", () => {
    writeFileSync(join(dir, "includes", "helper.lua"), '-- @include "now.lua"\nlocal helper = 1');
    writeFileSync(join(dir, "op-1.lua"), '-- @include "helper.lua"\n-- @include "now.lua"\nreturn helper');
    const lua = loadLua(pathToFileURL(join(dir, "op-1.lua")));
    expect(lua).toContain("local helper = 1");
    expect(lua).not.toContain("@include");
    expect(lua.endsWith("\n\nreturn helper")).toBe(true);
  });

  it("names the script, the missing include and its line", () => {
    writeFileSync(join(dir, "op-1.lua"), '-- op\nlocal a = 1\n-- @include "nope.lua"\nreturn a');
    expect(() => loadLua(pathToFileURL(join(dir, "op-1.lua")))).toThrow(
      `Lua include "nope.lua" not found: ${join(dir, "op-1.lua")} line 3 includes it, and it is in neither ${join(dir, "includes")}/`,
    );
  });

  it("names the helper, not the script, when a helper's own include is missing", () => {
    writeFileSync(join(dir, "includes", "helper.lua"), 'local x = 1\n-- @include "gone.lua"');
    writeFileSync(join(dir, "op-1.lua"), '-- @include "helper.lua"\nreturn x');
    expect(() => loadLua(pathToFileURL(join(dir, "op-1.lua")))).toThrow(
      `Lua include "gone.lua" not found: ${join(dir, "includes", "helper.lua")} line 2 includes it`,
    );
  });
});
