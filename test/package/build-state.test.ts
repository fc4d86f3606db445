/** npm start builds only when a source is newer than the last build (scripts/build.mjs). */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = mkdtempSync(join(tmpdir(), "holdfast-build-state-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const staleReason = (): string =>
  execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { staleReason } from ${JSON.stringify(pathToFileURL(join(process.cwd(), "scripts/build.mjs")).href)};
       console.log(staleReason(${JSON.stringify(root)}) ?? "up to date");`,
    ],
    { encoding: "utf8" },
  ).trim();

const at = (path: string, secondsAgo: number) => {
  const t = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(join(root, path), t, t);
};

describe("staleReason", () => {
  it("says why dist/ must be built, and nothing once it is up to date", () => {
    mkdirSync(join(root, "src/lock"), { recursive: true });
    writeFileSync(join(root, "src/lock/locks.ts"), "");
    writeFileSync(join(root, "tsconfig.json"), "{}");
    expect(staleReason()).toBe("dist/ has not been built yet");

    mkdirSync(join(root, "dist/cli"), { recursive: true });
    writeFileSync(join(root, "dist/cli/main.js"), "");
    writeFileSync(join(root, "dist/.build-stamp"), "");
    at("src/lock/locks.ts", 60);
    at("tsconfig.json", 60);
    at("dist/.build-stamp", 30);
    expect(staleReason()).toBe("up to date");

    at("src/lock/locks.ts", 10);
    expect(staleReason()).toBe("src/lock/locks.ts changed since the last build");
    at("src/lock/locks.ts", 60);
    at("tsconfig.json", 5);
    expect(staleReason()).toBe("tsconfig.json changed since the last build");
  });
});
