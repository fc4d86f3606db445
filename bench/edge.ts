/**
 * The service's edge under abuse (issue 13), measured on `holdfast serve` running as a separate
 * process, as an operator would run it:
 *
 *   npm run bench:edge                 # all three
 *   npm run bench:edge -- auth-flood   # 200,000 unauthenticated requests with random key ids
 *   npm run bench:edge -- budget       # the embedded store at its budget
 *   npm run bench:edge -- readyz       # /readyz latency with Redis down
 *
 * auth-flood: a keys-mode server (memory store, one admin key, one operator key) gets
 *   AUTH_FLOOD_REQUESTS (default 200,000) requests `GET /v1/locks/x` with `Authorization: Bearer
 *   hf_<random 12 hex>_<random secret>` at concurrency 64; every one must be a 401. The server's
 *   RSS (from /proc) and V8 heap (its own /metrics, read with the operator key, after a forced
 *   pause) are printed every 50,000 requests: flat means the key cache is bounded.
 * budget: a server with HOLDFAST_MAX_MEMORY_BYTES=64 MiB is filled with locks (with metadata) over
 *   HTTP until a write is refused; then refused writes, reads and releases are counted and timed.
 * readyz: a server on a private Redis; Redis is killed; 50 probes of /readyz, p50 and max.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PrivateRedis, freePort } from "./support/redis-server.js";
import { envInt } from "./support/env.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server {
  proc: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

function cli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn("node", ["bin/holdfast.js", ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`holdfast ${args.join(" ")}: ${code}`)),
    );
  });
}

async function serve(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const proc = spawn("node", ["bin/holdfast.js", "serve"], {
    cwd: ROOT,
    env: { ...process.env, HOLDFAST_LOG_LEVEL: "warn", PORT: String(port), ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      return {
        proc,
        url,
        stop: async () => {
          const exited = new Promise((r) => proc.once("exit", r));
          proc.kill("SIGTERM");
          await exited;
        },
      };
    }
    await sleep(100);
  }
  proc.kill("SIGKILL");
  throw new Error("holdfast serve did not start");
}

/** Runs `total` requests from `make` at `concurrency`; `check` sees each status. */
async function flood(
  total: number,
  concurrency: number,
  make: (i: number) => [string, RequestInit],
  check: (status: number) => void,
  every?: { n: number; then: (done: number) => Promise<void> },
) {
  let next = 0;
  let done = 0;
  let pause: Promise<void> | undefined;
  const worker = async () => {
    for (;;) {
      if (pause) await pause;
      const i = next++;
      if (i >= total) return;
      const [url, init] = make(i);
      const r = await fetch(url, init);
      await r.arrayBuffer();
      check(r.status);
      done++;
      if (every && done % every.n === 0) pause = every.then(done).finally(() => (pause = undefined));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1];
  return Number(kb) / 1024;
}

async function heapMb(url: string, key: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).text();
  return Number(/^nodejs_heap_size_used_bytes (\d+)/m.exec(text)![1]) / 1024 / 1024;
}

async function authFlood(): Promise<void> {
  const total = envInt("AUTH_FLOOD_REQUESTS", 200_000, 1);
  const dir = mkdtempSync(join(tmpdir(), "holdfast-bench-"));
  const env = { HOLDFAST_KEYS_FILE: join(dir, "keys.json"), REDIS_URL: "" };
  try {
    await cli(["keys", "create", "--role", "admin", "--tenant", "acme", "--json"], env);
    const op = JSON.parse(await cli(["keys", "create", "--role", "operator", "--json"], env)) as {
      key: string;
    };
    const server = await serve(env);
    try {
      const rows: string[][] = [];
      const sample = async (done: number) => {
        await sleep(1500); // let the server settle (and collect) before reading its memory
        rows.push([
          String(done),
          rssMb(server.proc.pid!).toFixed(1),
          (await heapMb(server.url, op.key)).toFixed(1),
        ]);
      };
      await sample(0);
      let non401 = 0;
      const t0 = Date.now();
      await flood(
        total,
        64,
        () => [
          `${server.url}/v1/locks/x`,
          {
            headers: {
              authorization: `Bearer hf_${randomBytes(6).toString("hex")}_${randomBytes(32).toString("base64url")}`,
            },
          },
        ],
        (s) => void (s !== 401 && non401++),
        { n: 50_000, then: sample },
      );
      const secs = (Date.now() - t0) / 1000;
      console.log(
        `\nauth-flood: ${total} requests with random well-formed key ids, ${(total / secs).toFixed(0)} req/s, non-401 answers: ${non401}`,
      );
      console.log("| requests | server RSS (MB) | server heap used (MB) |\n|---:|---:|---:|");
      for (const r of rows) console.log(`| ${r.join(" | ")} |`);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function budget(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "holdfast-bench-"));
  const maxBytes = 64 * 1024 * 1024;
  const env = {
    HOLDFAST_KEYS_FILE: join(dir, "keys.json"),
    REDIS_URL: "",
    HOLDFAST_MAX_MEMORY_BYTES: String(maxBytes),
  };
  const server = await serve(env);
  const post = (path: string, body: unknown) =>
    fetch(server.url + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  try {
    const held: [string, string][] = [];
    const t0 = Date.now();
    let firstRefusal: { status: number; body: { error: { code: string; message: string } } } | undefined;
    for (let i = 0; !firstRefusal; i += 64) {
      await Promise.all(
        Array.from({ length: 64 }, async (_, j) => {
          const key = `seat-${i + j}`;
          const r = await post(`/v1/locks/${key}/acquire`, {
            ttlMs: 3_600_000,
            metadata: { user: `user-${i + j}`, note: "x".repeat(64) },
          });
          const body = (await r.json()) as { token: string; error: { code: string; message: string } };
          if (r.status === 200) held.push([key, body.token]);
          else firstRefusal ??= { status: r.status, body };
        }),
      );
    }
    const fillS = (Date.now() - t0) / 1000;
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as {
      store: { memory: { usedBytes: number; maxBytes: number } };
    };
    const timed = async (n: number, f: (i: number) => Promise<number>) => {
      const statuses = new Map<number, number>();
      const t = Date.now();
      for (let i = 0; i < n; i++) {
        const s = await f(i);
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
      }
      return { perOpMs: (Date.now() - t) / n, statuses: Object.fromEntries(statuses) };
    };
    const refused = await timed(
      1000,
      async (i) => (await post(`/v1/locks/more-${i}/acquire`, { ttlMs: 60_000 })).status,
    );
    const reads = await timed(
      1000,
      async (i) => (await fetch(`${server.url}/v1/locks/${held[i % held.length][0]}`)).status,
    );
    const releases = await timed(
      1000,
      async (i) => (await post(`/v1/locks/${held[i][0]}/release`, { token: held[i][1] })).status,
    );
    const after = await timed(
      100,
      async (i) => (await post(`/v1/locks/after-${i}/acquire`, { ttlMs: 60_000 })).status,
    );
    console.log(
      `\nbudget: HOLDFAST_MAX_MEMORY_BYTES=${maxBytes}; ${held.length} locks taken in ${fillS.toFixed(1)} s before the first refusal`,
    );
    console.log(
      `first refusal: ${firstRefusal.status} ${firstRefusal.body.error.code}: ${firstRefusal.body.error.message}`,
    );
    console.log(
      `data held (counted): ${ready.store.memory.usedBytes} of ${ready.store.memory.maxBytes} bytes; server RSS ${rssMb(server.proc.pid!).toFixed(1)} MB`,
    );
    console.log("| then | answers | ms per call |\n|---|---|---:|");
    console.log(
      `| 1000 more acquires | ${JSON.stringify(refused.statuses)} | ${refused.perOpMs.toFixed(2)} |`,
    );
    console.log(
      `| 1000 reads of held locks | ${JSON.stringify(reads.statuses)} | ${reads.perOpMs.toFixed(2)} |`,
    );
    console.log(`| 1000 releases | ${JSON.stringify(releases.statuses)} | ${releases.perOpMs.toFixed(2)} |`);
    console.log(
      `| 100 acquires after the releases | ${JSON.stringify(after.statuses)} | ${after.perOpMs.toFixed(2)} |`,
    );
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function readyz(): Promise<void> {
  const redis = await PrivateRedis.start();
  const server = await serve({
    REDIS_URL: redis.url,
    HOST: "127.0.0.1",
    HOLDFAST_PREFIX: `bench-${Date.now()}:`,
  });
  try {
    const probe = async () => {
      const t = performance.now();
      const r = await fetch(`${server.url}/readyz`);
      await r.arrayBuffer();
      return { ms: performance.now() - t, status: r.status };
    };
    const run = async (label: string) => {
      const probes = [];
      for (let i = 0; i < 50; i++) {
        probes.push(await probe());
        await sleep(50);
      }
      const ms = probes.map((p) => p.ms).sort((a, b) => a - b);
      const statuses = probes.reduce<Record<number, number>>(
        (m, p) => ({ ...m, [p.status]: (m[p.status] ?? 0) + 1 }),
        {},
      );
      console.log(`| ${label} | ${JSON.stringify(statuses)} | ${ms[24].toFixed(1)} | ${ms[49].toFixed(1)} |`);
    };
    console.log(
      "\nreadyz: 50 probes, 50 ms apart\n| Redis | answers | p50 ms | max ms |\n|---|---|---:|---:|",
    );
    await run("up");
    await redis.kill();
    await run("killed (first 50 probes after)");
    await run("still down");
  } finally {
    await server.stop();
    await redis.stop();
  }
}

const which = process.argv[2];
if (!which || which === "auth-flood") await authFlood();
if (!which || which === "budget") await budget();
if (!which || which === "readyz") await readyz();
