/**
 * The seeds' own configuration, run as their users would (issue 17 §3): settings in `.env` /
 * `.env.local` (the environment wins, then `.env.local`), each seed's variable names
 * (`QUEUE_REDIS_URL`, `WEBSOCKET_PORT`, seed 004's `.env` with a variable Holdfast refuses, said
 * loudly), and a busy port explained in a sentence. The apps run as child processes started the
 * way `npm run example:*` starts them, from a working directory holding the files.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Redis } from "ioredis";
import WebSocket from "ws";
import { freePort, PrivateRedis } from "../support/redis-server.js";
import { describeEnvFiles, loadExampleEnv, originOf } from "../../examples/support/env.js";
import { aliasVariable, EXAMPLE_PORTS, intSetting, StartupError } from "../../examples/support/startup.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const hasRedis = inject("redisPort") !== null;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A working directory holding the given files (removed after the file's tests). */
function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "holdfast-example-config-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The code of a file without its comments. */
const code = (file: string) =>
  readFileSync(join(ROOT, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");

describe("examples read .env.local and .env at start", () => {
  it("every entry point loads the files before anything reads the environment", () => {
    const entries = [
      "examples/restaurant-booking/server.ts",
      "examples/flash-sale/server.ts",
      "examples/flash-sale/verify.ts",
      "examples/flash-sale/demo.ts",
      "examples/threading-service/server.ts",
      "examples/task-routing/server.ts",
      "examples/appointment-locks/server.ts",
    ];
    for (const file of entries) {
      const text = code(file);
      const load = text.indexOf("loadExampleEnv()");
      expect(load, file).toBeGreaterThan(0);
      const reads = ["process.env", "createStore(", "redis-client.js"]
        .map((s) => text.indexOf(s, text.indexOf("\n", text.lastIndexOf("import "))))
        .filter((i) => i >= 0);
      expect(load, `${file}: loadExampleEnv() comes first`).toBeLessThan(Math.min(...reads));
    }
    // redis-client.js connects when loaded (as the seed's module did): imported after the files.
    expect(code("examples/threading-service/server.ts")).not.toMatch(/^import .*redis-client/m);
  });

  it("takes the environment over .env.local over .env, names only, and reports the files it skips", () => {
    const dir = workdir({
      ".env": "A=from-env-file\nB=from-env-file\nC=from-env-file\n# a comment\nexport D='quoted value'\n",
      ".env.local": "B=from-local\nC=from-local\n",
      ".env.development": "E=never\n",
    });
    const env: NodeJS.ProcessEnv = { C: "from-environment", EMPTY: "" };
    writeFileSync(join(dir, ".env"), readFileSync(join(dir, ".env"), "utf8") + "EMPTY=filled\n");
    const report = loadExampleEnv({ cwd: dir, env });
    expect(env).toEqual({
      A: "from-env-file",
      B: "from-local",
      C: "from-environment",
      D: "quoted value",
      EMPTY: "", // set, even empty: the environment wins
    });
    expect(report.files.map((f) => [f.applied, f.kept])).toEqual([
      [["B"], ["C"]],
      [
        ["A", "D"],
        ["B", "C", "EMPTY"],
      ],
    ]);
    expect(describeEnvFiles(report)).toEqual([
      "Read .env.local: set B; kept C as already set.",
      "Read .env: set A, D; kept B, C, EMPTY as already set.",
      "Not read: .env.development (only .env.local and .env are; move its settings there).",
    ]);
    expect(originOf("B")).toBe(".env.local");
    expect(originOf("A")).toBe(".env");
    expect(loadExampleEnv({ cwd: workdir({}), env: {} }).files.every((f) => !f.found)).toBe(true);
  });

  it("refuses a setting that is not a number, and two names of one setting that disagree", () => {
    expect(() => intSetting({ LOCK_TTL: "2min" }, "LOCK_TTL", 120_000, { unit: "ms" })).toThrow(
      new StartupError(
        'LOCK_TTL must be a whole number of ms from 1 to 2147483647, got "2min" (from the environment). Fix it or unset it to use 120000.',
      ),
    );
    const env: NodeJS.ProcessEnv = { QUEUE_REDIS_URL: "redis://a:6379" };
    expect(aliasVariable(env, "QUEUE_REDIS_URL", "REDIS_URL")).toBe("QUEUE_REDIS_URL");
    expect(env.REDIS_URL).toBe("redis://a:6379");
    expect(() =>
      aliasVariable({ WS_PORT: "3001", WEBSOCKET_PORT: "3002" }, "WS_PORT", "WEBSOCKET_PORT"),
    ).toThrow(/both set, to different values/);
  });

  it("lists every app's ports in examples/README.md", () => {
    const readme = readFileSync(join(ROOT, "examples/README.md"), "utf8");
    for (const p of EXAMPLE_PORTS)
      expect(readme, `${p.app} ${p.variable}`).toMatch(
        new RegExp(`\\| \\[${p.app}\\][^\\n]*\\|[^\\n]*\`${p.variable}\` ${p.port}\\b`),
      );
  });
});

/** An example started as `npm run example:*` does (tsx), from `cwd`. */
class Example {
  output = "";
  readonly exited: Promise<number | null>;
  private constructor(readonly child: ChildProcess) {
    child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.once("exit", (c) => resolve(c)));
  }

  static start(entry: string, cwd: string, env: NodeJS.ProcessEnv): Example {
    const childEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOLDFAST_LOG_LEVEL: "info",
      // tsx finds tsconfig.json (which maps `holdfast` to src/) from the working directory: these
      // run from a folder of their own.
      TSX_TSCONFIG_PATH: join(ROOT, "tsconfig.json"),
      ...env,
    };
    const tsx = join(ROOT, "node_modules/tsx/dist/cli.mjs");
    return new Example(
      spawn(process.execPath, [tsx, join(ROOT, entry)], {
        cwd,
        env: childEnv,
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
  }

  /** Waits until `url` answers (any status), or the process ends. */
  async ready(url: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`exited ${this.child.exitCode}:\n${this.output}`);
      if (
        await fetch(url).then(
          () => true,
          () => false,
        )
      )
        return;
      await sleep(100);
    }
    throw new Error(`${url} never answered:\n${this.output}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    await this.exited;
  }
}

const post = async (url: string, body: unknown) => {
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};

describe.runIf(hasRedis)("the seeds' configuration, as written, in the apps", { timeout: 90_000 }, () => {
  let redis: PrivateRedis;
  const running: Example[] = [];
  const start = (entry: string, cwd: string, env: NodeJS.ProcessEnv) => {
    const e = Example.start(entry, cwd, env);
    running.push(e);
    return e;
  };
  const keys = async (pattern: string): Promise<number> => {
    const c = new Redis(redis.port, "127.0.0.1");
    try {
      let [cursor, n] = ["0", 0];
      do {
        const [next, found] = await c.scan(cursor, "MATCH", pattern, "COUNT", 1000);
        [cursor, n] = [next, n + found.length];
      } while (cursor !== "0");
      return n;
    } finally {
      c.disconnect();
    }
  };

  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterAll(async () => {
    await Promise.all(running.map((e) => e.stop()));
    await redis?.stop();
  });

  it.concurrent("seed 000: QUEUE_REDIS_URL in .env.local puts the pipeline on Redis", async () => {
    const port = await freePort();
    const dir = workdir({
      // .env.local wins over .env; the environment's PORT over both.
      ".env": `QUEUE_REDIS_URL=redis://127.0.0.1:1\nPORT=not-a-port\n`,
      ".env.local": `QUEUE_REDIS_URL=redis://localhost:${redis.port}\n`,
    });
    mkdirSync(join(dir, ".holdfast"));
    const app = start("examples/restaurant-booking/server.ts", dir, { PORT: String(port) });
    await app.ready(`http://127.0.0.1:${port}/healthz`);
    const booked = await post(`http://127.0.0.1:${port}/api/bookings`, {
      restaurant_id: "5746c074-3c20-4876-a9af-b63bb13a0772",
      booking_date: "2025-11-20",
      start_time: "19:00",
      party_size: 4,
      customer_name: "Test User",
      customer_email: "test@example.com",
      customer_phone: "+1234567890",
    });
    expect(booked.status, app.output).toBe(201);
    expect(await keys(`holdfast:machine:{assignment:${booked.body.booking.id}}`)).toBe(1);
    expect(app.output).toContain("Read .env.local: set QUEUE_REDIS_URL.");
    expect(app.output).toContain("Read .env: set nothing; kept PORT, QUEUE_REDIS_URL as already set.");
    expect(app.output).not.toContain("embedded memory store");
  });

  it.concurrent("seed 003: REDIS_HOST/REDIS_PORT and WEBSOCKET_PORT from .env.local", async () => {
    const [port, wsPort] = [await freePort(), await freePort()];
    const dir = workdir({
      // The seed's block, as written, but for the ports.
      ".env.local": [
        "# Redis Configuration",
        "REDIS_HOST=127.0.0.1",
        `REDIS_PORT=${redis.port}`,
        "REDIS_PASSWORD=              # Leave empty for local dev",
        "",
        "# WebSocket Server",
        `WEBSOCKET_PORT=${wsPort}`,
        "",
      ].join("\n"),
    });
    const app = start("examples/task-routing/server.ts", dir, { PORT: String(port) });
    await app.ready(`http://127.0.0.1:${port}/healthz`);
    const ws = new WebSocket(`ws://localhost:${wsPort}`);
    try {
      const frames: Record<string, any>[] = [];
      ws.on("message", (d) => frames.push(JSON.parse(String(d)) as Record<string, any>));
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      ws.send(JSON.stringify({ type: "subscribe", channel: "task:routing" }));
      while (!frames.some((f) => f.type === "ack")) await sleep(20);
      const routed = await post(`http://127.0.0.1:${port}/api/routing/test`, { text: "hello there" });
      expect(routed.body.live, app.output).toMatchObject({ published: true, statsRecorded: true });
      while (!frames.some((f) => f.type === "message")) await sleep(20);
      expect(await keys("holdfast:*task:routing*")).toBeGreaterThan(0);
    } finally {
      ws.terminate();
    }
  });

  it.concurrent("seed 004: its .env as written, and a variable it cannot honour said loudly", async () => {
    const port = await freePort();
    const dir = workdir({
      ".env": [
        "# Redis Configuration",
        "REDIS_HOST=localhost",
        `REDIS_PORT=${redis.port}`,
        "REDIS_PASSWORD=",
        "REDIS_DB=0",
        "",
        "# Lock TTL (milliseconds)",
        "LOCK_TTL=90000",
        "LOCK_REFRESH_INTERVAL=20000",
        "REDIS_MAX_RETRY_PER_REQUEST=3",
        "REDIS_CONNECT_TIMEOUT=10000",
        `PORT=${port}`,
        "",
      ].join("\n"),
    });
    const app = start("examples/appointment-locks/server.ts", dir, {});
    await app.ready(`http://localhost:${port}/api/locks/health`);
    const locked = await post(`http://localhost:${port}/api/locks/acquire`, {
      tenantId: "test-tenant",
      resourceId: "specialist-1",
      date: "2025-03-10",
      startTime: "14:00",
      duration: 60,
    });
    expect(locked.body).toMatchObject({ success: true, locked: true, expiresIn: 90_000 });
    expect(await keys("holdfast:lock*specialist-1*")).toBeGreaterThan(0);
    expect(app.output).toMatch(
      /⚠ {2}REDIS_MAX_RETRY_PER_REQUEST=3 \(from \.env\) is NOT supported and is ignored: Holdfast never sends a command twice/,
    );
  });

  it.concurrent("seed 001: REDIS_URL in .env, then its `npm run verify`", async () => {
    const dir = workdir({ ".env": `REDIS_URL=redis://127.0.0.1:${redis.port}\n` });
    const verify = start("examples/flash-sale/verify.ts", dir, {});
    expect(await verify.exited, verify.output).toBe(0);
    expect(verify.output).toContain("Read .env: set REDIS_URL.");
    expect(verify.output).toContain("✓ connected: redis (standalone)");
  });

  it.concurrent("a busy port is one sentence naming the port, its variable and a way out", async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const taken = (busy.address() as { port: number }).port;
    const dir = workdir({});
    try {
      const restaurant = start("examples/restaurant-booking/server.ts", dir, { PORT: String(taken) });
      const routing = start("examples/task-routing/server.ts", dir, {
        PORT: String(await freePort()),
        WEBSOCKET_PORT: String(taken),
      });
      expect(await restaurant.exited).toBe(1);
      expect(await routing.exited).toBe(1);
      expect(restaurant.output).toMatch(
        new RegExp(
          `✗ Cannot start restaurant-booking: port ${taken} on 127\\.0\\.0\\.1 is already in use \\(PORT, its API and booking page\\)\\..* choose another port, e\\.g\\. PORT=\\d+ npm run example:restaurant\\.`,
        ),
      );
      expect(routing.output).toMatch(
        new RegExp(
          `✗ Cannot start task-routing: port ${taken} on 127\\.0\\.0\\.1 is already in use \\(WEBSOCKET_PORT`,
        ),
      );
      for (const out of [restaurant.output, routing.output]) {
        expect(out).not.toMatch(/EADDRINUSE|\n\s+at /);
      }
    } finally {
      busy.close();
    }
  });
});
