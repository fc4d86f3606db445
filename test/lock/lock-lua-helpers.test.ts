/**
 * The shared Lua helpers of the lock scripts (src/lock/scripts/includes), run on Redis on chosen
 * inputs, against the plain expressions they replace: `time_us` gives the string
 * `string.format('%.0f', now_us)` gives for every TIME reply (microseconds of any length), and
 * `held_by` answers as `string.sub(v, 1, #token + 1) == token .. '\n'` (never a match later in the
 * value, a shorter or longer token, or a closed name). And every lock script includes exactly the
 * helpers it calls: each `local function` is a closure Redis builds on every call of the script.
 */
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadLua, scriptFromSource } from "../../src/store/script.js";
import type { RawReply, Store } from "../../src/store/index.js";
import { makeStore } from "../support/stores.js";

const include = (file: string) =>
  readFileSync(new URL(`../../src/lock/scripts/includes/${file}`, import.meta.url), "utf8");

const unused = () => {
  throw new Error("Redis only");
};

const scriptsDir = new URL("../../src/lock/scripts/", import.meta.url);

describe("lock Lua helpers", () => {
  it("every lock script defines each helper it calls, and no helper it does not call", () => {
    const helpers = new Set(
      readdirSync(new URL("includes/", scriptsDir)).flatMap((f) =>
        [...include(f).matchAll(/local function (\w+)/g)].map((m) => m[1]),
      ),
    );
    const scripts = readdirSync(scriptsDir).filter((f) => f.endsWith(".lua"));
    expect(scripts.length).toBeGreaterThan(5);
    for (const file of scripts) {
      const lua = loadLua(new URL(file, scriptsDir));
      const defined = new Set([...lua.matchAll(/local function (\w+)/g)].map((m) => m[1]));
      const calls = (name: string) => lua.split(`${name}(`).length - 1 - (defined.has(name) ? 1 : 0);
      for (const name of helpers) {
        if (calls(name) > 0)
          expect(defined.has(name), `${file} calls ${name} without including it`).toBe(true);
        // Each helper is a closure Redis builds on every call of the script.
        if (defined.has(name))
          expect(calls(name), `${file} includes ${name} but never calls it`).toBeGreaterThan(0);
      }
    }
  });
});

describe("lock Lua helpers [redis]", () => {
  let store: Store;
  beforeAll(async () => {
    store = await makeStore("redis");
  });
  afterAll(async () => {
    await store?.close();
  });
  const run = (lua: string, args: string[]) =>
    store.run(scriptFromSource<string[], RawReply>("probe", 0, lua, unused), [], args);

  it("time_us: the decimal string of the time in µs, as string.format('%.0f') writes it", async () => {
    const lua = `${include("fence.lua")}
local out = {}
for i = 1, #ARGV, 2 do
  local now_us, s = time_us({ ARGV[i], ARGV[i + 1] })
  out[#out + 1] = s
  out[#out + 1] = string.format('%.0f', now_us)
  out[#out + 1] = string.format('%.0f', tonumber(ARGV[i]) * 1000000 + tonumber(ARGV[i + 1]))
end
return out`;
    const times = ["1796579310", "0", "1796579310", "7", "1796579310", "99999", "1796579310", "100000"];
    times.push("1796579310", "999999", "4102444800", "123456", "1", "5", "1", "500000");
    const reply = (await run(lua, times)) as string[];
    for (let i = 0; i < reply.length; i += 3) {
      expect(reply[i], `time ${times[(i / 3) * 2]}.${times[(i / 3) * 2 + 1]}`).toBe(reply[i + 1]);
      expect(reply[i]).toBe(reply[i + 2]);
    }
    expect(reply[0]).toBe("1796579310000000");
    expect(reply[3]).toBe("1796579310000007");
    expect(reply[12]).toBe("1796579310999999");
  });

  it("held_by: the value starts with the token and a newline, nothing else", async () => {
    const lua = `${include("lock-owner.lua")}
local v = ARGV[1]
if v == 'absent' then v = false end
local plain = v and string.sub(v, 1, #ARGV[2] + 1) == ARGV[2] .. '\\n'
return { held_by(v, ARGV[2]) and 1 or 0, plain and 1 or 0 }`;
    const cases: [value: string, token: string, held: 0 | 1][] = [
      ["tok\n12\nmeta", "tok", 1],
      ["tok\n12\n", "tok", 1],
      ["tok\n12\nmeta", "to", 0],
      ["tok\n12\nmeta", "tokk", 0],
      ["tokX\n12\nmeta", "tok", 0],
      ["other\n12\ntok\nx", "tok", 0],
      ["abc\n12\nabc\n", "abc\n12", 1],
      ["\n12\nclosed", "tok", 0],
      ["absent", "tok", 0],
      ["tok", "tok", 0],
      ["x-tok\n1\n", "tok", 0],
    ];
    for (const [value, token, held] of cases)
      expect(await run(lua, [value, token]), JSON.stringify([value, token])).toEqual([held, held]);
  });
});
