import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadDotEnv } from "../../src/util/dotenv.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";

const dir = mkdtempSync(join(tmpdir(), "holdfast-dotenv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loadDotEnv", () => {
  it("sets what the environment lacks and keeps what it has, even an empty value", () => {
    const path = join(dir, "a.env");
    writeFileSync(
      path,
      "# seed settings\nREDIS_URL=redis://10.0.0.5:6379\nPORT=4100\nLOCK_TTL=\"120000\"\nEMPTY_IN_ENV=from-file\nQUOTED='a b # c'\n",
    );
    const env: NodeJS.ProcessEnv = { PORT: "5000", EMPTY_IN_ENV: "" };
    const r = loadDotEnv({ path, env });
    expect(r).toEqual({
      path,
      found: true,
      applied: ["LOCK_TTL", "QUOTED", "REDIS_URL"],
      kept: ["EMPTY_IN_ENV", "PORT"],
    });
    expect(env).toEqual({
      PORT: "5000",
      EMPTY_IN_ENV: "",
      REDIS_URL: "redis://10.0.0.5:6379",
      LOCK_TTL: "120000",
      QUOTED: "a b # c",
    });
  });

  it("does nothing without a file", () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadDotEnv({ path: join(dir, "missing.env"), env })).toMatchObject({ found: false, applied: [] });
    expect(env).toEqual({});
  });

  it("reads .env in the working directory by default", () => {
    const cwd = process.cwd();
    const here = join(dir, "cwd");
    mkdirSync(here);
    writeFileSync(join(here, ".env"), "HOLDFAST_DOTENV_TEST=1\n");
    process.chdir(here);
    try {
      const env: NodeJS.ProcessEnv = {};
      expect(loadDotEnv({ env }).applied).toEqual(["HOLDFAST_DOTENV_TEST"]);
    } finally {
      process.chdir(cwd);
    }
  });

  it("refuses a file it cannot read, naming it", () => {
    expect(() => loadDotEnv({ path: dir, env: {} })).toThrow(InvalidArgumentError);
    expect(() => loadDotEnv({ path: dir, env: {} })).toThrow(/Invalid \.env: cannot read .*EISDIR/);
  });
});
