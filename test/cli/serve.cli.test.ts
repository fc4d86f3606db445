/**
 * `holdfast serve` as a person or a container starts it: a banner on a terminal and JSON lines
 * elsewhere, `.env` read (the environment wins), no request lines for health probes, and startup
 * errors that name their cause and fix. It runs inside the test process (see startHoldfastInProcess),
 * but on a terminal: a real process on a pseudo-terminal, stopped by SIGINT.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { holdfastInProcess, startHoldfast, startHoldfastInProcess, type RunningCli } from "../support/cli.js";
import { PrivateRedis, freePort } from "../support/redis-server.js";

const hasRedis = inject("redisPort") !== null;
const PASSWORD = "pw-never-printed";

/** A fresh working directory (for .env and the keys file) and an environment without Redis. */
function workdir(): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "holdfast-serve-"));
  dirs.push(dir);
  return {
    dir,
    env: {
      REDIS_URL: "",
      HOLDFAST_LOG_LEVEL: "info",
      HOLDFAST_PREFIX: "",
      HOLDFAST_KEYS_FILE: join(dir, "keys.json"),
      NO_COLOR: "1",
    },
  };
}
const dirs: string[] = [];
const running: RunningCli[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("holdfast serve", { timeout: 120_000 }, () => {
  it("off a terminal: JSON lines, .env read under the environment, no request lines for probes", async () => {
    const { dir, env } = workdir();
    const port = await freePort();
    writeFileSync(join(dir, ".env"), `PORT=${port}\nHOLDFAST_PREFIX=from-file:\n# a comment\n`);
    const serve = startHoldfastInProcess(["serve"], { ...env, HOLDFAST_PREFIX: "from-env:" }, { cwd: dir });
    running.push(serve);
    await serve.waitFor(/"read \.env"/);
    const url = `http://127.0.0.1:${port}`;
    for (const path of ["/healthz", "/readyz", "/metrics", "/healthz?x=1"]) {
      expect((await fetch(url + path)).status).toBeLessThan(500);
    }
    expect((await fetch(`${url}/no-such-route`)).status).toBe(404);
    await serve.waitFor(/"request completed"/);
    await serve.stop();
    const lines = serve
      .output()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === "read .env")).toMatchObject({
      applied: ["PORT"],
      kept: ["HOLDFAST_PREFIX"],
    });
    expect(lines.some((l) => String(l.msg).startsWith(`Holdfast listening on ${url}`))).toBe(true);
    const requests = lines
      .filter((l) => l.msg === "incoming request")
      .map((l) => (l.req as { url: string }).url);
    expect(requests).toEqual(["/no-such-route"]);
  });

  it.runIf(hasRedis)(
    "on a terminal: a banner with the URL, the store without its password, auth and docs",
    async () => {
      const redis = await PrivateRedis.start();
      try {
        spawnSync("redis-cli", ["-p", String(redis.port), "CONFIG", "SET", "requirepass", PASSWORD]);
        const { dir, env } = workdir();
        const port = await freePort();
        const serve = startHoldfast(
          ["serve", "--port", String(port)],
          { ...env, REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}/0`, HOLDFAST_PREFIX: "banner:" },
          { cwd: dir, tty: true },
        );
        running.push(serve);
        await serve.waitFor(/Ctrl-C stops/);
        // The log line after the banner may reach the terminal in a later write than the banner's
        // end: wait for it (under load it arrived after the output was read, and the test failed).
        await serve.waitFor(/Ctrl-C stops[\s\S]*WARN +NO API KEYS CONFIGURED/);
        const out = serve.output();
        expect(out).toMatch(/Holdfast \d+\.\d+\.\d+ ready in \d+\.\d s/);
        expect(out).toContain(`URL        http://127.0.0.1:${port}`);
        expect(out).toContain(`API docs   http://127.0.0.1:${port}/docs`);
        expect(out).toContain(`Store      Redis standalone at redis://:***@127.0.0.1:${redis.port}/0`);
        expect(out).toMatch(/Auth {7}open to this machine only: no API keys yet/);
        // Human log lines after the banner, not JSON.
        expect(out.slice(out.indexOf("Ctrl-C stops"))).toMatch(/\d\d:\d\d:\d\d WARN +NO API KEYS CONFIGURED/);
        await serve.stop();
        expect(serve.output()).not.toContain(PASSWORD);
      } finally {
        await redis.stop();
      }
    },
  );

  describe("startup errors name the cause and the fix", () => {
    let blocker: Server;
    let taken: number;
    beforeAll(async () => {
      taken = await freePort();
      blocker = createServer();
      await new Promise<void>((r) => blocker.listen(taken, "127.0.0.1", r));
    });
    afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

    it("a port in use, a bad level, a bad --port and a bad --limit", async () => {
      const { dir, env } = workdir();
      const [inUse, level, port, limit] = await Promise.all([
        holdfastInProcess(["serve", "--port", String(taken)], env, { cwd: dir }),
        holdfastInProcess(["serve"], { ...env, HOLDFAST_LOG_LEVEL: "verbose" }, { cwd: dir }),
        holdfastInProcess(["serve", "--port", "abc"], env, { cwd: dir }),
        holdfastInProcess(["locks", "ls", "--limit", "abc"], env, { cwd: dir }),
      ]);
      expect(inUse.code).toBe(2);
      expect(inUse.stderr).toMatch(new RegExp(`port ${taken} is taken .*; set PORT or --port`));
      expect(level.code).toBe(2);
      expect(level.stderr).toMatch(
        /Invalid HOLDFAST_LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent; got "verbose"/,
      );
      expect(port.stderr).toMatch(/--port must be an integer from 0 to 65535, got "abc"/);
      expect(limit.code).toBe(2);
      expect(limit.stderr).toMatch(/--limit must be an integer from 1 to 10000, got "abc"/);
    });

    it.runIf(hasRedis)("a wrong Redis password, at once, in serve and in doctor alike", async () => {
      const redis = await PrivateRedis.start();
      try {
        spawnSync("redis-cli", ["-p", String(redis.port), "CONFIG", "SET", "requirepass", PASSWORD]);
        const { dir, env } = workdir();
        const bad = { ...env, REDIS_URL: `redis://:wrong-${PASSWORD}@127.0.0.1:${redis.port}` };
        const [serve, doctor] = await Promise.all([
          holdfastInProcess(["serve", "--port", String(await freePort())], bad, { cwd: dir }),
          holdfastInProcess(["doctor"], bad, { cwd: dir }),
        ]);
        expect(serve.code).toBe(3);
        expect(serve.stderr).toMatch(/rejected the username or password \(WRONGPASS/);
        expect(serve.stderr).toMatch(/Check REDIS_PASSWORD/);
        expect(serve.stderr).not.toMatch(/not ready within/);
        expect(doctor.code).toBe(2);
        expect(doctor.stdout).toMatch(/FAIL connection +cannot reach .*WRONGPASS/);
        expect(doctor.stdout).toMatch(/fix: Check REDIS_PASSWORD/);
        for (const out of [serve.stdout, serve.stderr, doctor.stdout, doctor.stderr])
          expect(out).not.toContain(PASSWORD);
      } finally {
        await redis.stop();
      }
    });
  });
});
