/**
 * Every example reads `.env` (and `.env.local`) from its working directory at start, as its seed's
 * users expect, through the package's public `loadDotEnv`; the environment wins over the files.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/redis-server.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const examples = join(root, "examples");
const dir = mkdtempSync(join(tmpdir(), "holdfast-example-env-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("examples and .env", () => {
  it("every example's server.ts reads its .env files (loadExampleEnv) before it reads the environment", () => {
    const servers = readdirSync(examples, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== "support")
      .map((d) => join(examples, d.name, "server.ts"));
    expect(servers).toHaveLength(5);
    for (const file of servers) {
      // The code without its comments.
      const text = readFileSync(file, "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "");
      const call = text.indexOf("loadExampleEnv(");
      expect(call, file).toBeGreaterThan(0);
      const firstRead = Math.min(
        ...["process.env", "createStore(", 'redis-client.js"']
          .map((s) => text.indexOf(s))
          .filter((i) => i >= 0),
      );
      expect(call, `${file}: loadExampleEnv() comes first`).toBeLessThan(firstRead);
    }
  });

  // Starts the example's server as a process, from its TypeScript sources.
  it("the appointments example listens on the PORT of its .env, and the environment's LOCK_TTL wins", async () => {
    const port = await freePort();
    // LOCK_TTL=abc would stop it: it starts only if the environment's value is the one used.
    writeFileSync(join(dir, ".env"), `PORT=${port}\nLOCK_TTL=abc\n`);
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOCK_TTL: "60000",
      REDIS_URL: "",
      HOLDFAST_LOG_LEVEL: "warn",
      // tsx looks for tsconfig.json (whose `paths` map `holdfast` to src/) in the working directory,
      // and this one has none: without it `holdfast` would resolve to a leftover dist/, or to nothing.
      TSX_TSCONFIG_PATH: join(root, "tsconfig.json"),
    };
    delete env.PORT;
    const child = spawn(process.execPath, ["--import", tsx, join(examples, "appointment-locks/server.ts")], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    try {
      const deadline = Date.now() + 60_000;
      let status = 0;
      while (Date.now() < deadline && child.exitCode === null) {
        status = await fetch(`http://127.0.0.1:${port}/api/locks/health`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(status, output).toBe(200);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  }, 60_000);
});
