/**
 * `import "holdfast"` is for library users: it must not load the service (fastify, zod's route
 * schemas), the CLI (commander), the WebSocket server (ws) or ioredis before a Redis store is made,
 * and the library logs nothing at info unless it was given a logger.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "holdfast-imports-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Environment of a child process without the test run's HOLDFAST_LOG_LEVEL=silent. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!("HOLDFAST_LOG_LEVEL" in extra)) delete env.HOLDFAST_LOG_LEVEL;
  return env;
}

/** Runs `code` (an ES module, from the repository root) with tsx; returns its output. */
async function node(code: string, env: NodeJS.ProcessEnv, preload: string[] = []) {
  const file = join(dir, `run-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(file, code);
  try {
    return await run(process.execPath, [...preload, "--import", "tsx", file], { env, cwd: process.cwd() });
  } finally {
    rmSync(file, { force: true });
  }
}

/** The packages an ES import of `entry` (a path from the repository root) resolved from node_modules. */
async function packagesLoadedBy(entry: string): Promise<Set<string>> {
  const log = join(dir, `imports-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, "");
  const recorder = join(process.cwd(), "test/fixtures/import-recorder/register.mjs");
  await node(
    `await import(${JSON.stringify(join(process.cwd(), entry))});`,
    childEnv({ HOLDFAST_IMPORT_LOG: log }),
    ["--import", recorder],
  );
  const names = new Set<string>();
  for (const url of readFileSync(log, "utf8").split("\n").filter(Boolean)) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) names.add(m[1]);
  }
  return names;
}

const SERVICE_ONLY = ["fastify", "@fastify/cors", "zod", "commander", "ws", "pino", "pino-pretty", "ioredis"];

describe('import "holdfast"', () => {
  it("loads none of the service's, the CLI's or the Redis client's packages", async () => {
    const loaded = await packagesLoadedBy("src/index.ts");
    expect(loaded.has("prom-client")).toBe(true); // the recorder sees the library's own dependencies
    for (const name of SERVICE_ONLY) expect(loaded.has(name), `${name} was loaded`).toBe(false);
  });

  it("while holdfast/server does load the service", async () => {
    const loaded = await packagesLoadedBy("src/server/index.ts");
    expect(loaded.has("fastify")).toBe(true);
    expect(loaded.has("zod")).toBe(true);
  });
});

const createAndUse = (redisPort: number | null) => `
import { createStore, createLocks } from ${JSON.stringify(join(process.cwd(), "src/index.ts"))};
const store = await createStore(${redisPort === null ? "" : `{ redis: { host: "127.0.0.1", port: ${redisPort} }, checkServer: false }`});
const locks = createLocks(store);
await locks.release(await locks.acquire("quiet"));
await store.close();
console.log("done on " + store.kind);
`;

describe("the library without a logger", () => {
  const port = inject("redisPort");
  for (const target of ["memory", "redis"] as const) {
    it.runIf(target === "memory" || port !== null)(
      `logs nothing at info on the ${target} store`,
      async () => {
        const quiet = await node(createAndUse(target === "memory" ? null : port), childEnv());
        expect(quiet.stdout.trim()).toBe(`done on ${target}`);
        expect(quiet.stderr).toBe("");
        // HOLDFAST_LOG_LEVEL=info brings the info lines back, as JSON on stderr.
        const chatty = await node(
          createAndUse(target === "memory" ? null : port),
          childEnv({ HOLDFAST_LOG_LEVEL: "info" }),
        );
        const lines = chatty.stderr
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { level: number; msg: string });
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.every((l) => l.level === 30)).toBe(true);
        expect(lines.map((l) => l.msg).join("\n")).toMatch(
          target === "memory" ? /embedded memory store/ : /Redis: connected and ready/,
        );
      },
    );
  }

  it("refuses an invalid HOLDFAST_LOG_LEVEL, naming the variable and the levels", async () => {
    const r = await node(createAndUse(null), childEnv({ HOLDFAST_LOG_LEVEL: "verbose" })).catch(
      (e: { stderr: string }) => e,
    );
    expect(r.stderr).toMatch(
      /Invalid HOLDFAST_LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent; got "verbose"/,
    );
  });
});
